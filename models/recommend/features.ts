// Item features for the item tower: hashed title/tag tokens, section, author, paywall flag, hashed item id, and
// an age bucket (computed per request, since an article's age depends on when it is recommended).
import { articleTokens, hashToken } from './tokenize.ts'

/** What the recommender knows about an article. Everything but `id` is optional (CSV imports carry little). */
export interface ItemMeta {
  id: string
  agency?: string
  title?: string
  tags?: readonly string[]
  section?: string
  author?: string
  /** Publication time, epoch ms. */
  published?: number
  paywalled?: boolean
}

/** Sizes of the hashed vocabularies and the fixed token length. Saved with the model: serving must match. */
export interface FeatureConfig {
  tokenBuckets: number
  tokensPerItem: number
  sectionBuckets: number
  authorBuckets: number
  idBuckets: number
  /** False when there is no items file: the item tower sees the hashed item id only (no cold start). */
  useContent: boolean
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  tokenBuckets: 1 << 15,
  tokensPerItem: 24,
  sectionBuckets: 512,
  authorBuckets: 2048,
  idBuckets: 1 << 16,
  useContent: true,
}

/** Upper edges (hours) of the age buckets; bucket 0 = unknown publication time, the last = older than all. */
export const AGE_BUCKET_EDGES_HOURS = [1, 3, 6, 12, 24, 48, 72, 168, 720] as const
export const AGE_BUCKETS = AGE_BUCKET_EDGES_HOURS.length + 2

const HOUR_MS = 3_600_000

/** Age bucket of an article at time `now` (1 = under an hour); 0 when the publication time is unknown. */
export function ageBucket(publishedMs: number, nowMs: number): number {
  if (!Number.isFinite(publishedMs)) return 0
  const hours = (nowMs - publishedMs) / HOUR_MS
  for (let i = 0; i < AGE_BUCKET_EDGES_HOURS.length; i++) {
    if (hours < (AGE_BUCKET_EDGES_HOURS[i] as number)) return i + 1
  }
  return AGE_BUCKET_EDGES_HOURS.length + 1
}

/** Paywall feature: 0 unknown, 1 free, 2 paywalled. */
export function paywallFeature(paywalled: boolean | undefined): number {
  return paywalled === undefined ? 0 : paywalled ? 2 : 1
}

/** Column-wise feature arrays for n items, in the order the items were given. */
export interface ItemFeatureTable {
  count: number
  /** n × tokensPerItem token ids, 0 = padding. */
  tokens: Int32Array
  section: Int32Array
  author: Int32Array
  paywall: Int32Array
  idHash: Int32Array
}

/** Token ids of one item, padded/truncated to `tokensPerItem`. */
export function itemTokenIds(item: ItemMeta, cfg: FeatureConfig): Int32Array {
  const out = new Int32Array(cfg.tokensPerItem)
  if (!cfg.useContent) return out
  const toks = articleTokens(item.title ?? '', item.tags ?? [])
  const n = Math.min(toks.length, cfg.tokensPerItem)
  for (let i = 0; i < n; i++) out[i] = hashToken(toks[i] as string, cfg.tokenBuckets)
  return out
}

/**
 * Builds the feature table of the item tower.
 * @example const table = encodeItems([{ id: 'a1', title: 'Giá vàng tăng', section: 'Kinh tế' }], DEFAULT_FEATURE_CONFIG)
 */
export function encodeItems(items: readonly ItemMeta[], cfg: FeatureConfig): ItemFeatureTable {
  const n = items.length
  const table: ItemFeatureTable = {
    count: n,
    tokens: new Int32Array(n * cfg.tokensPerItem),
    section: new Int32Array(n),
    author: new Int32Array(n),
    paywall: new Int32Array(n),
    idHash: new Int32Array(n),
  }
  for (let i = 0; i < n; i++) {
    const item = items[i] as ItemMeta
    table.idHash[i] = hashToken(`id:${item.id}`, cfg.idBuckets)
    if (!cfg.useContent) continue
    table.tokens.set(itemTokenIds(item, cfg), i * cfg.tokensPerItem)
    const section = item.section?.normalize('NFC').trim().toLowerCase()
    table.section[i] = section ? hashToken(`s:${section}`, cfg.sectionBuckets) : 0
    const author = item.author?.normalize('NFC').trim().toLowerCase()
    table.author[i] = author ? hashToken(`a:${author}`, cfg.authorBuckets) : 0
    table.paywall[i] = paywallFeature(item.paywalled)
  }
  return table
}

/** Rows `rows` of a feature table, as a new table (the unique items of a training batch). */
export function selectRows(
  table: ItemFeatureTable,
  rows: ArrayLike<number>,
  tokensPerItem: number,
): ItemFeatureTable {
  const n = rows.length
  const out: ItemFeatureTable = {
    count: n,
    tokens: new Int32Array(n * tokensPerItem),
    section: new Int32Array(n),
    author: new Int32Array(n),
    paywall: new Int32Array(n),
    idHash: new Int32Array(n),
  }
  for (let k = 0; k < n; k++) {
    const r = rows[k] as number
    out.tokens.set(table.tokens.subarray(r * tokensPerItem, (r + 1) * tokensPerItem), k * tokensPerItem)
    out.section[k] = table.section[r] as number
    out.author[k] = table.author[r] as number
    out.paywall[k] = table.paywall[r] as number
    out.idHash[k] = table.idHash[r] as number
  }
  return out
}
