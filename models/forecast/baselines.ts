// The baselines every forecast must beat, and the fallbacks when it does not: naive (last value), seasonal naive
// (same hour / same weekday last week), and Parse.ly's "average line" (mean of the same weekday, last 8 weeks).
// Their p10–p90 come from the method's own past errors, so coverage is comparable with the model's.
import { type Freq, stepsPerWeek } from './calendar.ts'
import type { quantile } from './metrics.ts'

/** {@link quantile} of a sample already sorted ascending (no copy, no sort). */
function sortedQuantile(s: ArrayLike<number>, q: number): number | undefined {
  if (s.length === 0) return undefined
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo)
}

export interface QuantileForecast {
  p10: number[]
  p50: number[]
  p90: number[]
  /** Why the forecast is not what was asked for (fell back, short history, uncalibrated interval …). */
  notes: string[]
}

export const BASELINE_NAMES = ['seasonal_naive', 'weekday_mean_8w', 'naive'] as const
export type BaselineName = (typeof BASELINE_NAMES)[number]

/** `n`: forecast as if the history ended there (its first n values) — the calibration never copies a prefix. */
type PointForecast = (
  history: readonly number[],
  horizon: number,
  freq: Freq,
  n?: number,
) => { values: number[]; note?: string } | undefined

/** Last value, repeated. */
export const naivePoint: PointForecast = (history, horizon, _freq, n = history.length) => {
  if (n === 0) return undefined
  const last = history[n - 1] as number
  return { values: new Array<number>(horizon).fill(last) }
}

/** Same step one week earlier (same weekday for daily, same hour of the same weekday for hourly). */
export const seasonalNaivePoint: PointForecast = (history, horizon, freq, n = history.length) => {
  const m = stepsPerWeek(freq)
  if (n < m) {
    const f = naivePoint(history, horizon, freq, n)
    return (
      f && {
        values: f.values,
        note: 'history shorter than a week: naive last value instead of seasonal naive',
      }
    )
  }
  return { values: Array.from({ length: horizon }, (_, i) => history[n - m + (i % m)] as number) }
}

/** Mean of the same weekday (and hour) over the last 8 weeks of history (fewer if the history is shorter). */
export const weekdayMean8wPoint: PointForecast = (history, horizon, freq, n = history.length) => {
  const m = stepsPerWeek(freq)
  if (n < m) {
    const f = naivePoint(history, horizon, freq, n)
    return (
      f && {
        values: f.values,
        note: 'history shorter than a week: naive last value instead of the 8-week weekday mean',
      }
    )
  }
  const weeks = Math.min(8, Math.floor(n / m))
  const values = Array.from({ length: horizon }, (_, i) => {
    const slot = n - m + (i % m)
    let s = 0
    for (let k = 0; k < weeks; k++) s += history[slot - k * m] as number
    return s / weeks
  })
  return weeks < 8
    ? { values, note: `only ${weeks} week${weeks === 1 ? '' : 's'} of history for the 8-week weekday mean` }
    : { values }
}

const POINT: Record<BaselineName, PointForecast> = {
  seasonal_naive: seasonalNaivePoint,
  weekday_mean_8w: weekdayMean8wPoint,
  naive: naivePoint,
}

export interface BaselineOptions {
  /** Past origins whose errors calibrate the interval (most recent first). Default: 26 weeks of steps. */
  calibrationOrigins?: number
  /** Steps of `observed`; errors at filled-in points are not used. */
  observed?: readonly boolean[]
}

/**
 * A baseline forecast with a p10–p90 interval from the method's own errors at up to `calibrationOrigins` past
 * origins (on the log1p scale for non-negative series, so the interval scales with the level).
 */
export function baselineForecast(
  name: BaselineName,
  history: readonly number[],
  horizon: number,
  freq: Freq,
  opts: BaselineOptions = {},
): QuantileForecast | undefined {
  const point = POINT[name]
  const f = point(history, horizon, freq)
  if (!f) return undefined
  const notes = f.note ? [f.note] : []
  const nonNegative = history.every((v) => v >= 0)
  const tf = nonNegative ? (v: number) => Math.log1p(Math.max(0, v)) : (v: number) => v
  const inv = nonNegative ? (v: number) => Math.max(0, Math.expm1(v)) : (v: number) => v
  const errors: number[][] = Array.from({ length: horizon }, () => [])
  const n = history.length
  const minOrigin = name === 'naive' ? 1 : Math.min(stepsPerWeek(freq), n)
  const back = opts.calibrationOrigins ?? 26 * stepsPerWeek(freq)
  let pooled = 0
  for (let o = n - 1; o >= Math.max(minOrigin, n - back - horizon) && o >= 1; o--) {
    const steps = Math.min(horizon, n - o)
    const past = point(history, steps, freq, o)
    if (!past) continue
    for (let j = 0; j < steps; j++) {
      if (opts.observed && !opts.observed[o + j]) continue
      errors[j]?.push(tf(history[o + j] as number) - tf(past.values[j] as number))
      pooled++
    }
  }
  const p10: number[] = []
  const p90: number[] = []
  // Numeric typed-array sorts: the calibration of an hourly series pools thousands of errors per step.
  const pool = (runs: ReadonlyArray<readonly number[]>) => {
    const out = new Float64Array(runs.reduce((a, r) => a + r.length, 0))
    let k = 0
    for (const r of runs) {
      out.set(r, k)
      k += r.length
    }
    return out.sort()
  }
  let all: Float64Array | undefined
  for (let j = 0; j < horizon; j++) {
    // Pool neighbouring horizons (±2) so each quantile rests on enough errors.
    let sample: Float64Array = pool(errors.slice(Math.max(0, j - 2), Math.min(horizon - 1, j + 2) + 1))
    if (sample.length < 10) {
      all ??= pool(pooled < 3 ? [] : errors)
      sample = all
    }
    const base = tf(f.values[j] as number)
    const lo = sortedQuantile(sample, 0.1) ?? 0
    const hi = sortedQuantile(sample, 0.9) ?? 0
    p10.push(inv(base + Math.min(0, lo)))
    p90.push(inv(base + Math.max(0, hi)))
  }
  if (pooled < 3) notes.push('too little history to calibrate the interval: p10 = p50 = p90')
  return { p10, p50: f.values, p90, notes }
}
