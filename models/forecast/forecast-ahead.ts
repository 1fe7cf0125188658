// Serving: the next `horizon` steps of every series with the method its backtest chose, falling back to a
// baseline (with a note) whenever that method cannot forecast the series. Never NaN, never a throw for data.
import type { Tf } from '../tf/index.ts'
import type { MethodName } from './backtest.ts'
import { BASELINE_NAMES, baselineForecast, type QuantileForecast } from './baselines.ts'
import { type Freq, stepsPerWeek } from './calendar.ts'
import { combineForecasts, type EnsembleWeights } from './ensemble.ts'
import {
  defaultModelConfig,
  disposeForecastModel,
  type ForecastModel,
  type ForecastModelConfig,
  predictForecastModel,
  type TrainProgress,
  trainForecastModel,
} from './model.ts'
import type { Series } from './series.ts'

export interface ServedForecast extends QuantileForecast {
  id: string
  method: MethodName
  /** First forecast step (a day or hour number): the step after the series' last value. */
  start: number
}

export interface ForecastAheadOptions {
  freq: Freq
  horizon: number
  /** The served method per series id (e.g. from `backtestForecast(...).served.per_series`); default: model. */
  methods?: Record<string, MethodName | null | undefined>
  /** Weights of the 'ensemble' method (from the backtest's `ensemble_weights`); required to serve it. */
  ensembleWeights?: EnsembleWeights | null
  model?: Partial<ForecastModelConfig>
  /** A model already trained (e.g. nightly, loaded from the model store): used as is, nothing is trained. */
  trained?: ForecastModel
  tf?: Tf
  onProgress?: (p: TrainProgress) => void
}

/**
 * Forecasts every non-empty series. The model is trained once on all series (only if some series is served by
 * it); a series whose method cannot forecast it gets the seasonal naive (or naive) with a note saying why.
 */
export async function forecastAhead(
  series: readonly Series[],
  opts: ForecastAheadOptions,
): Promise<ServedForecast[]> {
  const want = (s: Series): MethodName => opts.methods?.[s.id] ?? 'model'
  const live = series.filter((s) => s.values.length > 0)
  const modelPreds = new Map<string, QuantileForecast>()
  const modelNotes: string[] = []
  const weights = opts.ensembleWeights ?? undefined
  const needsModel = (s: Series) =>
    want(s) === 'model' || (want(s) === 'ensemble' && weights !== undefined && (weights.model ?? 0) > 0)
  if (live.some(needsModel)) {
    if (!opts.tf) modelNotes.push('no TF.js backend given')
    else if (opts.trained) {
      if (opts.trained.config.horizon < opts.horizon || opts.trained.config.freq !== opts.freq)
        modelNotes.push(
          `the trained model forecasts ${opts.trained.config.horizon} ${opts.trained.config.freq} steps, ${opts.horizon} ${opts.freq} asked`,
        )
      else {
        predictForecastModel(opts.tf, opts.trained, live).forEach((f, i) => {
          const id = (live[i] as Series).id
          if (f && [f.p10, f.p50, f.p90].every((a) => a.every(Number.isFinite)))
            modelPreds.set(id, {
              p10: f.p10.slice(0, opts.horizon),
              p50: f.p50.slice(0, opts.horizon),
              p90: f.p90.slice(0, opts.horizon),
              notes: f.notes,
            })
        })
      }
    } else {
      const cfg = defaultModelConfig(opts.freq, opts.horizon, opts.model)
      const model = await trainForecastModel(
        opts.tf,
        live,
        cfg,
        opts.onProgress ? { onProgress: opts.onProgress } : {},
      )
      if (!model) modelNotes.push('too little history to train the model')
      else {
        try {
          predictForecastModel(opts.tf, model, live).forEach((f, i) => {
            const id = (live[i] as Series).id
            if (f && [f.p10, f.p50, f.p90].every((a) => a.every(Number.isFinite))) modelPreds.set(id, f)
          })
        } finally {
          disposeForecastModel(model)
        }
      }
    }
  }
  return live.map((s) => {
    const start = s.start + s.values.length
    const method = want(s)
    const notes: string[] = []
    if (method === 'model') {
      const f = modelPreds.get(s.id)
      if (f) return { id: s.id, method, start, ...f }
      notes.push(
        `model unavailable for this series (${modelNotes.join('; ') || 'history too short or negative values'})`,
      )
    } else if (method === 'ensemble') {
      if (weights) {
        const members: Partial<Record<MethodName, QuantileForecast>> = {}
        const f = modelPreds.get(s.id)
        if (f) members.model = f
        for (const b of BASELINE_NAMES) {
          const g = baselineForecast(b, s.values, opts.horizon, opts.freq, { observed: s.observed })
          if (g) members[b] = g
        }
        const e = combineForecasts(members, weights, opts.horizon)
        if (e) {
          if (!f && (weights.model ?? 0) > 0)
            e.notes.push(
              `model unavailable for this series (${modelNotes.join('; ') || 'history too short or negative values'})`,
            )
          return { id: s.id, method, start, ...e }
        }
      } else notes.push('ensemble weights missing')
    } else {
      const f = baselineForecast(method, s.values, opts.horizon, opts.freq, { observed: s.observed })
      if (f) return { id: s.id, method, start, ...f }
    }
    // Seasonal naive needs a week of history; below that, the last value.
    const fallbacks =
      s.values.length >= stepsPerWeek(opts.freq)
        ? (['seasonal_naive', 'naive'] as const)
        : (['naive'] as const)
    for (const b of fallbacks) {
      const f = baselineForecast(b, s.values, opts.horizon, opts.freq, { observed: s.observed })
      if (f)
        return {
          id: s.id,
          method: b,
          start,
          ...f,
          notes: [...notes, ...f.notes, `served ${b} instead of ${method}`],
        }
    }
    // Unreachable for a non-empty series (naive always forecasts), kept total for the type checker.
    const last = s.values[s.values.length - 1] ?? 0
    const flat = Array<number>(opts.horizon).fill(last)
    return { id: s.id, method: 'naive', start, p10: flat, p50: flat, p90: [...flat], notes }
  })
}
