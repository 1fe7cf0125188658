// Offline evaluation on a time-based split: fit everything on reads before the test period, then for each test
// read ask every method for a ranking given the reader's history before that read, under the same candidate
// rules (published by then, never already read). Reports recall@10, nDCG@10, MRR and catalogue coverage.
import type { Tf } from '../tf/index.ts'
import {
  type CandidateScorer,
  fitItemKnn,
  itemKnnScorer,
  popularityCounts,
  type RecQuery,
  recentPopularity,
  staticScorer,
} from './baselines.ts'
import type { Interaction } from './csv-import.ts'
import {
  buildCatalogue,
  buildExamples,
  buildLog,
  type Catalogue,
  type InteractionLog,
  type NextReadExamples,
  readBefore,
  recencyWeights,
  seededRandom,
  timeSplit,
} from './dataset.ts'
import {
  ageBucket,
  DEFAULT_FEATURE_CONFIG,
  encodeItems,
  type ItemFeatureTable,
  type ItemMeta,
} from './features.ts'
import { type RecLog, silentLog } from './log.ts'
import { MetricAccumulator, type RankingMetrics, rankOf, topK } from './metrics.ts'
import {
  ageBiasValues,
  DEFAULT_RECOMMENDER_CONFIG,
  embedItems,
  queryVectors,
  type Recommender,
  type RecommenderConfig,
  similarityScores,
  transposeVectors,
} from './model.ts'
import {
  DEFAULT_TRAIN_OPTIONS,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  trainRecommender,
} from './train.ts'

export const METHODS = ['model', 'popular', 'recent_popular', 'itemknn'] as const
export type MethodName = (typeof METHODS)[number]
export type BaselineName = Exclude<MethodName, 'model'>

export interface EvaluateOptions {
  testDays: number
  /** Test reads are sampled down to about this many queries (deterministically). */
  maxQueries: number
  /** The model is served only if its recall@10 ≥ best baseline's − tolerance. */
  tolerance: number
  /** Half-life of the recency-weighted popularity baseline. */
  recentHalfLifeHours: number
  /** Fewer training examples than this: no model is trained (fallbacks only). */
  minTrainExamples: number
  model: Partial<Omit<RecommenderConfig, 'features'>>
  train: Partial<TrainOptions>
  seed: number
  log: RecLog
  progress?: (p: TrainProgress) => void
}

export const DEFAULT_EVALUATE_OPTIONS: EvaluateOptions = {
  testDays: 1,
  maxQueries: 20_000,
  tolerance: 0.005,
  recentHalfLifeHours: 24,
  minTrainExamples: 200,
  model: {},
  train: {},
  seed: 11,
  log: silentLog,
}

export interface SplitSummary {
  test_days: number
  train_from: string | null
  train_to: string | null
  test_from: string | null
  test_to: string | null
  train_reads: number
  test_reads: number
  train_examples: number
  /** Test reads used as queries (after skipping those below, then sampling). */
  queries: number
  skipped_no_history: number
  skipped_repeat_read: number
  users: number
  items: number
  items_with_content: number
  /** Test queries whose read article had no training reads (cold start). */
  cold_item_queries: number
  content_features: boolean
}

export interface TrainingSummary {
  trained: boolean
  reason?: string
  epochs?: number
  examples?: number
  seconds?: number
  examples_per_s?: number
  final_loss?: number
  stopped_by_budget?: boolean
}

/**
 * How each method does on cold-start articles: recall@10 over the test reads of articles that had no training
 * reads ("recommended and then read": `clicked` of `queries`), and the share of top-10 lists showing one.
 */
export interface ColdStartMetrics {
  queries: number
  'recall@10': number
  clicked: number
  lists_with_cold_items: number
}

export interface EvaluationReport {
  split: SplitSummary
  methods: Record<MethodName, RankingMetrics | null>
  cold_start: Partial<Record<MethodName, ColdStartMetrics>>
  served: MethodName
  training: TrainingSummary
  notes: string[]
}

export interface EvaluationResult {
  report: EvaluationReport
  /** The trained model (null when there was too little data); the caller may save it. */
  trained: TrainResult | null
  catalogue: Catalogue
  recommenderConfig: RecommenderConfig
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/**
 * Picks the method to serve: the best baseline by recall@10, unless the model is within `tolerance` of it.
 * @example chooseServed({ model: m, popular: p, recent_popular: r, itemknn: k }, 0.005)
 */
export function chooseServed(
  methods: Record<MethodName, RankingMetrics | null>,
  tolerance: number,
): MethodName {
  let best: BaselineName = 'recent_popular'
  let bestRecall = Number.NEGATIVE_INFINITY
  for (const name of ['recent_popular', 'popular', 'itemknn'] as const) {
    const r = methods[name]?.['recall@10']
    if (r !== undefined && r > bestRecall) {
      best = name
      bestRecall = r
    }
  }
  const model = methods.model?.['recall@10']
  if (model !== undefined && (bestRecall === Number.NEGATIVE_INFINITY || model >= bestRecall - tolerance))
    return 'model'
  return best
}

/** The model as a candidate scorer: q·v/τ + freshness bias; in id-only mode, cold items cannot be scored. */
export function modelScorer(
  t: Tf,
  rec: Recommender,
  itemVecs: Float32Array,
  published: Float64Array,
  unscorable?: Uint8Array,
): CandidateScorer {
  const bias = ageBiasValues(rec)
  const weights = recencyWeights(rec.config.historyLength, rec.config.historyHalfLifeReads)
  const H = rec.config.historyLength
  const itemsT = transposeVectors(itemVecs, published.length, rec.config.dim)
  return {
    name: 'model',
    score: (queries, n) => {
      const hist = new Int32Array(queries.length * H).fill(-1)
      queries.forEach((q, r) => {
        for (let h = 0; h < Math.min(H, q.history.length); h++) hist[r * H + h] = q.history[h] as number
      })
      const qv = queryVectors(t, rec, itemVecs, hist, queries.length, weights)
      const sims = similarityScores(t, rec, qv, queries.length, itemsT, n)
      return queries.map((q, r) => {
        const out = sims.slice(r * n, (r + 1) * n)
        for (let j = 0; j < n; j++) {
          out[j] = (out[j] as number) + (bias[ageBucket(published[j] as number, q.ts)] as number)
          if (unscorable?.[j]) out[j] = Number.NEGATIVE_INFINITY
        }
        return out
      })
    },
  }
}

interface PreparedEvaluation {
  catalogue: Catalogue
  log: InteractionLog
  trainCount: number
  test: NextReadExamples
  readSets: Array<Set<number>>
}

/** Scores every query with every scorer under the shared candidate rules and accumulates the metrics. */
async function runQueries(
  prep: PreparedEvaluation,
  scorers: CandidateScorer[],
  cold: Uint8Array,
  chunk = 256,
): Promise<{ acc: Map<string, MetricAccumulator>; coldAcc: Map<string, ColdStartAccumulator> }> {
  const { catalogue, test, readSets } = prep
  const n = catalogue.items.length
  const acc = new Map(scorers.map((s) => [s.name, new MetricAccumulator(10)]))
  const coldAcc = new Map(scorers.map((s) => [s.name, new ColdStartAccumulator()]))
  const H = test.historyLength
  for (let start = 0; start < test.count; start += chunk) {
    const end = Math.min(test.count, start + chunk)
    const queries: RecQuery[] = []
    for (let e = start; e < end; e++)
      queries.push({ history: test.history.subarray(e * H, (e + 1) * H), ts: test.ts[e] as number })
    for (const scorer of scorers) {
      const all = await scorer.score(queries, n)
      for (let r = 0; r < queries.length; r++) {
        const e = start + r
        const s = all[r] as Float32Array
        const ts = test.ts[e] as number
        for (let j = 0; j < n; j++)
          if ((catalogue.published[j] as number) > ts) s[j] = Number.NEGATIVE_INFINITY
        for (const j of readSets[e] as Set<number>) s[j] = Number.NEGATIVE_INFINITY
        const target = test.target[e] as number
        const rank = rankOf(s, target, catalogue.published)
        const shown = topK(s, 10, catalogue.published)
        ;(acc.get(scorer.name) as MetricAccumulator).add(rank, shown)
        ;(coldAcc.get(scorer.name) as ColdStartAccumulator).add(cold[target] === 1, rank, shown, cold)
      }
    }
  }
  return { acc, coldAcc }
}

/** Cold start: articles without a single training read (in news, mostly those published in the test period). */
class ColdStartAccumulator {
  private queries = 0
  private hits = 0
  private lists = 0
  private listsWithCold = 0
  add(targetIsCold: boolean, rank: number, shown: readonly number[], cold: Uint8Array): void {
    this.lists++
    if (shown.some((j) => cold[j] === 1)) this.listsWithCold++
    if (!targetIsCold) return
    this.queries++
    if (rank <= 10) this.hits++
  }
  result(): ColdStartMetrics {
    return {
      queries: this.queries,
      'recall@10': this.queries ? round(this.hits / this.queries, 4) : 0,
      clicked: this.hits,
      lists_with_cold_items: this.lists ? round(this.listsWithCold / this.lists, 4) : 0,
    }
  }
}

/**
 * Trains the model and the baselines on the time split and evaluates them on the same queries.
 * Without items (content), the item tower sees hashed ids only and articles first read in the test period
 * cannot be embedded; the report says so.
 */
export async function evaluateRecommenders(
  t: Tf,
  data: { interactions: readonly Interaction[]; items?: readonly ItemMeta[] },
  options: Partial<EvaluateOptions> = {},
): Promise<EvaluationResult> {
  const o = { ...DEFAULT_EVALUATE_OPTIONS, ...options }
  const log = o.log
  const items = data.items ?? []
  const useContent = items.length > 0
  const recommenderConfig: RecommenderConfig = {
    ...DEFAULT_RECOMMENDER_CONFIG,
    ...o.model,
    features: { ...DEFAULT_FEATURE_CONFIG, useContent },
  }
  const H = recommenderConfig.historyLength
  const catalogue = buildCatalogue(data.interactions, items)
  const ilog = buildLog(data.interactions, catalogue)
  const split = timeSplit(ilog, o.testDays)
  const n = catalogue.items.length
  const notes: string[] = []

  const train = buildExamples(ilog, 0, split.trainCount, H)
  const eligible = buildExamples(ilog, split.trainCount, ilog.ts.length, H, () => false).stats
  const testEligible = eligible.reads - eligible.noHistory - eligible.repeats
  const rate = testEligible > o.maxQueries ? o.maxQueries / testEligible : 1
  const rand = seededRandom(o.seed)
  const { examples: test, stats: testStats } = buildExamples(
    ilog,
    split.trainCount,
    ilog.ts.length,
    H,
    () => rate >= 1 || rand() < rate,
  )
  const readSets = readBefore(ilog, test)
  const counts = popularityCounts(ilog, split.trainCount, n)
  let coldQueries = 0
  for (let e = 0; e < test.count; e++) if ((counts[test.target[e] as number] as number) === 0) coldQueries++
  if (!useContent) {
    notes.push(
      'no items file: the item tower uses hashed item ids only, so articles without training reads (cold start) cannot be embedded by the model',
    )
  }
  if (rate < 1) notes.push(`test reads sampled: ${test.count} of ${testEligible} eligible queries`)
  if (split.partialLastDayMerged) {
    notes.push(
      'the last calendar day had under 10 % of a typical day’s reads: it is counted with the test day before it',
    )
  }

  const splitSummary: SplitSummary = {
    test_days: o.testDays,
    train_from: iso(split.trainFrom),
    train_to: iso(split.trainTo),
    test_from: iso(split.testFrom),
    test_to: iso(split.testTo),
    train_reads: split.trainCount,
    test_reads: split.testCount,
    train_examples: train.examples.count,
    queries: test.count,
    skipped_no_history: testStats.noHistory,
    skipped_repeat_read: testStats.repeats,
    users: ilog.users.length,
    items: n,
    items_with_content: items.length,
    cold_item_queries: coldQueries,
    content_features: useContent,
  }
  log.info({ ...splitSummary }, 'recommender evaluation: time split ready')

  const asOf = split.trainTo ?? split.testStart
  const weights = recencyWeights(H, recommenderConfig.historyHalfLifeReads)
  const scorers: CandidateScorer[] = [
    staticScorer('popular', counts),
    staticScorer(
      'recent_popular',
      recentPopularity(ilog, split.trainCount, n, o.recentHalfLifeHours * 3_600_000, asOf),
    ),
    itemKnnScorer(fitItemKnn(ilog, split.trainCount, n), weights),
  ]

  let trained: TrainResult | null = null
  let training: TrainingSummary
  if (train.examples.count < o.minTrainExamples) {
    const reason = `only ${train.examples.count} training reads with a reading history before them (need ≥ ${o.minTrainExamples})`
    log.warn(
      { train_examples: train.examples.count },
      `recommender model not trained: ${reason}; fallbacks (trending, fresh) serve`,
    )
    notes.push(`model not trained: ${reason}`)
    training = { trained: false, reason }
  } else {
    const table: ItemFeatureTable = encodeItems(catalogue.items, recommenderConfig.features)
    const trainOpts: TrainOptions = {
      ...DEFAULT_TRAIN_OPTIONS,
      idDropout: useContent ? DEFAULT_TRAIN_OPTIONS.idDropout : 0,
      ...o.train,
      ...(o.progress ? { progress: o.progress } : {}),
    }
    trained = await trainRecommender(
      t,
      { table, published: catalogue.published, examples: train.examples, itemCounts: counts },
      recommenderConfig,
      trainOpts,
    )
    training = {
      trained: true,
      epochs: trained.epochsRun,
      examples: trained.examples,
      seconds: round(trained.seconds, 2),
      examples_per_s: Math.round(trained.examplesPerSec),
      final_loss: round(trained.finalLoss, 4),
      stopped_by_budget: trained.stoppedByBudget,
    }
    const itemVecs = embedItems(t, trained.rec, table)
    // Id-only mode: an article without training reads has an untrained id vector, i.e. no embedding.
    const unscorable = useContent ? undefined : Uint8Array.from(counts, (c) => (c === 0 ? 1 : 0))
    scorers.unshift(modelScorer(t, trained.rec, itemVecs, catalogue.published, unscorable))
  }

  const cold = Uint8Array.from(counts, (c) => (c === 0 ? 1 : 0))
  const { acc, coldAcc } = await runQueries(
    { catalogue, log: ilog, trainCount: split.trainCount, test, readSets },
    scorers,
    cold,
  )
  const coldStart = Object.fromEntries(
    [...coldAcc].filter(([name]) => acc.get(name)?.count).map(([name, a]) => [name, a.result()]),
  ) as Partial<Record<MethodName, ColdStartMetrics>>
  const lastQuery = test.count > 0 ? (test.ts[test.count - 1] as number) : Number.NEGATIVE_INFINITY
  let available = 0
  for (let j = 0; j < n; j++) if ((catalogue.published[j] as number) <= lastQuery) available++
  const result = (name: MethodName): RankingMetrics | null => {
    const a = acc.get(name)
    if (!a || a.count === 0) return null
    const m = a.result(available)
    return {
      'recall@10': round(m['recall@10'], 4),
      'ndcg@10': round(m['ndcg@10'], 4),
      mrr: round(m.mrr, 4),
      coverage: round(m.coverage, 4),
    }
  }
  const methods = Object.fromEntries(METHODS.map((m) => [m, result(m)])) as Record<
    MethodName,
    RankingMetrics | null
  >
  if (test.count === 0) {
    notes.push(
      'no test reads with a reading history: nothing to evaluate; recent_popular (trending) is served as the fallback',
    )
    log.warn(
      { test_reads: split.testCount },
      'recommender evaluation: no test queries; serving the trending fallback',
    )
  }
  const served = chooseServed(methods, o.tolerance)
  return {
    report: { split: splitSummary, methods, cold_start: coldStart, served, training, notes },
    trained,
    catalogue,
    recommenderConfig,
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
