// Rolling-origin backtests: every method forecasts from the same origins, seeing only the data before each origin
// (all series are cut at the same instant, so the global model cannot learn one series' future from another).
// The served method of a series is chosen from its record on the folds *before* the one being scored; by default
// it is the ensemble (model and baselines weighted by their MASE on those earlier folds, see ensemble.ts).
import type { Tf } from '../tf/index.ts'
import { BASELINE_NAMES, baselineForecast, type QuantileForecast } from './baselines.ts'
import { type Freq, stepLabel } from './calendar.ts'
import { combineForecasts, ENSEMBLE_MEMBERS, type EnsembleWeights, ensembleWeights } from './ensemble.ts'
import { coverageCount, mase, maseScale, meanDefined, smape } from './metrics.ts'
import {
  defaultModelConfig,
  disposeForecastModel,
  type ForecastModelConfig,
  modelIneligibility,
  predictForecastModel,
  type TrainProgress,
  trainForecastModel,
} from './model.ts'
import { endOf, historyBefore, type Series } from './series.ts'

export const METHOD_NAMES = ['model', ...BASELINE_NAMES, 'ensemble'] as const
export type MethodName = (typeof METHOD_NAMES)[number]

/** The order in which ties (and series with no track record yet) are resolved. */
const PREFERENCE: readonly MethodName[] = ['ensemble', 'model', 'seasonal_naive', 'weekday_mean_8w', 'naive']
/** The incumbent when nothing is preferred: the ensemble where it exists (it contains the model), else the model. */
const INCUMBENTS: readonly MethodName[] = ['ensemble', 'model']

/** MASE seasonality: a week of days for daily series, a day of hours for hourly ones (the M4 convention). */
export const maseSeason = (freq: Freq) => (freq === 'daily' ? 7 : 24)

export interface BacktestOptions {
  freq: Freq
  horizon: number
  /** Scored folds: the last `folds × horizon` steps, one non-overlapping window per fold. */
  folds: number
  /** Earlier folds used only to choose the served method for the first scored fold. Default 3. */
  selectionFolds?: number
  /**
   * Where fold origins sit. 'clock' (default): at the same instant for every series, counted back from the latest
   * value of any series — strict, since the global model then never trains on any series' data after an origin.
   * 'end': counted back from each series' own last value — for collections of unrelated series that sit in
   * different periods (e.g. M4), where a common clock would leave most series without scored folds.
   */
  align?: 'clock' | 'end'
  /** Evidence needed to serve something other than the incumbent. Default {@link DEFAULT_SELECTION}. */
  selection?: SelectionRule
  /** Model settings, or false for baselines only. */
  model?: Partial<ForecastModelConfig> | false
  /** The TF.js handle from `initTf()`; required unless `model` is false. */
  tf?: Tf
  onProgress?: (e: BacktestProgress) => void
  /** Sees every fold's forecasts and where each series' history ended (tests check no fold sees its future). */
  onFold?: (f: FoldForecasts) => void
}

export interface FoldForecasts {
  fold: number
  role: 'selection' | 'scored'
  /** series id → first step forecast (the origin) and one past the last history step the methods saw. */
  cut: Map<string, { origin: number; historyEnd: number }>
  forecasts: Map<string, Partial<Record<MethodName, QuantileForecast>>>
  /** The ensemble's weights at this fold (from the earlier folds' scores only); undefined without the model. */
  ensembleWeights?: EnsembleWeights
}

export type BacktestProgress =
  | { kind: 'fold'; fold: number; folds: number; role: 'selection' | 'scored'; origin: string }
  | ({ kind: 'train'; fold: number; folds: number } & TrainProgress)
  | { kind: 'note'; message: string }

export interface MethodMetrics {
  mase: number | null
  smape: number | null
  coverage: number | null
  /** Series × folds scored. */
  n: number
}

export interface ServedSeries {
  method: MethodName | null
  /** Mean MASE of each method over all folds for this series (the basis of the choice). */
  backtest_mase: Partial<Record<MethodName, number | null>>
  /** What was served at each scored fold (chosen from the folds before it) — the basis of `served.overall`. */
  served_by_fold: MethodName[]
  /** Each method's metrics on this series over the scored folds (null where it never forecast them). */
  metrics: Partial<Record<MethodName, MethodMetrics | null>>
  notes: string[]
}

export interface BacktestResult {
  freq: Freq
  horizon: number
  folds: number
  selection_folds: number
  origins: Array<{ origin: string; role: 'selection' | 'scored' }>
  methods: Record<MethodName, MethodMetrics | null>
  served: {
    overall:
      | (MethodMetrics & {
          mase_ratio_vs_seasonal_naive: number | null
          methods_used: Partial<Record<MethodName, number>>
        })
      | null
    per_series: Record<string, ServedSeries>
  }
  /** What the ensemble is served with from now on: inverse mean MASE over all folds (null without the model). */
  ensemble_weights: EnsembleWeights | null
  notes: string[]
  timing: { seconds: number; train_seconds: number; trained_windows: number }
}

interface Scored {
  mase: number | undefined
  smape: number | undefined
  inside: number
  total: number
}

interface FoldRecord {
  origin: string
  role: 'selection' | 'scored'
  /** series id → method → score */
  scores: Map<string, Partial<Record<MethodName, Scored>>>
}

function score(f: QuantileForecast, actual: number[], mask: boolean[], scale: number | undefined): Scored {
  const c = coverageCount(actual, f.p10, f.p90, mask)
  return {
    mase: mase(actual, f.p50, scale, mask),
    smape: smape(actual, f.p50, mask),
    inside: c.inside,
    total: c.total,
  }
}

const finiteForecast = (f: QuantileForecast) => [f.p10, f.p50, f.p90].every((a) => a.every(Number.isFinite))

type ScoreRecords = ReadonlyArray<{
  scores: ReadonlyMap<
    string,
    Partial<Record<MethodName, { mase: number | undefined; smape: number | undefined }>>
  >
}>

/**
 * Picks a series' method from its record on earlier folds. An incumbent — `preferred` (the method that did best
 * over all series, see {@link pooledMethod}), else the ensemble, else the model — is kept unless another method beat it clearly on
 * this series: on at least `rule.minFolds` folds, by ≥ `rule.margin` in mean MASE, and on
 * most of those folds. Per-series MASE over a few folds is noisy; serving the noisiest winner loses overall.
 * With no incumbent available, the method with the lowest mean MASE (sMAPE if no MASE is defined) is served.
 */
export function chooseMethod(
  records: ScoreRecords,
  id: string,
  candidates: readonly MethodName[],
  preferred?: MethodName,
  rule: SelectionRule = DEFAULT_SELECTION,
): { method: MethodName | undefined; means: Partial<Record<MethodName, number | null>>; reason?: string } {
  const means: Partial<Record<MethodName, number | null>> = {}
  const smapes: Partial<Record<MethodName, number | undefined>> = {}
  for (const m of candidates) {
    const per = records.map((r) => r.scores.get(id)?.[m])
    means[m] = meanDefined(per.map((s) => s?.mase)) ?? null
    smapes[m] = meanDefined(per.map((s) => s?.smape))
  }
  const incumbent =
    preferred !== undefined && candidates.includes(preferred)
      ? preferred
      : INCUMBENTS.find((m) => candidates.includes(m))
  const others: MethodName[] = candidates.filter((m) => m !== incumbent)
  const byMase: MethodName[] = others.filter((m) => means[m] != null)
  const pool = byMase.length > 0 ? byMase : others.filter((m) => smapes[m] !== undefined)
  const key = (m: MethodName) => (byMase.length > 0 ? (means[m] as number) : (smapes[m] as number))
  let challenger: MethodName | undefined
  for (const m of PREFERENCE) {
    if (!pool.includes(m)) continue
    if (challenger === undefined || key(m) < key(challenger) - 1e-12) challenger = m
  }
  challenger ??= PREFERENCE.find((m) => others.includes(m))
  if (incumbent === undefined) return { method: challenger, means }
  if (challenger === undefined) return { method: incumbent, means }
  // Folds where both were scored with a defined MASE.
  const paired = records
    .map((r) => r.scores.get(id))
    .map((sc) => [sc?.[incumbent]?.mase, sc?.[challenger]?.mase] as const)
    .filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined)
  if (paired.length < rule.minFolds) return { method: incumbent, means }
  const incMean = paired.reduce((a, p) => a + p[0], 0) / paired.length
  const chMean = paired.reduce((a, p) => a + p[1], 0) / paired.length
  const wins = paired.filter((p) => p[1] < p[0]).length
  if (chMean < (1 - rule.margin) * incMean && wins * 2 > paired.length) {
    const who = incumbent === 'model' ? 'the model' : incumbent
    return {
      method: challenger,
      means,
      reason: `${challenger} beat ${who} on ${wins} of ${paired.length} folds (mean MASE ${chMean.toFixed(3)} vs ${incMean.toFixed(3)})`,
    }
  }
  return { method: incumbent, means }
}

/**
 * The method to prefer for every series, from all series × earlier folds pooled: the model, unless a baseline
 * beat it clearly over the pooled record (same rule as {@link chooseMethod}). Pooled evidence is far less noisy
 * than one series' few folds, so it sets the default and a series departs from it only on strong evidence.
 */
export function pooledMethod(
  records: ScoreRecords,
  candidates: readonly MethodName[],
  rule: SelectionRule = DEFAULT_SELECTION,
): MethodName | undefined {
  const pooled = records.flatMap((r) =>
    [...r.scores.values()].map((sc) => ({ scores: new Map([['*', sc]]) })),
  )
  return chooseMethod(pooled, '*', candidates, undefined, rule).method
}

/** How much evidence moves a series (or the pooled default) off its incumbent method. */
export interface SelectionRule {
  /** The challenger's mean MASE must be below (1 − margin) × the incumbent's … */
  margin: number
  /** … over at least this many paired folds, winning most of them. */
  minFolds: number
}

// Per-series MASE over 3–6 folds is noisy: on both benchmark datasets (and on their earlier folds) switching a
// series away from the pooled choice at a 10 % margin lost more than it won, so a switch needs 20 %.
export const DEFAULT_SELECTION: SelectionRule = { margin: 0.2, minFolds: 3 }

/**
 * Runs the rolling-origin backtest of the model and the baselines on the same folds and picks the served method
 * per series. Never throws for short, gappy or all-zero series: they get a baseline and a note.
 *
 * @example
 * const result = await backtestForecast(series, { freq: 'daily', horizon: 28, folds: 3, tf })
 */
export async function backtestForecast(
  series: readonly Series[],
  opts: BacktestOptions,
): Promise<BacktestResult> {
  const t0 = performance.now()
  const { freq, horizon: H } = opts
  const K = Math.max(1, Math.floor(opts.folds))
  const S = Math.max(0, Math.floor(opts.selectionFolds ?? 3))
  const useModel = opts.model !== false
  const rule = opts.selection ?? DEFAULT_SELECTION
  if (useModel && !opts.tf)
    throw new Error('backtestForecast: a TF.js handle (opts.tf) is needed to backtest the model')
  const cfg = defaultModelConfig(freq, H, opts.model === false ? {} : opts.model)
  const methods: MethodName[] = useModel ? [...METHOD_NAMES] : [...BASELINE_NAMES]
  // Only the scores of folds already past weigh the ensemble's members.
  const weightsFrom = (rs: readonly FoldRecord[]) =>
    ensembleWeights(rs.flatMap((r) => [...r.scores.values()]))
  const notes: string[] = []
  const note = (message: string) => {
    notes.push(message)
    opts.onProgress?.({ kind: 'note', message })
  }
  const live = series.filter((s) => s.values.length > 0)
  const align = opts.align ?? 'clock'
  const globalEnd = live.length === 0 ? 0 : Math.max(...live.map(endOf))
  // Origins are stored relative to the end (steps back), and resolved per series for 'end' alignment.
  const back = Array.from({ length: K + S }, (_, i) => H * (K + S - i))
  const originOf = (s: Series, fi: number) => (align === 'end' ? endOf(s) : globalEnd) - (back[fi] as number)
  if (align === 'clock') {
    const behind = live.filter((s) => endOf(s) <= globalEnd - H * K)
    if (behind.length > 0) {
      note(
        `${behind.length} series end before the scored folds (e.g. ${behind[0]?.id} ends ${stepLabel(endOf(behind[0] as Series) - 1, freq)}); ` +
          'they are not scored — use align "end" if the series are unrelated and sit in different periods',
      )
    }
  }
  const records: FoldRecord[] = []
  const served = new Map<string, Array<{ fold: number; method: MethodName; s: Scored }>>()
  let trainSeconds = 0
  let trainedWindows = 0
  const untrained: string[] = []

  const folds = K + S
  for (let fi = 0; fi < folds; fi++) {
    // Let timers run between folds (a long backtest must not starve the event loop).
    await new Promise((resolve) => setImmediate(resolve))
    const origin = globalEnd - (back[fi] as number)
    const role = fi < S ? 'selection' : 'scored'
    const label = align === 'end' ? `last value − ${back[fi]} steps` : stepLabel(origin, freq)
    opts.onProgress?.({ kind: 'fold', fold: fi + 1, folds, role, origin: label })
    const histories = live.map((s) => historyBefore(s, originOf(s, fi)))
    const record: FoldRecord = { origin: label, role, scores: new Map() }
    const forecasts = new Map<string, Partial<Record<MethodName, QuantileForecast>>>()
    // What each series is scored on at this fold; a fold where nothing can be scored is skipped (no training).
    const targets = new Map<string, { actual: number[]; mask: boolean[] }>()
    for (const [i, s] of live.entries()) {
      if ((histories[i] as Series).values.length === 0) continue
      const actual: number[] = []
      const mask: boolean[] = []
      const so = originOf(s, fi)
      for (let j = 0; j < H; j++) {
        const k = so + j - s.start
        const inRange = k >= 0 && k < s.values.length
        actual.push(inRange ? (s.values[k] as number) : 0)
        mask.push(inRange && (s.observed[k] as boolean))
      }
      if (mask.some(Boolean)) targets.set(s.id, { actual, mask })
    }
    if (targets.size === 0) {
      records.push(record)
      continue
    }
    // The default for this fold, from every series' record on the earlier folds.
    const preferred = pooledMethod(records, methods, rule)

    for (const [i, s] of live.entries()) {
      const h = histories[i] as Series
      if (h.values.length === 0) continue
      const per: Partial<Record<MethodName, QuantileForecast>> = {}
      for (const b of BASELINE_NAMES) {
        const f = baselineForecast(b, h.values, H, freq, { observed: h.observed })
        if (f) per[b] = f
      }
      forecasts.set(s.id, per)
    }
    if (useModel && opts.tf) {
      const trainable = histories.filter((h) => h.values.length > 0)
      const model = await trainForecastModel(opts.tf, trainable, cfg, {
        onProgress: (p) => opts.onProgress?.({ kind: 'train', fold: fi + 1, folds, ...p }),
      })
      if (!model) untrained.push(label)
      else {
        trainSeconds += model.seconds
        trainedWindows = Math.max(trainedWindows, model.trainedWindows)
        const preds = predictForecastModel(opts.tf, model, trainable)
        trainable.forEach((h, i) => {
          const f = preds[i]
          if (f && finiteForecast(f)) {
            const per = forecasts.get(h.id)
            if (per) per.model = f
          } else if (f) note(`fold ${fi + 1}: the model produced a non-finite forecast for ${h.id}; dropped`)
        })
        disposeForecastModel(model)
      }
    }
    const weights = useModel ? weightsFrom(records) : undefined
    if (weights) {
      for (const per of forecasts.values()) {
        const f = combineForecasts(per, weights, H)
        if (f) per.ensemble = f
      }
    }

    opts.onFold?.({
      fold: fi + 1,
      role,
      cut: new Map(
        live.map((s, i) => [s.id, { origin: originOf(s, fi), historyEnd: endOf(histories[i] as Series) }]),
      ),
      forecasts,
      ...(weights ? { ensembleWeights: weights } : {}),
    })
    for (const [i, s] of live.entries()) {
      const per = forecasts.get(s.id)
      const target = targets.get(s.id)
      if (!per || !target) continue
      const { actual, mask } = target
      const scale = maseScale((histories[i] as Series).values, maseSeason(freq))
      const scores: Partial<Record<MethodName, Scored>> = {}
      for (const m of methods) {
        const f = per[m]
        if (f) scores[m] = score(f, actual, mask, scale)
      }
      record.scores.set(s.id, scores)
      if (role === 'scored') {
        const candidates = methods.filter((m) => scores[m] !== undefined)
        const { method } = chooseMethod(records, s.id, candidates, preferred, rule)
        if (method) {
          const list = served.get(s.id) ?? []
          list.push({ fold: fi, method, s: scores[method] as Scored })
          served.set(s.id, list)
        }
      }
    }
    records.push(record)
  }

  if (untrained.length > 0) {
    note(
      `the model was not trained for ${untrained.length} of ${folds} folds (${untrained.join(', ')}): fewer than ${cfg.minWindows} windows of ` +
        `${cfg.lookback + H} steps (lookback ${cfg.lookback} + horizon ${H}) in the history; baselines only there`,
    )
  }
  // Methods are compared on the same series × folds: those where every method produced a forecast.
  const scoredRecords = records.filter((r) => r.role === 'scored')
  const common: Array<Partial<Record<MethodName, Scored>>> = []
  let excluded = 0
  for (const r of scoredRecords) {
    for (const sc of r.scores.values()) {
      if (methods.every((m) => sc[m] !== undefined)) common.push(sc)
      else excluded++
    }
  }
  if (excluded > 0) {
    note(
      `${excluded} series × fold(s) where not every method could forecast are left out of the method comparison (served still covers them)`,
    )
  }
  const aggregate = (list: Scored[]): MethodMetrics | null => {
    if (list.length === 0) return null
    const inside = list.reduce((a, s) => a + s.inside, 0)
    const total = list.reduce((a, s) => a + s.total, 0)
    return {
      mase: round(meanDefined(list.map((s) => s.mase))),
      smape: round(meanDefined(list.map((s) => s.smape))),
      coverage: total === 0 ? null : round(inside / total),
      n: list.length,
    }
  }
  const methodMetrics = Object.fromEntries(
    METHOD_NAMES.map((m) => [m, methods.includes(m) ? aggregate(common.map((sc) => sc[m] as Scored)) : null]),
  ) as Record<MethodName, MethodMetrics | null>

  // Served overall: every scored series × fold, with the seasonal naive on exactly the same pairs for the ratio.
  const servedScores: Scored[] = []
  const snScores: Scored[] = []
  const used: Partial<Record<MethodName, number>> = {}
  for (const [id, list] of served) {
    for (const { fold, method, s } of list) {
      servedScores.push(s)
      used[method] = (used[method] ?? 0) + 1
      const sn = records[fold]?.scores.get(id)?.seasonal_naive
      if (sn) snScores.push(sn)
    }
  }
  const servedAgg = aggregate(servedScores)
  const snAgg = aggregate(snScores)
  const ratio =
    servedAgg?.mase != null &&
    snAgg?.mase != null &&
    snAgg.mase > 0 &&
    snScores.length === servedScores.length
      ? round(servedAgg.mase / snAgg.mase)
      : null

  // What each series is served from now on: the same rule over all folds; reasons a reader can act on.
  const finalPreferred = pooledMethod(records, methods, rule)
  if (useModel && finalPreferred !== undefined && !INCUMBENTS.includes(finalPreferred)) {
    note(
      `over all series the model lost to ${finalPreferred} in the backtest, so ${finalPreferred} is the default; a series keeps the model only where it clearly won`,
    )
  }
  const perSeries: Record<string, ServedSeries> = {}
  for (const s of series) {
    const seriesNotes = [...s.notes]
    const candidates = methods.filter((m) => records.some((r) => r.scores.get(s.id)?.[m] !== undefined))
    const { method, means, reason } = chooseMethod(records, s.id, candidates, finalPreferred, rule)
    const why = useModel ? modelIneligibility(s, cfg) : undefined
    if (s.values.length === 0) seriesNotes.push('no data: nothing to forecast')
    else if (candidates.length === 0) {
      const len = s.values.length
      seriesNotes.push(
        `too short to backtest (${len} ${freq === 'daily' ? 'day' : 'hour'}${len === 1 ? '' : 's'}): serving the naive last value`,
      )
    } else if (why) seriesNotes.push(`model not used: ${why}; serving ${method}`)
    else if (reason !== undefined) seriesNotes.push(`${reason}: serving ${method}`)
    else if (useModel && !INCUMBENTS.includes(method as MethodName) && finalPreferred === method) {
      seriesNotes.push(`serving ${method}, the default after the model lost over all series`)
    } else if (useModel && !candidates.includes('model'))
      seriesNotes.push(`model could not be trained on this history; serving ${method}`)
    if (s.values.length > 0 && s.values.every((v) => v === 0)) seriesNotes.push('all values are zero')
    const seriesMetrics: Partial<Record<MethodName, MethodMetrics | null>> = {}
    for (const m of methods) {
      const list = scoredRecords
        .map((r) => r.scores.get(s.id)?.[m])
        .filter((x): x is Scored => x !== undefined)
      seriesMetrics[m] = aggregate(list)
    }
    perSeries[s.id] = {
      method: method ?? (s.values.length > 0 ? 'naive' : null),
      metrics: seriesMetrics,
      backtest_mase: Object.fromEntries(Object.entries(means).map(([k, v]) => [k, round(v ?? undefined)])),
      served_by_fold: (served.get(s.id) ?? []).map((x) => x.method),
      notes: seriesNotes,
    }
  }

  return {
    freq,
    horizon: H,
    folds: scoredRecords.filter((r) => r.scores.size > 0).length,
    selection_folds: records.filter((r) => r.role === 'selection' && r.scores.size > 0).length,
    origins: records.filter((r) => r.scores.size > 0).map((r) => ({ origin: r.origin, role: r.role })),
    methods: methodMetrics,
    served: {
      overall: servedAgg && { ...servedAgg, mase_ratio_vs_seasonal_naive: ratio, methods_used: used },
      per_series: perSeries,
    },
    ensemble_weights: useModel ? roundWeights(weightsFrom(records)) : null,
    notes,
    timing: {
      seconds: round((performance.now() - t0) / 1000, 2) ?? 0,
      train_seconds: round(trainSeconds, 2) ?? 0,
      trained_windows: trainedWindows,
    },
  }
}

function round(x: number | undefined, digits = 4): number | null {
  if (x === undefined || !Number.isFinite(x)) return null
  const f = 10 ** digits
  return Math.round(x * f) / f
}

const roundWeights = (w: EnsembleWeights): EnsembleWeights =>
  Object.fromEntries(ENSEMBLE_MEMBERS.map((m) => [m, round(w[m] ?? 0) ?? 0]))
