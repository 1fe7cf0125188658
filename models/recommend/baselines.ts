// Baselines the model has to beat, fitted on the training reads only: most-read, recency-weighted most-read
// (trending), and item-kNN over co-reads. They also serve as the fallbacks when there is no model.
import type { InteractionLog } from './dataset.ts'

/** A query: the reader's recent distinct reads (most recent first, -1 = padding) at time `ts`. */
export interface RecQuery {
  history: ArrayLike<number>
  ts: number
}

/** Scores every catalogue item for each query (higher = better); -Infinity means "cannot recommend". */
export interface CandidateScorer {
  name: string
  score(queries: readonly RecQuery[], catalogueSize: number): Float32Array[] | Promise<Float32Array[]>
}

/** Read counts per item over log rows [0, trainCount). */
export function popularityCounts(
  log: InteractionLog,
  trainCount: number,
  catalogueSize: number,
): Float32Array {
  const counts = new Float32Array(catalogueSize)
  for (let k = 0; k < trainCount; k++)
    counts[log.item[k] as number] = (counts[log.item[k] as number] as number) + 1
  return counts
}

/** Reads per item weighted by 0.5^(age / halfLife) at `asOf` (the end of training). */
export function recentPopularity(
  log: InteractionLog,
  trainCount: number,
  catalogueSize: number,
  halfLifeMs: number,
  asOf: number,
): Float32Array {
  const score = new Float32Array(catalogueSize)
  for (let k = 0; k < trainCount; k++) {
    const it = log.item[k] as number
    score[it] = (score[it] as number) + 0.5 ** ((asOf - (log.ts[k] as number)) / halfLifeMs)
  }
  return score
}

/** The same static score vector for every query. */
export function staticScorer(name: string, scores: Float32Array): CandidateScorer {
  return {
    name,
    score: (queries) => queries.map(() => Float32Array.from(scores)),
  }
}

/** Item-item neighbours in CSR form: neighbours of i are `ids[offsets[i]..offsets[i+1])` with `sims`. */
export interface ItemNeighbours {
  offsets: Int32Array
  ids: Int32Array
  sims: Float32Array
}

export interface ItemKnnOptions {
  /** Two reads co-occur when they are at most this many distinct reads apart in a reader's history. */
  window: number
  /** Neighbours kept per item. */
  neighbours: number
}

/**
 * Item-kNN by co-reads: cosine similarity co(i,j) / sqrt(n_i · n_j) over pairs of distinct items read close
 * together by the same reader, in log rows [0, trainCount).
 */
export function fitItemKnn(
  log: InteractionLog,
  trainCount: number,
  catalogueSize: number,
  opts: ItemKnnOptions = { window: 10, neighbours: 50 },
): ItemNeighbours {
  // Per-user sequences of distinct items, in time order.
  const seqs = new Map<number, number[]>()
  const seen = new Map<number, Set<number>>()
  for (let k = 0; k < trainCount; k++) {
    const u = log.user[k] as number
    const it = log.item[k] as number
    let s = seen.get(u)
    if (s === undefined) {
      s = new Set()
      seen.set(u, s)
      seqs.set(u, [])
    }
    if (s.has(it)) continue
    s.add(it)
    ;(seqs.get(u) as number[]).push(it)
  }
  const n = new Float64Array(catalogueSize)
  const pairCount = new Int32Array(catalogueSize + 1)
  for (const seq of seqs.values()) {
    for (let a = 0; a < seq.length; a++) {
      const i = seq[a] as number
      n[i] = (n[i] as number) + 1
      const hi = Math.min(seq.length, a + opts.window + 1)
      for (let b = a + 1; b < hi; b++) {
        pairCount[i] = (pairCount[i] as number) + 1
        pairCount[seq[b] as number] = (pairCount[seq[b] as number] as number) + 1
      }
    }
  }
  // CSR of raw co-read partners (with repeats), then counted per item.
  const start = new Int32Array(catalogueSize + 1)
  for (let i = 0; i < catalogueSize; i++) start[i + 1] = (start[i] as number) + (pairCount[i] as number)
  const partners = new Int32Array(start[catalogueSize] as number)
  const fill = start.slice(0, catalogueSize)
  for (const seq of seqs.values()) {
    for (let a = 0; a < seq.length; a++) {
      const i = seq[a] as number
      const hi = Math.min(seq.length, a + opts.window + 1)
      for (let b = a + 1; b < hi; b++) {
        const j = seq[b] as number
        partners[fill[i] as number] = j
        fill[i] = (fill[i] as number) + 1
        partners[fill[j] as number] = i
        fill[j] = (fill[j] as number) + 1
      }
    }
  }
  const offsets = new Int32Array(catalogueSize + 1)
  const ids: number[] = []
  const sims: number[] = []
  for (let i = 0; i < catalogueSize; i++) {
    const list = partners.subarray(start[i] as number, start[i + 1] as number).sort()
    const cand: Array<[number, number]> = []
    for (let a = 0; a < list.length; ) {
      let b = a
      while (b < list.length && list[b] === list[a]) b++
      const j = list[a] as number
      cand.push([j, (b - a) / Math.sqrt((n[i] as number) * (n[j] as number))])
      a = b
    }
    cand.sort((x, y) => y[1] - x[1] || x[0] - y[0])
    for (const [j, s] of cand.slice(0, opts.neighbours)) {
      ids.push(j)
      sims.push(s)
    }
    offsets[i + 1] = ids.length
  }
  return { offsets, ids: Int32Array.from(ids), sims: Float32Array.from(sims) }
}

/** Scores candidates by recency-weighted similarity to the reader's history; no neighbours → 0. */
export function itemKnnScorer(nb: ItemNeighbours, weights: ArrayLike<number>): CandidateScorer {
  return {
    name: 'itemknn',
    score: (queries, catalogueSize) =>
      queries.map((q) => {
        const out = new Float32Array(catalogueSize)
        for (let h = 0; h < q.history.length; h++) {
          const i = q.history[h] as number
          if (i < 0 || i + 1 >= nb.offsets.length) continue
          const w = (weights[h] as number | undefined) ?? 0
          for (let p = nb.offsets[i] as number; p < (nb.offsets[i + 1] as number); p++) {
            const j = nb.ids[p] as number
            out[j] = (out[j] as number) + w * (nb.sims[p] as number)
          }
        }
        return out
      }),
  }
}
