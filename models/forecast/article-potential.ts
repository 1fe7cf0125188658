// Article potential: from an article's first 60 minutes (views, engaged time, referrer mix, section, publish
// hour) predict log views at 24 h and 72 h with a small dense TF.js model, next to the Szabo–Huberman
// log-linear baseline log N(t2) = log r + log N(t1). Quality is R² on log views.
import type * as tfType from '@tensorflow/tfjs'
import type { Tf } from '../tf/index.ts'
import { quantile } from './metrics.ts'

export const REFERRER_CLASSES = [
  'search',
  'social',
  'aggregator',
  'messaging',
  'direct',
  'internal',
  'other',
] as const
export type ReferrerClass = (typeof REFERRER_CLASSES)[number]

export interface ArticleEarlySignals {
  /** Page views in the first 60 minutes after publication. */
  views60: number
  /** Total engaged seconds in those 60 minutes. */
  engagedSeconds60: number
  /** Views (or shares) by referrer class in those 60 minutes; missing classes count 0. */
  referrers: Partial<Record<ReferrerClass, number>>
  section: string
  /** Local (UTC+7) hour of publication, 0–23. */
  publishHour: number
}

export interface ArticleOutcome {
  views24h: number
  views72h: number
}

export interface ArticleExample {
  signals: ArticleEarlySignals
  outcome: ArticleOutcome
}

export interface ArticlePrediction {
  logViews24h: number
  logViews72h: number
  views24h: number
  views72h: number
  /** p10–p90 of views at 24 h and 72 h (from the model's held-out residuals; equal to the point for log-linear). */
  p10_24h?: number
  p90_24h?: number
  p10_72h?: number
  p90_72h?: number
}

/** log1p everywhere: a first hour with 0 views is common and must not be −∞. */
const lg = (v: number) => Math.log1p(Math.max(0, v))

/** R² of predictions against actuals (1 − SSres/SStot); null when undefined (fewer than 2 points or no variance). */
export function rSquared(actual: readonly number[], predicted: readonly number[]): number | null {
  if (actual.length < 2) return null
  const mean = actual.reduce((a, b) => a + b, 0) / actual.length
  let ssTot = 0
  let ssRes = 0
  for (let i = 0; i < actual.length; i++) {
    ssTot += ((actual[i] as number) - mean) ** 2
    ssRes += ((actual[i] as number) - (predicted[i] as number)) ** 2
  }
  return ssTot === 0 ? null : 1 - ssRes / ssTot
}

export interface LogLinearModel {
  /** log r for 24 h and 72 h (on log1p views). */
  logR24: number
  logR72: number
  predict(signals: ArticleEarlySignals): ArticlePrediction
}

/**
 * Fits the Szabo–Huberman model on history: log N(t2) = log r + log N(60 min), with log r the mean difference
 * (the least-squares fit with slope fixed at 1).
 */
export function fitLogLinear(history: readonly ArticleExample[]): LogLinearModel {
  if (history.length === 0) throw new Error('fitLogLinear: no articles to fit on')
  let d24 = 0
  let d72 = 0
  for (const a of history) {
    const x = lg(a.signals.views60)
    d24 += lg(a.outcome.views24h) - x
    d72 += lg(a.outcome.views72h) - x
  }
  const logR24 = d24 / history.length
  const logR72 = d72 / history.length
  return {
    logR24,
    logR72,
    predict: (s) => {
      const x = lg(s.views60)
      return toPrediction(x + logR24, x + logR72)
    },
  }
}

function toPrediction(l24: number, l72: number): ArticlePrediction {
  return {
    logViews24h: l24,
    logViews72h: l72,
    views24h: Math.expm1(Math.max(0, l24)),
    views72h: Math.expm1(Math.max(0, l72)),
  }
}

/** Sections seen fewer than this many times in training share the "other" slot. */
const MIN_SECTION_COUNT = 5

export interface ArticleFeatureSpec {
  sections: string[]
  mean: number[]
  std: number[]
}

/** The raw (unstandardised) feature vector of an article's first hour. Pure. */
export function articleFeatures(s: ArticleEarlySignals, sections: readonly string[]): number[] {
  const refTotal = REFERRER_CLASSES.reduce((a, k) => a + Math.max(0, s.referrers[k] ?? 0), 0)
  const shares = REFERRER_CLASSES.map((k) => (refTotal > 0 ? Math.max(0, s.referrers[k] ?? 0) / refTotal : 0))
  const angle = (2 * Math.PI * (((s.publishHour % 24) + 24) % 24)) / 24
  const section = sections.map((name) => (name === s.section ? 1 : 0))
  const other = sections.includes(s.section) ? 0 : 1
  return [
    lg(s.views60),
    lg(s.views60 > 0 ? s.engagedSeconds60 / s.views60 : 0),
    lg(s.engagedSeconds60),
    ...shares,
    Math.sin(angle),
    Math.cos(angle),
    ...section,
    other,
  ]
}

/**
 * p10 / p90 of the model's residuals on log1p views (held-out articles), added to the predicted log views to give
 * an interval: the article's actual views outside it are an anomaly.
 */
export interface ArticleResidualBands {
  lo24: number
  hi24: number
  lo72: number
  hi72: number
}

/** What defines a trained article-potential model besides the network's weights (saved next to them). */
export interface ArticlePotentialParts {
  spec: ArticleFeatureSpec
  /** Trained on residuals over the log-linear baseline: zero output = Szabo–Huberman. */
  baseline: { logR24: number; logR72: number }
  bands: ArticleResidualBands
  /** Articles the model was trained on. */
  trainedOn: number
}

export interface ArticlePotentialModel extends ArticlePotentialParts {
  net: tfType.LayersModel
  predict(signals: readonly ArticleEarlySignals[]): ArticlePrediction[]
  dispose(): void
}

export interface ArticleTrainOptions {
  epochs?: number
  seed?: number
  hidden?: number[]
  onProgress?: (p: { epoch: number; epochs: number; loss: number; valLoss: number | undefined }) => void
}

/**
 * Trains the article-potential model: a small dense network on standardised first-hour features, predicting the
 * correction to the log-linear forecast of log views at 24 h and 72 h (MSE on log1p views).
 */
export async function trainArticlePotential(
  tf: Tf,
  history: readonly ArticleExample[],
  opts: ArticleTrainOptions = {},
): Promise<ArticlePotentialModel> {
  if (history.length < 20)
    throw new Error(`trainArticlePotential: need at least 20 articles, got ${history.length}`)
  const counts = new Map<string, number>()
  for (const a of history) counts.set(a.signals.section, (counts.get(a.signals.section) ?? 0) + 1)
  const sections = [...counts.entries()]
    .filter(([, n]) => n >= MIN_SECTION_COUNT)
    .map(([k]) => k)
    .sort()
  const raw = history.map((a) => articleFeatures(a.signals, sections))
  const F = raw[0]?.length ?? 0
  const mean = Array.from({ length: F }, (_, j) => raw.reduce((s, r) => s + (r[j] as number), 0) / raw.length)
  const std = Array.from({ length: F }, (_, j) => {
    const v = raw.reduce((s, r) => s + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / raw.length
    return v > 1e-12 ? Math.sqrt(v) : 1
  })
  const spec: ArticleFeatureSpec = { sections, mean, std }
  const ll = fitLogLinear(history)
  const standardise = (r: number[]) =>
    r.map((v, j) => (v - (spec.mean[j] as number)) / (spec.std[j] as number))
  const xs = raw.map(standardise)
  const ys = history.map((a) => {
    const x = lg(a.signals.views60)
    return [lg(a.outcome.views24h) - x - ll.logR24, lg(a.outcome.views72h) - x - ll.logR72]
  })
  const seed = opts.seed ?? 7
  const input = tf.input({ shape: [F] })
  let h: tfType.SymbolicTensor = input
  ;(opts.hidden ?? [32, 16]).forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + i }) })
      .apply(h) as tfType.SymbolicTensor
  })
  const out = tf.layers
    .dense({ units: 2, kernelInitializer: tf.initializers.zeros() })
    .apply(h) as tfType.SymbolicTensor
  const net = tf.model({ inputs: input, outputs: out })
  net.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' })
  // A seeded split (articles are exchangeable here; the job passes them in publication order if that matters).
  const order = history.map((_, i) => i)
  let state = seed >>> 0
  for (let i = order.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    const j = state % (i + 1)
    ;[order[i], order[j]] = [order[j] as number, order[i] as number]
  }
  const nVal = Math.max(1, Math.floor(order.length * 0.15))
  const valIdx = order.slice(0, nVal)
  const fitIdx = order.slice(nVal)
  const X = tf.tensor2d(fitIdx.map((i) => xs[i] as number[]))
  const Y = tf.tensor2d(fitIdx.map((i) => ys[i] as number[]))
  const Xv = tf.tensor2d(valIdx.map((i) => xs[i] as number[]))
  const Yv = tf.tensor2d(valIdx.map((i) => ys[i] as number[]))
  const epochs = opts.epochs ?? 200
  // Early stopping with the best weights restored (tfjs's EarlyStopping cannot restore them).
  let best = Number.POSITIVE_INFINITY
  let bestWeights: tfType.Tensor[] | undefined
  let wait = 0
  let valPred: number[][] = []
  try {
    await net.fit(X, Y, {
      epochs,
      batchSize: 64,
      shuffle: false,
      validationData: [Xv, Yv],
      verbose: 0,
      callbacks: {
        onEpochEnd: async (epoch: number, logs?: tfType.Logs) => {
          const val = logs?.val_loss ?? Number.POSITIVE_INFINITY
          opts.onProgress?.({
            epoch: epoch + 1,
            epochs,
            loss: logs?.loss ?? Number.NaN,
            valLoss: logs?.val_loss,
          })
          if (val < best - 1e-6) {
            best = val
            wait = 0
            for (const w of bestWeights ?? []) w.dispose()
            bestWeights = net.getWeights().map((w) => w.clone())
          } else if (++wait >= 15) net.stopTraining = true
        },
      },
    })
    if (bestWeights) net.setWeights(bestWeights)
    // Residual quantiles on the held-out articles set the interval (the fit articles' residuals are too small).
    valPred = tf.tidy(() => (net.predict(Xv) as tfType.Tensor2D).arraySync())
  } finally {
    for (const w of bestWeights ?? []) w.dispose()
    X.dispose()
    Y.dispose()
    Xv.dispose()
    Yv.dispose()
  }
  const r24: number[] = []
  const r72: number[] = []
  valIdx.forEach((i, k) => {
    const y = ys[i] as number[]
    const d = valPred[k] ?? [0, 0]
    r24.push((y[0] as number) - (d[0] ?? 0))
    r72.push((y[1] as number) - (d[1] ?? 0))
  })
  const bands: ArticleResidualBands = {
    lo24: quantile(r24, 0.1) ?? 0,
    hi24: quantile(r24, 0.9) ?? 0,
    lo72: quantile(r72, 0.1) ?? 0,
    hi72: quantile(r72, 0.9) ?? 0,
  }
  return articlePotentialFromParts(tf, net, {
    spec,
    baseline: { logR24: ll.logR24, logR72: ll.logR72 },
    bands,
    trainedOn: history.length,
  })
}

/**
 * Reassembles a model from its network and parts (e.g. after `loadModel`), predicting exactly as when trained.
 * @example const model = articlePotentialFromParts(tf, await loadModel(dir), parts)
 */
export function articlePotentialFromParts(
  tf: Tf,
  net: tfType.LayersModel,
  parts: ArticlePotentialParts,
): ArticlePotentialModel {
  const { spec, baseline, bands } = parts
  const standardise = (r: number[]) =>
    r.map((v, j) => (v - (spec.mean[j] as number)) / (spec.std[j] as number))
  return {
    ...parts,
    net,
    predict(signals) {
      if (signals.length === 0) return []
      const input = signals.map((s) => standardise(articleFeatures(s, spec.sections)))
      const delta = tf.tidy(() => (net.predict(tf.tensor2d(input)) as tfType.Tensor2D).arraySync())
      return signals.map((s, i) => {
        const x = lg(s.views60)
        const d = delta[i] ?? [0, 0]
        const l24 = x + baseline.logR24 + (d[0] ?? 0)
        const l72 = x + baseline.logR72 + (d[1] ?? 0)
        const v = (l: number) => Math.expm1(Math.max(0, l))
        return {
          ...toPrediction(l24, l72),
          p10_24h: v(l24 + Math.min(0, bands.lo24)),
          p90_24h: v(l24 + Math.max(0, bands.hi24)),
          p10_72h: v(l72 + Math.min(0, bands.lo72)),
          p90_72h: v(l72 + Math.max(0, bands.hi72)),
        }
      })
    },
    dispose: () => net.dispose(),
  }
}

export interface ArticlePotentialEvaluation {
  n_train: number
  n_test: number
  r2_model_24h: number | null
  r2_model_72h: number | null
  r2_loglinear_24h: number | null
  r2_loglinear_72h: number | null
}

/** Trains on `train`, scores both the model and the log-linear baseline on `test` (R² on log1p views). */
export async function evaluateArticlePotential(
  tf: Tf,
  train: readonly ArticleExample[],
  test: readonly ArticleExample[],
  opts: ArticleTrainOptions = {},
): Promise<ArticlePotentialEvaluation> {
  const model = await trainArticlePotential(tf, train, opts)
  try {
    const ll = fitLogLinear(train)
    const pm = model.predict(test.map((a) => a.signals))
    const pl = test.map((a) => ll.predict(a.signals))
    const a24 = test.map((a) => lg(a.outcome.views24h))
    const a72 = test.map((a) => lg(a.outcome.views72h))
    return {
      n_train: train.length,
      n_test: test.length,
      r2_model_24h: rSquared(
        a24,
        pm.map((p) => p.logViews24h),
      ),
      r2_model_72h: rSquared(
        a72,
        pm.map((p) => p.logViews72h),
      ),
      r2_loglinear_24h: rSquared(
        a24,
        pl.map((p) => p.logViews24h),
      ),
      r2_loglinear_72h: rSquared(
        a72,
        pl.map((p) => p.logViews72h),
      ),
    }
  } finally {
    model.dispose()
  }
}
