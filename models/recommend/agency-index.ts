// The serving index of one agency: its articles with their item vectors (embedded once per model, so an
// article published a minute ago is scored from its content), the trending and freshest lists, and the query
// tower's weights in plain arrays. One request = pool the reader's recent reads, score the agency's articles
// in JS (no TF.js call per request) on typed per-article columns, keep the best few, then rank.ts's rules
// decide (re-implemented here on those columns; a test checks both agree).
import type * as tf from '@tensorflow/tfjs'
import type { Tf } from '../tf/index.ts'
import { recencyWeights } from './dataset.ts'
import { ageBucket, encodeItems, type ItemMeta } from './features.ts'
import { ageBiasValues, embedItems, type Recommender } from './model.ts'
import {
  type AgencyRankingPolicy,
  DEFAULT_RANKING_POLICY,
  halfLifeLookup,
  type RecommendationSource,
} from './rank.ts'

/** An article as the serving side knows it (from the `articles` table). */
export interface ServingArticle {
  agency: string
  site: string
  articleId: string
  url: string
  title: string
  section: string
  author: string
  tags: string[]
  /** Epoch ms. */
  published: number
  paywalled: boolean
}

/** The id an article has in indexes, training data and histories: unique across sites. */
export function servingKey(site: string, articleId: string): string {
  return `${site}:${articleId}`
}

/** A registry model ready for serving: the query tower as plain arrays. */
export interface ServingModel {
  version: number
  rec: Recommender
  /** d × d kernel of the query transform (row-major, input × unit) and its bias. */
  wq: Float32Array
  bq: Float32Array
  ageBias: Float32Array
  weights: Float32Array
}

/** Reads the query-tower weights once, so a request needs no TF.js call. */
export function servingModel(rec: Recommender, version: number): ServingModel {
  const [kernel, bias] = rec.model.getLayer('query_transform').getWeights() as [tf.Tensor, tf.Tensor]
  return {
    version,
    rec,
    wq: Float32Array.from(kernel.dataSync() as Float32Array),
    bq: Float32Array.from(bias.dataSync() as Float32Array),
    ageBias: ageBiasValues(rec),
    weights: recencyWeights(rec.config.historyLength, rec.config.historyHalfLifeReads),
  }
}

/** Item vectors by article content, for one model: a refresh embeds only articles it has not seen. */
export type VectorCache = Map<string, Float32Array>

export interface AgencyIndex {
  agency: string
  model: ServingModel | null
  articles: ServingArticle[]
  keys: string[]
  rows: Map<string, number>
  /** n × dim, or null without a model. */
  vectors: Float32Array | null
  /** |v| per row, rounded up (null without a model): the bound that lets a request skip hopeless articles. */
  norms: Float64Array | null
  /**
   * Rows in the order a request scores them: best first by a request-independent prior (|v|/τ + age bias −
   * freshness penalty at build time), so the kept list fills with strong articles and the bound prunes early.
   */
  scanOrder: Int32Array
  /** Per row: publication time (epoch ms), its ISO form for responses, paywall flag. */
  published: Float64Array
  publishedIso: string[]
  paywalled: Uint8Array
  /** Per row: index into `siteIds`. */
  site: Int32Array
  siteIds: string[]
  /** Per row: index into `sectionKeys` (normalised section, the key of the per-section cap). */
  section: Int32Array
  sectionKeys: string[]
  sectionIndex: Map<string, number>
  /** Freshness half-life (hours) of each article's section under the policy. */
  halfLifeH: Float64Array
  /** Recency-weighted reads per row (0 = not trending). */
  trend: Float64Array
  trending: Map<string, number>
  /** Rows by trending score, per normalised section ('' = all sections). */
  trendingRows: Map<string, number[]>
  /** Rows by publication time, newest first. */
  freshestRows: number[]
  policy: AgencyRankingPolicy
  /** Per-request marks, reused (requests are synchronous) and cleared before a request returns. */
  scratch: Scratch
}

const HOUR_MS = 3_600_000
const LIST_LENGTH = 100

const contentKey = (a: ServingArticle) =>
  `${servingKey(a.site, a.articleId)}\n${a.title}\n${a.section}\n${a.author}\n${a.tags.join('\t')}\n${a.paywalled}`

/** Section key as rank.ts compares sections (NFC, trimmed, lower-case). */
export function sectionKey(s: string | undefined): string {
  return s ? s.normalize('NFC').trim().toLowerCase() : ''
}

/** Small dense ids for repeated strings (sites, sections), so a request compares integers. */
function interned(values: readonly string[]): {
  ids: Int32Array
  names: string[]
  index: Map<string, number>
} {
  const index = new Map<string, number>()
  const names: string[] = []
  const ids = Int32Array.from(values, (v) => {
    let id = index.get(v)
    if (id === undefined) {
      id = names.length
      names.push(v)
      index.set(v, id)
    }
    return id
  })
  return { ids, names, index }
}

/**
 * Builds one agency's index; `cache` (per model) keeps the vectors of articles embedded by an earlier refresh.
 * Everything a request needs that does not depend on the request (columns per article, section half-lives,
 * trending and freshest lists) is computed here, once per refresh.
 * @example const idx = buildAgencyIndex(tf, { agency: 'lamdong', articles, trending, model, cache })
 */
export function buildAgencyIndex(
  t: Tf,
  input: {
    agency: string
    articles: readonly ServingArticle[]
    /** Recency-weighted reads per servingKey. */
    trending: ReadonlyMap<string, number>
    model: ServingModel | null
    cache?: VectorCache
    policy?: AgencyRankingPolicy
    /** Clock for the scan-order prior (epoch ms); default the newest publication time. Never affects answers. */
    now?: number
  },
): AgencyIndex {
  const policy = input.policy ?? DEFAULT_RANKING_POLICY
  const articles = input.articles.filter((a) => a.agency === input.agency)
  const keys = articles.map((a) => servingKey(a.site, a.articleId))
  const n = articles.length
  let vectors: Float32Array | null = null
  if (input.model) {
    const d = input.model.rec.config.dim
    vectors = new Float32Array(n * d)
    const cache = input.cache ?? new Map()
    const missing: number[] = []
    articles.forEach((a, i) => {
      const v = cache.get(contentKey(a))
      if (v) (vectors as Float32Array).set(v, i * d)
      else missing.push(i)
    })
    if (missing.length > 0) {
      const metas: ItemMeta[] = missing.map((i) => {
        const a = articles[i] as ServingArticle
        return {
          id: keys[i] as string,
          agency: a.agency,
          title: a.title,
          tags: a.tags,
          section: a.section,
          author: a.author,
          published: a.published,
          paywalled: a.paywalled,
        }
      })
      const fresh = embedItems(t, input.model.rec, encodeItems(metas, input.model.rec.config.features))
      missing.forEach((i, m) => {
        const v = fresh.slice(m * d, (m + 1) * d)
        ;(vectors as Float32Array).set(v, i * d)
        cache.set(contentKey(articles[i] as ServingArticle), v)
      })
    }
  }
  const halfLife = halfLifeLookup(policy)
  const halfLifeH = Float64Array.from(articles, (a) => halfLife(a.section))
  const sites = interned(articles.map((a) => a.site))
  const sections = interned(articles.map((a) => sectionKey(a.section)))
  const trending = new Map<string, number>()
  const trend = new Float64Array(n)
  keys.forEach((k, i) => {
    const c = input.trending.get(k)
    if (c !== undefined && c > 0) {
      trending.set(k, c)
      trend[i] = c
    }
  })
  const bySection = new Map<string, number[]>([['', []]])
  articles.forEach((_, i) => {
    if (!((trend[i] as number) > 0)) return
    const s = sections.names[sections.ids[i] as number] as string
    if (!bySection.has(s)) bySection.set(s, [])
    bySection.get(s)?.push(i)
    if (s !== '') bySection.get('')?.push(i)
  })
  const trendingRows = new Map<string, number[]>()
  for (const [s, list] of bySection) {
    list.sort((x, y) => (trend[y] as number) - (trend[x] as number))
    trendingRows.set(s, list.slice(0, LIST_LENGTH * 4))
  }
  let norms: Float64Array | null = null
  let scanOrder = Int32Array.from(articles, (_, i) => i)
  const model = vectors ? input.model : null
  if (vectors && model) {
    const d = model.rec.config.dim
    const vecs = vectors
    const inv = 1 / model.rec.config.temperature
    const at = input.now ?? articles.reduce((mx, a) => Math.max(mx, a.published), 0)
    const rowNorms = new Float64Array(n)
    const prior = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      // Rounded up a little so float rounding of q·v can never exceed the bound.
      rowNorms[i] = Math.sqrt(dotRow(vecs.subarray(i * d, (i + 1) * d), vecs, i * d, d)) * (1 + 1e-6) + 1e-9
      const p = (articles[i] as ServingArticle).published
      prior[i] =
        (rowNorms[i] as number) * inv +
        (model.ageBias[ageBucket(p, at)] as number) -
        (Math.max(0, at - p) / HOUR_MS / (halfLifeH[i] as number)) * Math.LN2
    }
    norms = rowNorms
    scanOrder = scanOrder.sort((x, y) => (prior[y] as number) - (prior[x] as number))
  }
  const freshestRows = articles
    .map((_, i) => i)
    .sort((x, y) => (articles[y] as ServingArticle).published - (articles[x] as ServingArticle).published)
    .slice(0, LIST_LENGTH * 4)
  return {
    agency: input.agency,
    model,
    articles,
    keys,
    rows: new Map(keys.map((k, i) => [k, i])),
    vectors,
    norms,
    scanOrder,
    published: Float64Array.from(articles, (a) => a.published),
    publishedIso: articles.map((a) => new Date(a.published).toISOString()),
    paywalled: Uint8Array.from(articles, (a) => (a.paywalled ? 1 : 0)),
    site: sites.ids,
    siteIds: sites.names,
    section: sections.ids,
    sectionKeys: sections.names,
    sectionIndex: sections.index,
    halfLifeH,
    trend,
    trending,
    trendingRows,
    freshestRows,
    policy,
    scratch: newScratch(n, sections.names.length, sites.names.length, model?.rec.config.dim ?? 0),
  }
}

export interface IndexRequest {
  /** Epoch ms. */
  now: number
  /** servingKeys of the reader's recent reads, most recent first (the model pools these). */
  history: readonly string[]
  /** servingKeys never to recommend (history and everything else the reader has read). */
  read: ReadonlySet<string>
  /** Section of the page being read (the "trending in section" fallback). */
  section?: string
  k: number
  subscriber?: boolean
  /** Only articles of these sites (e.g. the sites of the agency in the page's language). */
  sites?: ReadonlySet<string>
}

export interface IndexPick {
  row: number
  article: ServingArticle
  score: number
  source: RecommendationSource
}

export interface IndexResult {
  items: IndexPick[]
  /** True when the model scored this request (some of the history is in the index). */
  modelScored: boolean
}

/** q · v[offset … offset + d), four accumulators (about twice as fast as one in V8). */
function dotRow(q: Float32Array, vecs: Float32Array, offset: number, d: number): number {
  let a = 0
  let b = 0
  let c = 0
  let e = 0
  let k = 0
  for (let o = offset; k + 3 < d; k += 4, o += 4) {
    a += (q[k] as number) * (vecs[o] as number)
    b += (q[k + 1] as number) * (vecs[o + 1] as number)
    c += (q[k + 2] as number) * (vecs[o + 2] as number)
    e += (q[k + 3] as number) * (vecs[o + 3] as number)
  }
  for (; k < d; k++) a += (q[k] as number) * (vecs[offset + k] as number)
  return a + b + c + e
}

/** Query vector: recency-weighted mean of the history's item vectors → query transform → unit length. */
function queryVector(idx: AgencyIndex, model: ServingModel, histRows: readonly number[]): Float32Array {
  const d = model.rec.config.dim
  const vecs = idx.vectors as Float32Array
  const pooled = idx.scratch.pooled
  pooled.fill(0)
  let wsum = 0
  histRows.forEach((row, h) => {
    const w = model.weights[h] as number
    wsum += w
    for (let c = 0; c < d; c++) pooled[c] = (pooled[c] as number) + w * (vecs[row * d + c] as number)
  })
  for (let c = 0; c < d; c++) pooled[c] = (pooled[c] as number) / wsum
  const q = idx.scratch.q
  q.set(model.bq)
  for (let k = 0; k < d; k++) {
    const p = pooled[k] as number
    if (p === 0) continue
    for (let c = 0; c < d; c++) q[c] = (q[c] as number) + p * (model.wq[k * d + c] as number)
  }
  let norm = 0
  for (let c = 0; c < d; c++) norm += (q[c] as number) * (q[c] as number)
  const inv = 1 / Math.sqrt(Math.max(norm, 1e-12))
  for (let c = 0; c < d; c++) q[c] = (q[c] as number) * inv
  return q
}

/**
 * Buffers a request works in, allocated once per index so a request allocates almost nothing (less garbage,
 * fewer GC pauses in the tail). Marks are cleared before a request returns.
 */
interface Scratch {
  read: Uint8Array
  added: Uint8Array
  perSection: Int32Array
  siteOk: Uint8Array
  /** Per candidate position: freshness, taken mark, and the three stages' scores (3 × n). */
  fresh: Float64Array
  taken: Uint8Array
  score: Float64Array
  candidates: number[]
  orders: [number[], number[], number[]]
  pooled: Float32Array
  q: Float32Array
  best: { row: Int32Array; key: Float64Array; score: Float64Array }
}

function newScratch(n: number, sections: number, sites: number, dim: number): Scratch {
  return {
    read: new Uint8Array(n),
    added: new Uint8Array(n),
    perSection: new Int32Array(sections),
    siteOk: new Uint8Array(sites),
    fresh: new Float64Array(n),
    taken: new Uint8Array(n),
    score: new Float64Array(3 * n),
    candidates: [],
    orders: [[], [], []],
    pooled: new Float32Array(dim),
    q: new Float32Array(dim),
    best: { row: new Int32Array(0), key: new Float64Array(0), score: new Float64Array(0) },
  }
}

/** Rows of one ranking stage (positions into the candidate list) with their scores, best first. */
interface Stage {
  source: RecommendationSource
  order: number[]
}

/**
 * Recommends from one agency's index: the model's best candidates (when the history has an indexed article),
 * then trending in the section, then fresh — with rank.ts's rules (never read, freshness, section cap, paywall).
 * Same answer as rank.ts's `recommend` over the same candidate pool, computed on the index's typed columns:
 * one pass scores the eligible articles (a dot product each, skipped when a bound says it cannot matter) and keeps
 * the best M, the fallback lists are built only when the model's list cannot fill K, and nothing per article is
 * allocated.
 */
export function recommendFromIndex(idx: AgencyIndex, req: IndexRequest): IndexResult {
  const { read, added, perSection } = idx.scratch
  const readRows: number[] = []
  for (const key of req.read) {
    const row = idx.rows.get(key)
    if (row !== undefined && read[row] === 0) {
      read[row] = 1
      readRows.push(row)
    }
  }
  const { candidates, taken } = idx.scratch
  candidates.length = 0
  try {
    return rankFromIndex(idx, req, candidates)
  } finally {
    for (const row of readRows) read[row] = 0
    for (let c = 0; c < candidates.length; c++) {
      added[candidates[c] as number] = 0
      taken[c] = 0
    }
    candidates.length = 0
    perSection.fill(0)
  }
}

function rankFromIndex(idx: AgencyIndex, req: IndexRequest, candidates: number[]): IndexResult {
  const policy = idx.policy
  const now = req.now
  const { read, added, perSection, siteOk, fresh, taken, score, orders } = idx.scratch
  const published = idx.published
  const siteOf = idx.site
  const paywalled = idx.paywalled
  const maxAgeMs = policy.maxAgeHours === undefined ? Number.POSITIVE_INFINITY : policy.maxAgeHours * HOUR_MS
  const blockPaywalled = policy.excludePaywalledForNonSubscribers && req.subscriber !== true
  for (let s = 0; s < idx.siteIds.length; s++)
    siteOk[s] = req.sites === undefined || req.sites.has(idx.siteIds[s] as string) ? 1 : 0
  const eligible = (i: number): boolean => {
    const p = published[i] as number
    return (
      read[i] === 0 &&
      p <= now &&
      now - p <= maxAgeMs &&
      siteOk[siteOf[i] as number] === 1 &&
      !(blockPaywalled && paywalled[i] === 1)
    )
  }
  const add = (i: number) => {
    if (added[i] === 1 || !eligible(i)) return
    added[i] = 1
    candidates.push(i)
  }

  // 1. Model: score the eligible articles in scan order, keep the M best by (score + log freshness); once M are
  //    kept, an article whose upper bound (|v|/τ + age bias − freshness penalty) cannot beat the worst is skipped.
  let modelScored = false
  let modelCount = 0
  let modelScore: Float64Array | null = null
  const model = idx.model
  const H = model?.rec.config.historyLength ?? 0
  const histRows: number[] = []
  for (const key of req.history) {
    if (histRows.length >= H) break
    const row = idx.rows.get(key)
    if (row !== undefined && !histRows.includes(row)) histRows.push(row)
  }
  if (model && idx.vectors && histRows.length > 0) {
    modelScored = true
    const q = queryVector(idx, model, histRows)
    const d = model.rec.config.dim
    const inv = 1 / model.rec.config.temperature
    const vecs = idx.vectors
    const ageBias = model.ageBias
    const halfLifeH = idx.halfLifeH
    const M = Math.max(50, req.k * 8)
    if (idx.scratch.best.row.length < M)
      idx.scratch.best = { row: new Int32Array(M), key: new Float64Array(M), score: new Float64Array(M) }
    const { row: bestRow, key: bestKey, score: bestScore } = idx.scratch.best
    let count = 0
    let worst = Number.NEGATIVE_INFINITY
    const norms = idx.norms as Float64Array
    const order = idx.scanOrder
    for (let r = 0; r < order.length; r++) {
      const i = order[r] as number
      if (!eligible(i)) continue
      const p = published[i] as number
      const bias = ageBias[ageBucket(p, now)] as number
      const penalty = (Math.max(0, now - p) / HOUR_MS / (halfLifeH[i] as number)) * Math.LN2
      // q has unit length, so q·v ≤ |v|: an article whose best case cannot enter the list is not scored.
      if (count >= M && (norms[i] as number) * inv + bias - penalty <= worst) continue
      const s = dotRow(q, vecs, i * d, d) * inv + bias
      const ranked = s - penalty
      if (count >= M && ranked <= worst) continue
      // Insert after equal keys (ties keep scan order); when full, the last one falls off.
      let j = count < M ? count : M - 1
      while (j > 0 && (bestKey[j - 1] as number) < ranked) {
        bestKey[j] = bestKey[j - 1] as number
        bestRow[j] = bestRow[j - 1] as number
        bestScore[j] = bestScore[j - 1] as number
        j--
      }
      bestKey[j] = ranked
      bestRow[j] = i
      bestScore[j] = s
      if (count < M) count++
      if (count >= M) worst = bestKey[M - 1] as number
    }
    for (let r = 0; r < count; r++) add(bestRow[r] as number)
    modelCount = count
    modelScore = bestScore
  }
  // 2. Fallback pools: trending in the page's section, trending overall, freshest.
  const wanted = sectionKey(req.section)
  for (const list of [idx.trendingRows.get(wanted) ?? [], idx.trendingRows.get('') ?? [], idx.freshestRows]) {
    let taken = 0
    for (const i of list) {
      if (taken >= LIST_LENGTH) break
      if (eligible(i)) {
        add(i)
        taken++
      }
    }
  }

  // 3. Ranking (rank.ts's rules): model list, then trending in section, then fresh; section cap, relaxed last.
  const nc = candidates.length
  for (let c = 0; c < nc; c++) {
    const i = candidates[c] as number
    const ageH = Math.max(0, (now - (published[i] as number)) / HOUR_MS)
    fresh[c] = 0.5 ** (ageH / (idx.halfLifeH[i] as number))
  }
  const byScore = (base: number, order: number[]) =>
    order.sort((x, y) => {
      const rx = candidates[x] as number
      const ry = candidates[y] as number
      return (
        (score[base + y] as number) - (score[base + x] as number) ||
        (published[ry] as number) - (published[rx] as number) ||
        ((idx.keys[rx] as string) < (idx.keys[ry] as string) ? -1 : 1)
      )
    })
  const modelStage = (): number[] => {
    const order = orders[0]
    order.length = 0
    // The first modelCount candidates are the model's picks, in the order of bestRow.
    for (let c = 0; c < modelCount; c++) {
      const s = (modelScore as Float64Array)[c] as number
      if (!Number.isFinite(s)) continue
      score[c] = s + Math.log(fresh[c] as number)
      order.push(c)
    }
    return byScore(0, order)
  }
  const wantedSection = wanted === '' ? -1 : (idx.sectionIndex.get(wanted) ?? -2)
  const trendingStage = (): number[] => {
    const order = orders[1]
    order.length = 0
    for (let c = 0; c < nc; c++) {
      const i = candidates[c] as number
      const count = idx.trend[i] as number
      if (count <= 0 || (wantedSection !== -1 && idx.section[i] !== wantedSection)) continue
      score[nc + c] = count * (fresh[c] as number)
      order.push(c)
    }
    return byScore(nc, order)
  }
  const freshStage = (): number[] => {
    const order = orders[2]
    order.length = 0
    for (let c = 0; c < nc; c++) {
      score[2 * nc + c] = fresh[c] as number
      order.push(c)
    }
    return byScore(2 * nc, order)
  }
  const builders: Array<[RecommendationSource, number, () => number[]]> = [
    ['model', 0, modelStage],
    ['trending', nc, trendingStage],
    ['fresh', 2 * nc, freshStage],
  ]
  const stages: Stage[] = []
  const picked: IndexPick[] = []
  const cap = policy.maxPerSection
  for (const capped of [true, false]) {
    for (let s = 0; s < builders.length; s++) {
      if (picked.length >= req.k) break
      const [source, base, build] = builders[s] as [RecommendationSource, number, () => number[]]
      stages[s] ??= { source, order: build() }
      for (const c of (stages[s] as Stage).order) {
        if (picked.length >= req.k) break
        if (taken[c] === 1) continue
        const i = candidates[c] as number
        const sec = idx.section[i] as number
        if (capped && (perSection[sec] as number) >= cap) continue
        taken[c] = 1
        perSection[sec] = (perSection[sec] as number) + 1
        picked.push({
          row: i,
          article: idx.articles[i] as ServingArticle,
          score: score[base + c] as number,
          source,
        })
      }
    }
    if (picked.length >= req.k) break
  }
  return { items: picked, modelScored }
}
