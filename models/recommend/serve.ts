// Serving-side scoring: article vectors are computed once per model/catalogue (they do not depend on the
// request time), a request pools the vectors of the reader's recent reads and scores every article in JS.
import type { Tf } from '../tf/index.ts'
import { recencyWeights } from './dataset.ts'
import { ageBucket, encodeItems, type ItemMeta } from './features.ts'
import { ageBiasValues, embedItems, queryVectors, type Recommender } from './model.ts'

export interface ServingIndex {
  rec: Recommender
  ids: string[]
  index: Map<string, number>
  /** n × dim item vectors. */
  vectors: Float32Array
  /** Publication time per article (NaN when unknown: no freshness bias then). */
  published: Float64Array
  ageBias: Float32Array
  weights: Float32Array
}

/**
 * Embeds the articles that can be recommended (and those that appear in histories).
 * @example const index = buildServingIndex(tf, rec, articles)
 */
export function buildServingIndex(t: Tf, rec: Recommender, articles: readonly ItemMeta[]): ServingIndex {
  const table = encodeItems(articles, rec.config.features)
  return {
    rec,
    ids: articles.map((a) => a.id),
    index: new Map(articles.map((a, i) => [a.id, i])),
    vectors: embedItems(t, rec, table),
    published: Float64Array.from(articles, (a) => a.published ?? Number.NaN),
    ageBias: ageBiasValues(rec),
    weights: recencyWeights(rec.config.historyLength, rec.config.historyHalfLifeReads),
  }
}

/**
 * Model scores (q·v/τ + freshness bias) of every indexed article for a reader whose recent reads are
 * `history` (most recent first). Returns null when none of the reads is in the index: the model has nothing.
 */
export function scoreRequest(
  t: Tf,
  idx: ServingIndex,
  history: readonly string[],
  now: number,
): Map<string, number> | null {
  const H = idx.rec.config.historyLength
  const rows = new Int32Array(H).fill(-1)
  let k = 0
  for (const id of history) {
    if (k >= H) break
    const row = idx.index.get(id)
    if (row !== undefined) rows[k++] = row
  }
  if (k === 0) return null
  const d = idx.rec.config.dim
  const q = queryVectors(t, idx.rec, idx.vectors, rows, 1, idx.weights)
  const inv = 1 / idx.rec.config.temperature
  const scores = new Map<string, number>()
  const n = idx.ids.length
  for (let j = 0; j < n; j++) {
    let dot = 0
    for (let c = 0; c < d; c++) dot += (q[c] as number) * (idx.vectors[j * d + c] as number)
    scores.set(
      idx.ids[j] as string,
      dot * inv + (idx.ageBias[ageBucket(idx.published[j] as number, now)] as number),
    )
  }
  return scores
}
