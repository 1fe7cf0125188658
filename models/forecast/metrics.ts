// Forecast accuracy measures. All skip points flagged unobserved and return undefined (never NaN) when a
// measure is not defined, e.g. MASE of a constant history.

/** sMAPE on the 0–200 scale; a point where actual and forecast are both 0 counts as 0 error. */
export function smape(
  actual: readonly number[],
  forecast: readonly number[],
  mask?: readonly boolean[],
): number | undefined {
  let sum = 0
  let n = 0
  for (let i = 0; i < actual.length; i++) {
    if (mask && !mask[i]) continue
    const a = actual[i] as number
    const f = forecast[i] as number
    const d = Math.abs(a) + Math.abs(f)
    sum += d === 0 ? 0 : (200 * Math.abs(a - f)) / d
    n++
  }
  return n === 0 ? undefined : sum / n
}

/**
 * MASE denominator: mean absolute seasonal difference of the history (lag m). Falls back to lag 1 when the history
 * is shorter than m + 1 or the seasonal differences are all 0; undefined when even that is 0 or impossible.
 */
export function maseScale(history: readonly number[], m: number): number | undefined {
  for (const lag of m > 1 ? [m, 1] : [1]) {
    if (history.length <= lag) continue
    let sum = 0
    for (let i = lag; i < history.length; i++)
      sum += Math.abs((history[i] as number) - (history[i - lag] as number))
    const scale = sum / (history.length - lag)
    if (scale > 0) return scale
  }
  return undefined
}

/** Mean absolute error scaled by {@link maseScale}. */
export function mase(
  actual: readonly number[],
  forecast: readonly number[],
  scale: number | undefined,
  mask?: readonly boolean[],
): number | undefined {
  if (scale === undefined || !(scale > 0)) return undefined
  let sum = 0
  let n = 0
  for (let i = 0; i < actual.length; i++) {
    if (mask && !mask[i]) continue
    sum += Math.abs((actual[i] as number) - (forecast[i] as number))
    n++
  }
  return n === 0 ? undefined : sum / n / scale
}

/** Points inside [lo, hi] (inclusive), and how many were scored. */
export function coverageCount(
  actual: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  mask?: readonly boolean[],
): { inside: number; total: number } {
  let inside = 0
  let total = 0
  for (let i = 0; i < actual.length; i++) {
    if (mask && !mask[i]) continue
    const a = actual[i] as number
    if (a >= (lo[i] as number) && a <= (hi[i] as number)) inside++
    total++
  }
  return { inside, total }
}

/** Pinball (quantile) loss of one prediction. */
export const pinball = (actual: number, predicted: number, q: number) =>
  actual >= predicted ? q * (actual - predicted) : (1 - q) * (predicted - actual)

/** Mean of the defined numbers, undefined if none. */
export function meanDefined(xs: ReadonlyArray<number | undefined>): number | undefined {
  let s = 0
  let n = 0
  for (const x of xs) {
    if (x === undefined || !Number.isFinite(x)) continue
    s += x
    n++
  }
  return n === 0 ? undefined : s / n
}

/** Empirical quantile (linear interpolation) of an unsorted sample; undefined for an empty one. */
export function quantile(sample: readonly number[], q: number): number | undefined {
  if (sample.length === 0) return undefined
  const s = [...sample].sort((a, b) => a - b)
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo)
}
