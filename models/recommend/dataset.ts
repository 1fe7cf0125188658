// Data preparation: a catalogue of items, interactions indexed and sorted by time, the time-based split, and
// the (history → next read) examples that training and evaluation share.
import type { Interaction } from './csv-import.ts'
import type { ItemMeta } from './features.ts'

export const DAY_MS = 86_400_000
/** Day boundaries are Vietnamese days (UTC+7): "train up to day D" means up to local midnight. */
export const VN_OFFSET_MS = 7 * 3_600_000

/** Items by dense index; `published` is the known publication time, else the first read (a proxy). */
export interface Catalogue {
  items: ItemMeta[]
  index: Map<string, number>
  published: Float64Array
  /** True where `published` came from the items file / CMS rather than the first read. */
  publishedKnown: Uint8Array
}

/** Interactions as parallel arrays sorted by time (ties keep input order). */
export interface InteractionLog {
  users: string[]
  user: Int32Array
  item: Int32Array
  ts: Float64Array
}

/** Builds the catalogue: items from the items file first, then ids seen only in interactions. */
export function buildCatalogue(
  interactions: readonly Interaction[],
  items: readonly ItemMeta[] = [],
): Catalogue {
  const all: ItemMeta[] = []
  const index = new Map<string, number>()
  for (const it of items) {
    if (index.has(it.id)) continue
    index.set(it.id, all.length)
    all.push(it)
  }
  for (const r of interactions) {
    if (index.has(r.item)) continue
    index.set(r.item, all.length)
    all.push({ id: r.item })
  }
  const published = new Float64Array(all.length).fill(Number.POSITIVE_INFINITY)
  const publishedKnown = new Uint8Array(all.length)
  all.forEach((it, i) => {
    if (it.published !== undefined && Number.isFinite(it.published)) {
      published[i] = it.published
      publishedKnown[i] = 1
    }
  })
  // Unknown publication time: the first read stands in. A CMS time after the first read (an update time, a
  // clock off) is pulled back to it: an article cannot be read before it exists.
  for (const r of interactions) {
    const i = index.get(r.item) as number
    if (r.ts < (published[i] as number)) published[i] = r.ts
  }
  return { items: all, index, published, publishedKnown }
}

/** Indexes and sorts the interactions by time. */
export function buildLog(interactions: readonly Interaction[], catalogue: Catalogue): InteractionLog {
  const order = interactions
    .map((_, i) => i)
    .sort((a, b) => (interactions[a] as Interaction).ts - (interactions[b] as Interaction).ts || a - b)
  const userIndex = new Map<string, number>()
  const users: string[] = []
  const n = interactions.length
  const log: InteractionLog = {
    users,
    user: new Int32Array(n),
    item: new Int32Array(n),
    ts: new Float64Array(n),
  }
  order.forEach((src, k) => {
    const r = interactions[src] as Interaction
    let u = userIndex.get(r.user)
    if (u === undefined) {
      u = users.length
      userIndex.set(r.user, u)
      users.push(r.user)
    }
    log.user[k] = u
    log.item[k] = catalogue.index.get(r.item) as number
    log.ts[k] = r.ts
  })
  return log
}

/** Start (epoch ms) of the Vietnamese calendar day containing `ts`. */
export function vnDayStart(ts: number): number {
  return Math.floor((ts + VN_OFFSET_MS) / DAY_MS) * DAY_MS - VN_OFFSET_MS
}

export interface TimeSplit {
  /** Reads with ts < testStart are training data. */
  testStart: number
  /** The last calendar day had under 10 % of a typical day's reads (sessions running past midnight, an export
   * ending just after it): it is counted with the day before it rather than as a test day of its own. */
  partialLastDayMerged: boolean
  trainCount: number
  testCount: number
  trainFrom: number | null
  trainTo: number | null
  testFrom: number | null
  testTo: number | null
}

/**
 * Time-based split: the last `testDays` Vietnamese calendar days of the log are the test period, everything
 * before is training data. Returns the index of the first test read (the log is time-sorted).
 */
export function timeSplit(log: InteractionLog, testDays: number): TimeSplit {
  const n = log.ts.length
  if (n === 0) {
    return {
      testStart: 0,
      partialLastDayMerged: false,
      trainCount: 0,
      testCount: 0,
      trainFrom: null,
      trainTo: null,
      testFrom: null,
      testTo: null,
    }
  }
  const last = log.ts[n - 1] as number
  let lastDay = vnDayStart(last)
  const perDay = new Map<number, number>()
  for (let k = 0; k < n; k++) {
    const day = vnDayStart(log.ts[k] as number)
    perDay.set(day, (perDay.get(day) ?? 0) + 1)
  }
  const others = [...perDay.entries()]
    .filter(([day]) => day !== lastDay)
    .map(([, c]) => c)
    .sort((a, b) => a - b)
  const typical = others[Math.floor(others.length / 2)]
  const partialLastDayMerged = typical !== undefined && (perDay.get(lastDay) ?? 0) < 0.1 * typical
  if (partialLastDayMerged) lastDay -= DAY_MS
  const testStart = lastDay - (Math.max(1, testDays) - 1) * DAY_MS
  let k = 0
  while (k < n && (log.ts[k] as number) < testStart) k++
  return {
    testStart,
    partialLastDayMerged,
    trainCount: k,
    testCount: n - k,
    trainFrom: k > 0 ? (log.ts[0] as number) : null,
    trainTo: k > 0 ? (log.ts[k - 1] as number) : null,
    testFrom: k < n ? (log.ts[k] as number) : null,
    testTo: last,
  }
}

/** One "given these recent reads, what is read next" example. */
export interface NextReadExamples {
  count: number
  /** Row of the read in the log. */
  row: Int32Array
  /** The read item. */
  target: Int32Array
  ts: Float64Array
  user: Int32Array
  /** count × historyLength previous distinct items, most recent first; -1 = padding. */
  history: Int32Array
  historyLength: number
}

export interface ExampleStats {
  reads: number
  noHistory: number
  repeats: number
}

/**
 * Builds examples for log rows [from, to): the history of each read is the reader's last `historyLength`
 * distinct items read strictly before it (all earlier rows count, also before `from`). Reads without any
 * history and re-reads of an item already in the reader's past are skipped (we never recommend read items).
 * `keep(row)` can sample the rows that become examples.
 */
export function buildExamples(
  log: InteractionLog,
  from: number,
  to: number,
  historyLength: number,
  keep: (row: number) => boolean = () => true,
): { examples: NextReadExamples; stats: ExampleStats } {
  const recent = new Map<number, number[]>()
  const readSets = new Map<number, Set<number>>()
  const rows: number[] = []
  const hist: number[] = []
  const stats: ExampleStats = { reads: 0, noHistory: 0, repeats: 0 }
  for (let k = 0; k < to; k++) {
    const u = log.user[k] as number
    const it = log.item[k] as number
    let past = readSets.get(u)
    if (past === undefined) {
      past = new Set()
      readSets.set(u, past)
      recent.set(u, [])
    }
    const rec = recent.get(u) as number[]
    if (k >= from) {
      stats.reads++
      if (past.has(it)) stats.repeats++
      else if (rec.length === 0) stats.noHistory++
      else if (keep(k)) {
        rows.push(k)
        for (let h = 0; h < historyLength; h++) hist.push(rec[rec.length - 1 - h] ?? -1)
      }
    }
    if (!past.has(it)) {
      past.add(it)
      rec.push(it)
      if (rec.length > historyLength * 4) rec.splice(0, rec.length - historyLength)
    }
  }
  const count = rows.length
  const examples: NextReadExamples = {
    count,
    row: Int32Array.from(rows),
    target: new Int32Array(count),
    ts: new Float64Array(count),
    user: new Int32Array(count),
    history: Int32Array.from(hist),
    historyLength,
  }
  rows.forEach((k, e) => {
    examples.target[e] = log.item[k] as number
    examples.ts[e] = log.ts[k] as number
    examples.user[e] = log.user[k] as number
  })
  return { examples, stats }
}

/** For each example, every item its reader read before it (the "never recommend read items" filter). */
export function readBefore(log: InteractionLog, examples: NextReadExamples): Array<Set<number>> {
  const byRow = new Map<number, number>()
  examples.row.forEach((k, e) => {
    byRow.set(k, e)
  })
  const out: Array<Set<number>> = new Array(examples.count)
  const sets = new Map<number, Set<number>>()
  const last = examples.count > 0 ? (examples.row[examples.count - 1] as number) : -1
  for (let k = 0; k <= last; k++) {
    const u = log.user[k] as number
    let s = sets.get(u)
    if (s === undefined) {
      s = new Set()
      sets.set(u, s)
    }
    const e = byRow.get(k)
    if (e !== undefined) out[e] = new Set(s)
    s.add(log.item[k] as number)
  }
  return out
}

/** Recency weights for a history (position 0 = most recent): halves every `halfLifeReads` positions. */
export function recencyWeights(historyLength: number, halfLifeReads: number): Float32Array {
  const w = new Float32Array(historyLength)
  for (let h = 0; h < historyLength; h++) w[h] = 0.5 ** (h / halfLifeReads)
  return w
}

/** Deterministic pseudo-random numbers (mulberry32), so samples and shuffles repeat across runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
