// Ranking metrics for one held-out read per query: recall@K (= hit rate), nDCG@K, MRR, catalogue coverage.

/**
 * Rank (1-based) of `target` among the candidates, ordering by score descending and breaking ties by
 * `tieBreak` descending, then by lower index. Candidates with score -Infinity are not candidates; a target
 * that is not a candidate gets rank Infinity.
 */
export function rankOf(scores: ArrayLike<number>, target: number, tieBreak?: ArrayLike<number>): number {
  const st = scores[target] as number
  if (st === Number.NEGATIVE_INFINITY || Number.isNaN(st)) return Number.POSITIVE_INFINITY
  const tt = tieBreak ? (tieBreak[target] as number) : 0
  let before = 0
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j] as number
    if (s > st) before++
    else if (s === st && j !== target) {
      const t = tieBreak ? (tieBreak[j] as number) : 0
      if (t > tt || (t === tt && j < target)) before++
    }
  }
  return before + 1
}

/** The first k candidates in the same order as `rankOf` (score desc, tie-break desc, index asc). */
export function topK(scores: ArrayLike<number>, k: number, tieBreak?: ArrayLike<number>): number[] {
  const better = (a: number, b: number) => {
    const sa = scores[a] as number
    const sb = scores[b] as number
    if (sa !== sb) return sa > sb
    const ta = tieBreak ? (tieBreak[a] as number) : 0
    const tb = tieBreak ? (tieBreak[b] as number) : 0
    if (ta !== tb) return ta > tb
    return a < b
  }
  const top: number[] = []
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j] as number
    if (s === Number.NEGATIVE_INFINITY || Number.isNaN(s)) continue
    if (top.length === k && !better(j, top[k - 1] as number)) continue
    let at = top.length < k ? top.length : k - 1
    if (top.length < k) top.push(j)
    while (at > 0 && better(j, top[at - 1] as number)) {
      top[at] = top[at - 1] as number
      at--
    }
    top[at] = j
  }
  return top
}

export interface RankingMetrics {
  'recall@10': number
  'ndcg@10': number
  mrr: number
  coverage: number
}

/** Accumulates per-query ranks and recommended lists into the four metrics. */
export class MetricAccumulator {
  private queries = 0
  private hits = 0
  private dcg = 0
  private rr = 0
  private readonly shown = new Set<number>()
  constructor(private readonly k = 10) {}

  /** Adds one query: the held-out item's rank and the top-k list that would have been shown. */
  add(rank: number, shownTopK: readonly number[]): void {
    this.queries++
    if (rank <= this.k) {
      this.hits++
      this.dcg += 1 / Math.log2(rank + 1)
    }
    if (Number.isFinite(rank)) this.rr += 1 / rank
    for (const j of shownTopK) this.shown.add(j)
  }

  get count(): number {
    return this.queries
  }

  /** Coverage is the share of `catalogueSize` items that appeared in at least one top-k list. */
  result(catalogueSize: number): RankingMetrics {
    const q = Math.max(1, this.queries)
    return {
      'recall@10': this.hits / q,
      'ndcg@10': this.dcg / q,
      mrr: this.rr / q,
      coverage: catalogueSize > 0 ? this.shown.size / catalogueSize : 0,
    }
  }
}
