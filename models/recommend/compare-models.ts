// Head-to-head of trained models on one time split: the nightly job compares the new model with the version
// serving now on the same held-out reads (the registry's stored metrics come from another day's split, so they
// are not comparable). Same candidate rules as evaluate.ts: published by then, never already read.
import type { Tf } from '../tf/index.ts'
import type { Interaction } from './csv-import.ts'
import { buildExamples, buildLog, type Catalogue, readBefore, seededRandom, timeSplit } from './dataset.ts'
import { modelScorer } from './evaluate.ts'
import { encodeItems } from './features.ts'
import { MetricAccumulator, type RankingMetrics, rankOf, topK } from './metrics.ts'
import { embedItems, type Recommender } from './model.ts'

/**
 * recall@10, nDCG@10, MRR and coverage of each model on the last `testDays` days of `interactions`.
 * @example const m = await compareModelsOnSplit(tf, { interactions, catalogue, testDays: 1 }, { new: rec, current: old })
 */
export async function compareModelsOnSplit(
  t: Tf,
  data: {
    interactions: readonly Interaction[]
    catalogue: Catalogue
    testDays: number
    maxQueries?: number
    seed?: number
  },
  models: Record<string, Recommender>,
): Promise<Record<string, RankingMetrics | null>> {
  const { catalogue } = data
  const log = buildLog(data.interactions, catalogue)
  const split = timeSplit(log, data.testDays)
  const H = Math.max(...Object.values(models).map((m) => m.config.historyLength), 1)
  const all = buildExamples(log, split.trainCount, log.ts.length, H, () => false).stats
  const eligible = all.reads - all.noHistory - all.repeats
  const maxQueries = data.maxQueries ?? 20_000
  const rate = eligible > maxQueries ? maxQueries / eligible : 1
  const rand = seededRandom(data.seed ?? 11)
  const { examples: test } = buildExamples(
    log,
    split.trainCount,
    log.ts.length,
    H,
    () => rate >= 1 || rand() < rate,
  )
  const readSets = readBefore(log, test)
  const n = catalogue.items.length
  const out: Record<string, RankingMetrics | null> = {}
  for (const [name, rec] of Object.entries(models)) {
    if (test.count === 0) {
      out[name] = null
      continue
    }
    const vecs = embedItems(t, rec, encodeItems(catalogue.items, rec.config.features))
    const scorer = modelScorer(t, rec, vecs, catalogue.published)
    const acc = new MetricAccumulator(10)
    const h = rec.config.historyLength
    for (let start = 0; start < test.count; start += 256) {
      const end = Math.min(test.count, start + 256)
      const queries = []
      for (let e = start; e < end; e++)
        queries.push({ history: test.history.subarray(e * H, e * H + h), ts: test.ts[e] as number })
      const scores = await scorer.score(queries, n)
      for (let r = 0; r < queries.length; r++) {
        const e = start + r
        const s = scores[r] as Float32Array
        const ts = test.ts[e] as number
        for (let j = 0; j < n; j++)
          if ((catalogue.published[j] as number) > ts) s[j] = Number.NEGATIVE_INFINITY
        for (const j of readSets[e] as Set<number>) s[j] = Number.NEGATIVE_INFINITY
        acc.add(rankOf(s, test.target[e] as number, catalogue.published), topK(s, 10, catalogue.published))
      }
    }
    const m = acc.result(n)
    const r4 = (x: number) => Math.round(x * 10_000) / 10_000
    out[name] = {
      'recall@10': r4(m['recall@10']),
      'ndcg@10': r4(m['ndcg@10']),
      mrr: r4(m.mrr),
      coverage: r4(m.coverage),
    }
  }
  return out
}
