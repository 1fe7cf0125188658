// The global forecaster: one small dense TF.js network for all series, trained on lagged windows normalised per
// window (log1p, minus the last week's level), with calendar features, predicting p10/p50/p90 for every step of
// the horizon at once under a pinball loss. Dense, not recurrent: GRU/LSTM are ~20× slower here.
import type * as tfType from '@tensorflow/tfjs'
import type { Tf } from '../tf/index.ts'
import type { QuantileForecast } from './baselines.ts'
import { calendarOf, type Freq, holidayOn, stepsPerDay, stepsPerWeek } from './calendar.ts'
import type { Series } from './series.ts'

export interface ForecastModelConfig {
  freq: Freq
  horizon: number
  /** Past steps the network sees. */
  lookback: number
  hidden: number[]
  epochs: number
  batchSize: number
  learningRate: number
  /** Networks with different seeds whose quantiles are averaged (on the log scale). */
  ensemble: number
  seed: number
  /**
   * Vietnamese public-holiday flags for the lag and target steps (daily), or for the lag and target days (hourly:
   * one flag per day, not 24 identical ones).
   */
  holidays: boolean
  /** Early stopping: epochs without improvement of the time-ordered validation loss. */
  patience: number
  /** Share of the most recent window origins held out for early stopping. */
  validationFraction: number
  /** Skip training below this many windows (the backtest then serves a baseline). */
  minWindows: number
  /**
   * What the network corrects, so that a zero output is already a sane forecast: 'profile' = the weekly profile
   * of the lookback (mean log of each weekday / hour-of-week) moved to the recent level (see
   * `referenceLevelDays`); 'seasonal' = the value a week earlier; 'none' = the last week's level alone.
   */
  reference: 'profile' | 'seasonal' | 'none'
  /** After early stopping, retrain on all windows (validation block included) for the chosen number of epochs. */
  refit: boolean
  /**
   * Share of the learned median correction applied on top of the reference (1 = all of it). 0.5 is the
   * equal-weight combination of network and reference: the network alone chased regime changes it could not
   * know about (e.g. a page that went viral for weeks), the reference alone misses what the network learns.
   */
  correctionWeight: number
  /** Days of recent history whose de-seasonalised mean sets the level of the 'profile' reference. */
  referenceLevelDays: number
  /**
   * Upper bound on training windows: above it, every k-th window origin of each series is kept (k the smallest
   * stride that fits; the latest origin is always kept). Neighbouring hourly windows overlap almost entirely, so
   * this bounds the training time of many long hourly series at little cost.
   */
  maxWindows: number
}

/**
 * Defaults: eight weeks of daily / two weeks of hourly history. The width, the refit, the 0.5 correction weight
 * and the profile reference were compared on earlier folds of both benchmark datasets (Wikipedia daily, M4
 * hourly) and kept only where they helped on both — never tuned per dataset.
 */
export function defaultModelConfig(
  freq: Freq,
  horizon: number,
  overrides: Partial<ForecastModelConfig> = {},
): ForecastModelConfig {
  return {
    freq,
    horizon,
    lookback: freq === 'daily' ? 8 * 7 : 2 * 7 * 24,
    hidden: [64],
    epochs: 60,
    batchSize: 128,
    learningRate: 1e-3,
    ensemble: 3,
    seed: 42,
    holidays: true,
    patience: 8,
    validationFraction: 0.15,
    minWindows: 64,
    reference: 'profile',
    refit: true,
    correctionWeight: 0.5,
    referenceLevelDays: 7,
    maxWindows: 20_000,
    ...overrides,
  }
}

export interface TrainProgress {
  member: number
  members: number
  /** 'select': training with a validation block to choose the epochs; 'refit': retraining on every window. */
  phase: 'select' | 'refit'
  epoch: number
  epochs: number
  loss: number
  valLoss: number | undefined
  windowsPerSec: number
}

export interface TrainOptions {
  onProgress?: (p: TrainProgress) => void
}

/** A trained global model: the networks, the config they were built for, and how training went. */
export interface ForecastModel {
  config: ForecastModelConfig
  nets: tfType.LayersModel[]
  trainedWindows: number
  bestEpochs: number[]
  seconds: number
}

/** Why a series gets no model forecast (then a baseline is served), or undefined if it can get one. */
export function modelIneligibility(s: Series, cfg: ForecastModelConfig): string | undefined {
  if (s.values.some((v) => v < 0)) return 'negative values'
  if (s.values.length < cfg.lookback)
    return `history shorter than the model's lookback (${s.values.length} < ${cfg.lookback} steps)`
  return undefined
}

/** Holiday flags before and from the origin: per step for daily series, per calendar day for hourly ones. */
function holidaySpan(cfg: ForecastModelConfig): { lag: number; ahead: number } {
  if (!cfg.holidays) return { lag: 0, ahead: 0 }
  if (cfg.freq === 'daily') return { lag: cfg.lookback, ahead: cfg.horizon }
  // The origin may be mid-day: the horizon touches at most ceil((H + 23) / 24) days from the origin's day.
  return { lag: Math.ceil(cfg.lookback / 24), ahead: Math.ceil((cfg.horizon + 23) / 24) }
}

/** Length of one input vector. */
export function featureSize(cfg: ForecastModelConfig): number {
  const h = holidaySpan(cfg)
  return cfg.lookback + 1 + 7 + (cfg.freq === 'hourly' ? 24 : 0) + h.lag + h.ahead
}

const isHoliday = (step: number, freq: Freq) => (holidayOn(calendarOf(step, freq).day) === undefined ? 0 : 1)

/**
 * Writes the features of the window that ends just before `origin` (an index into `values`, whose first value is
 * at step `start`) into `out`, the reference forecast (log scale, relative to the level) into `ref`, and returns
 * the window's level (mean log1p of the last week). Pure.
 */
export function windowFeatures(
  values: readonly number[],
  start: number,
  origin: number,
  cfg: ForecastModelConfig,
  out: Float32Array,
  offset = 0,
  ref?: Float32Array,
  refOffset = 0,
): number {
  const L = cfg.lookback
  const levelSpan = Math.min(L, stepsPerWeek(cfg.freq))
  let level = 0
  for (let i = origin - levelSpan; i < origin; i++) level += Math.log1p(values[i] as number)
  level /= levelSpan
  let k = offset
  for (let i = origin - L; i < origin; i++) out[k++] = Math.log1p(values[i] as number) - level
  out[k++] = level / 10
  const cal = calendarOf(start + origin, cfg.freq)
  for (let d = 0; d < 7; d++) out[k++] = d === cal.weekday ? 1 : 0
  if (cfg.freq === 'hourly') for (let h = 0; h < 24; h++) out[k++] = h === cal.hour ? 1 : 0
  if (cfg.holidays && cfg.freq === 'daily') {
    for (let i = origin - L; i < origin; i++) out[k++] = isHoliday(start + i, cfg.freq)
    for (let j = 0; j < cfg.horizon; j++) out[k++] = isHoliday(start + origin + j, cfg.freq)
  } else if (cfg.holidays) {
    const span = holidaySpan(cfg)
    for (let d = cal.day - span.lag; d < cal.day; d++) out[k++] = isHoliday(d, 'daily')
    for (let d = cal.day; d < cal.day + span.ahead; d++) out[k++] = isHoliday(d, 'daily')
  }
  if (ref) referenceForecast(out, offset, cfg, ref, refOffset)
  return level
}

/** The reference the network corrects, from the normalised lags already written at `out[offset…]`. */
function referenceForecast(
  lags: Float32Array,
  offset: number,
  cfg: ForecastModelConfig,
  ref: Float32Array,
  refOffset: number,
): void {
  const L = cfg.lookback
  const m = stepsPerWeek(cfg.freq)
  if (cfg.reference === 'none' || L < m) {
    ref.fill(0, refOffset, refOffset + cfg.horizon)
    return
  }
  if (cfg.reference === 'seasonal') {
    for (let j = 0; j < cfg.horizon; j++) ref[refOffset + j] = lags[offset + L - m + (j % m)] as number
    return
  }
  // 'profile': the weekly shape (mean of each phase over the full weeks of the lookback, minus their overall mean)
  // put on the recent level — the mean of the last `referenceLevelDays` days with that shape taken out.
  const weeks = Math.floor(L / m)
  let all = 0
  for (let i = L - weeks * m; i < L; i++) all += lags[offset + i] as number
  all /= weeks * m
  const shape = (phaseFromEnd: number) => {
    // phaseFromEnd: 0 = the step right after the lookback, −1 = its last step, …
    const p = (((phaseFromEnd % m) + m) % m) as number
    let sum = 0
    for (let w = 0; w < weeks; w++) sum += lags[offset + L - (w + 1) * m + p] as number
    return sum / weeks - all
  }
  const span = Math.min(L, Math.max(1, Math.round(cfg.referenceLevelDays * stepsPerDay(cfg.freq))))
  let level = 0
  for (let i = L - span; i < L; i++) level += (lags[offset + i] as number) - shape(i - L)
  level /= span
  for (let j = 0; j < cfg.horizon; j++) ref[refOffset + j] = level + shape(j)
}

/** Deterministic PRNG (mulberry32) for shuffling. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface WindowSet {
  x: Float32Array
  y: Float32Array
  /** Absolute step of each window's origin (for the time-ordered validation split). */
  originStep: Int32Array
  count: number
}

/** All training windows whose targets lie entirely inside the given histories. */
export function buildWindows(series: readonly Series[], cfg: ForecastModelConfig): WindowSet {
  const F = featureSize(cfg)
  const H = cfg.horizon
  const L = cfg.lookback
  let all = 0
  for (const s of series)
    if (modelIneligibility(s, cfg) === undefined) all += Math.max(0, s.values.length - L - H + 1)
  const stride = Math.max(1, Math.ceil(all / Math.max(1, cfg.maxWindows)))
  let count = 0
  for (const s of series)
    if (modelIneligibility(s, cfg) === undefined)
      count += Math.ceil(Math.max(0, s.values.length - L - H + 1) / stride)
  const x = new Float32Array(count * F)
  const y = new Float32Array(count * H)
  const ref = new Float32Array(H)
  const originStep = new Int32Array(count)
  let w = 0
  for (const s of series) {
    if (modelIneligibility(s, cfg) !== undefined) continue
    const last = s.values.length - H
    for (let o = last - Math.floor((last - L) / stride) * stride; o <= last; o += stride) {
      let filled = 0
      for (let j = 0; j < H; j++) if (!s.observed[o + j]) filled++
      if (filled > H / 5) continue
      const level = windowFeatures(s.values, s.start, o, cfg, x, w * F, ref, 0)
      for (let j = 0; j < H; j++)
        y[w * H + j] = Math.log1p(s.values[o + j] as number) - level - (ref[j] as number)
      originStep[w] = s.start + o
      w++
    }
  }
  return { x: x.subarray(0, w * F), y: y.subarray(0, w * H), originStep: originStep.subarray(0, w), count: w }
}

function buildNet(tf: Tf, cfg: ForecastModelConfig, seed: number): tfType.LayersModel {
  const input = tf.input({ shape: [featureSize(cfg)] })
  let h: tfType.SymbolicTensor = input
  cfg.hidden.forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + i }) })
      .apply(h) as tfType.SymbolicTensor
  })
  const deep = tf.layers
    .dense({ units: 3 * cfg.horizon, kernelInitializer: tf.initializers.zeros() })
    .apply(h) as tfType.SymbolicTensor
  // Both output paths start at zero, so an untrained network forecasts the reference; the linear path from the
  // inputs learns an autoregressive correction, the hidden layers the non-linear rest.
  const linear = tf.layers
    .dense({ units: 3 * cfg.horizon, useBias: false, kernelInitializer: tf.initializers.zeros() })
    .apply(input) as tfType.SymbolicTensor
  const out = tf.layers.add().apply([deep, linear]) as tfType.SymbolicTensor
  return tf.model({ inputs: input, outputs: out })
}

/** Raw network output [B, 3H] → quantiles [p10, p50, p90], each [B, H]; the spread is softplus so they never cross. */
export function decodeQuantiles(
  tf: Tf,
  raw: tfType.Tensor2D,
  horizon: number,
): [tfType.Tensor2D, tfType.Tensor2D, tfType.Tensor2D] {
  const [mid, down, up] = tf.split(raw, [horizon, horizon, horizon], 1) as [
    tfType.Tensor2D,
    tfType.Tensor2D,
    tfType.Tensor2D,
  ]
  return [tf.sub(mid, tf.softplus(down)), mid, tf.add(mid, tf.softplus(up))]
}

/** Mean pinball loss over p10, p50, p90. */
export function quantileLoss(
  tf: Tf,
  raw: tfType.Tensor2D,
  y: tfType.Tensor2D,
  horizon: number,
): tfType.Scalar {
  const qs = decodeQuantiles(tf, raw, horizon)
  const losses = qs.map((pred, i) => {
    const q = [0.1, 0.5, 0.9][i] as number
    const diff = tf.sub(y, pred)
    return tf.mean(tf.maximum(tf.mul(diff, q), tf.mul(diff, q - 1)))
  })
  return tf.addN(losses).div(3) as tfType.Scalar
}

async function trainNet(
  tf: Tf,
  data: WindowSet,
  cfg: ForecastModelConfig,
  member: number,
  opts: TrainOptions,
  /** Epochs already chosen (by the first ensemble member): skip the validation run and fit all windows. */
  knownEpochs?: number,
) {
  const F = featureSize(cfg)
  const H = cfg.horizon
  const seed = cfg.seed + 1000 * member
  // Time-ordered split: validation = the latest origins; training windows end before the first of them.
  const steps = [...data.originStep].sort((a, b) => a - b)
  const cut = steps[Math.floor(steps.length * (1 - cfg.validationFraction))] ?? Number.POSITIVE_INFINITY
  const trainIdx: number[] = []
  const valIdx: number[] = []
  for (let i = 0; i < data.count; i++) {
    const o = data.originStep[i] as number
    if (o >= cut) valIdx.push(i)
    else if (o + H <= cut) trainIdx.push(i)
  }
  const allIdx = Array.from({ length: data.count }, (_, i) => i)
  const useVal = valIdx.length >= 16 && trainIdx.length >= cfg.minWindows
  const X = tf.tensor2d(data.x, [data.count, F])
  const Y = tf.tensor2d(data.y, [data.count, H])
  const valIdxT = useVal ? tf.tensor1d(valIdx, 'int32') : undefined
  try {
    if (knownEpochs !== undefined) {
      const net = await fitNet(tf, X, Y, allIdx, undefined, knownEpochs, cfg, seed, member, 'refit', opts)
      return { net: net.net, bestEpoch: knownEpochs }
    }
    const first = await fitNet(
      tf,
      X,
      Y,
      useVal ? trainIdx : allIdx,
      valIdxT,
      cfg.epochs,
      cfg,
      seed,
      member,
      'select',
      opts,
    )
    if (!useVal || !cfg.refit) return { net: first.net, bestEpoch: first.bestEpoch }
    // The validation block is the most recent history — the most relevant to the forecast. Once it has chosen
    // the number of epochs, train a fresh network (same seed) on every window for that many epochs.
    first.net.dispose()
    const epochs = Math.max(1, first.bestEpoch)
    const refit = await fitNet(tf, X, Y, allIdx, undefined, epochs, cfg, seed, member, 'refit', opts)
    return { net: refit.net, bestEpoch: epochs }
  } finally {
    X.dispose()
    Y.dispose()
    valIdxT?.dispose()
  }
}

/** Trains one network with seeded shuffling; with validation windows, early-stops and keeps the best weights. */
async function fitNet(
  tf: Tf,
  X: tfType.Tensor2D,
  Y: tfType.Tensor2D,
  fitIdx: number[],
  valIdxT: tfType.Tensor1D | undefined,
  epochs: number,
  cfg: ForecastModelConfig,
  seed: number,
  member: number,
  phase: TrainProgress['phase'],
  opts: TrainOptions,
): Promise<{ net: tfType.LayersModel; bestEpoch: number }> {
  const H = cfg.horizon
  const net = buildNet(tf, cfg, seed)
  const optimizer = tf.train.adam(cfg.learningRate)
  const random = rng(seed)
  const order = [...fitIdx]
  let best = Number.POSITIVE_INFINITY
  let bestEpoch = epochs
  let bestWeights: tfType.Tensor[] | undefined
  let since = 0
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      // A macrotask turn per epoch: TF.js promises resolve as microtasks, so without it a long training would
      // starve the event loop (the job's lease renewal, HTTP in the same process) for minutes.
      await new Promise((resolve) => setImmediate(resolve))
      const t0 = performance.now()
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        const tmp = order[i] as number
        order[i] = order[j] as number
        order[j] = tmp
      }
      let lossSum = tf.scalar(0)
      for (let b = 0; b < order.length; b += cfg.batchSize) {
        const batch = order.slice(b, b + cfg.batchSize)
        const next = tf.tidy(() => {
          const idx = tf.tensor1d(batch, 'int32')
          const xb = tf.gather(X, idx) as tfType.Tensor2D
          const yb = tf.gather(Y, idx) as tfType.Tensor2D
          const cost = optimizer.minimize(
            () => quantileLoss(tf, net.apply(xb, { training: true }) as tfType.Tensor2D, yb, H),
            true,
          )
          return tf.add(lossSum, tf.mul(cost as tfType.Scalar, batch.length)) as tfType.Scalar
        })
        lossSum.dispose()
        lossSum = next
      }
      const loss = ((await lossSum.data())[0] ?? Number.NaN) / order.length
      lossSum.dispose()
      let valLoss: number | undefined
      if (valIdxT) {
        const v = tf.tidy(() =>
          quantileLoss(
            tf,
            net.predict(tf.gather(X, valIdxT)) as tfType.Tensor2D,
            tf.gather(Y, valIdxT) as tfType.Tensor2D,
            H,
          ),
        )
        valLoss = (await v.data())[0]
        v.dispose()
      }
      const seconds = (performance.now() - t0) / 1000
      opts.onProgress?.({
        member: member + 1,
        members: cfg.ensemble,
        phase,
        epoch,
        epochs,
        loss,
        valLoss,
        windowsPerSec: order.length / Math.max(seconds, 1e-9),
      })
      if (valLoss === undefined) continue
      if (valLoss < best - 1e-5) {
        best = valLoss
        bestEpoch = epoch
        since = 0
        for (const w of bestWeights ?? []) w.dispose()
        bestWeights = net.getWeights().map((w) => w.clone())
      } else if (++since >= cfg.patience) break
    }
    if (bestWeights) net.setWeights(bestWeights)
    return { net, bestEpoch }
  } finally {
    for (const w of bestWeights ?? []) w.dispose()
    optimizer.dispose()
  }
}

/**
 * Trains the global model on every window of the given histories. Returns undefined (no throw) when there are
 * fewer than `minWindows` windows — the caller then serves a baseline.
 */
export async function trainForecastModel(
  tf: Tf,
  series: readonly Series[],
  cfg: ForecastModelConfig,
  opts: TrainOptions = {},
): Promise<ForecastModel | undefined> {
  const t0 = performance.now()
  const data = buildWindows(series, cfg)
  if (data.count < cfg.minWindows) return undefined
  const nets: tfType.LayersModel[] = []
  const bestEpochs: number[] = []
  // The first network chooses the number of epochs on the validation block; with refit on, the others reuse it.
  let knownEpochs: number | undefined
  for (let m = 0; m < cfg.ensemble; m++) {
    const { net, bestEpoch } = await trainNet(tf, data, cfg, m, opts, knownEpochs)
    nets.push(net)
    bestEpochs.push(bestEpoch)
    if (cfg.refit) knownEpochs = bestEpoch
  }
  return {
    config: cfg,
    nets,
    trainedWindows: data.count,
    bestEpochs,
    seconds: (performance.now() - t0) / 1000,
  }
}

/** Forecasts the next `horizon` steps after each series' end; undefined for a series the model cannot serve. */
export function predictForecastModel(
  tf: Tf,
  model: ForecastModel,
  series: readonly Series[],
): Array<QuantileForecast | undefined> {
  const cfg = model.config
  const F = featureSize(cfg)
  const H = cfg.horizon
  const eligible = series.map((s) => modelIneligibility(s, cfg) === undefined)
  const rows = eligible.filter(Boolean).length
  if (rows === 0) return series.map(() => undefined)
  const x = new Float32Array(rows * F)
  const ref = new Float32Array(rows * H)
  const levels: number[] = []
  let r = 0
  series.forEach((s, i) => {
    if (eligible[i]) {
      levels.push(windowFeatures(s.values, s.start, s.values.length, cfg, x, r * F, ref, r * H))
      r++
    }
  })
  const sums = [new Float32Array(rows * H), new Float32Array(rows * H), new Float32Array(rows * H)] as const
  for (const net of model.nets) {
    const qs = tf.tidy(() => {
      const raw = net.predict(tf.tensor2d(x, [rows, F])) as tfType.Tensor2D
      return decodeQuantiles(tf, raw, H).map((t) => t.dataSync() as Float32Array)
    })
    qs.forEach((q, k) => {
      const acc = sums[k as 0 | 1 | 2]
      for (let i = 0; i < q.length; i++) acc[i] = (acc[i] as number) + (q[i] as number) / model.nets.length
    })
  }
  r = 0
  return series.map((_, i) => {
    if (!eligible[i]) return undefined
    const level = levels[r] as number
    const base = r * H
    // The median correction is shrunk toward the reference (a forecast combination); the spreads are kept.
    const w = cfg.correctionWeight
    const at = (k: 0 | 1 | 2) =>
      Array.from(sums[k].subarray(base, base + H), (z, j) => {
        const mid = sums[1][base + j] as number
        return Math.max(0, Math.expm1(level + (ref[base + j] as number) + w * mid + (z - mid)))
      })
    const f = { p10: at(0), p50: at(1), p90: at(2), notes: [] }
    r++
    return f
  })
}

/** Frees the networks' weights. */
export function disposeForecastModel(model: ForecastModel): void {
  for (const n of model.nets) n.dispose()
}
