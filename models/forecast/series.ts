// Regular time series from irregular observations: one value per step, gaps filled (and remembered as
// unobserved so they are never scored), duplicates summed, and notes a reader can act on.
import { type Freq, stepLabel } from './calendar.ts'

/** A regular series: `values[i]` is the value at local step `start + i` (a day or an hour number). */
export interface Series {
  id: string
  freq: Freq
  start: number
  values: number[]
  /** false where the value was filled in (a gap), so metrics skip it. */
  observed: boolean[]
  notes: string[]
}

/** The part of a series strictly before step `end` — what a forecast made at `end` may see. */
export function historyBefore(s: Series, end: number): Series {
  const n = Math.max(0, Math.min(s.values.length, end - s.start))
  return { ...s, values: s.values.slice(0, n), observed: s.observed.slice(0, n), notes: [] }
}

/** Index of step `t` in the series (may be out of range). */
export const indexOf = (s: Series, t: number) => t - s.start

/** One past the last step of the series. */
export const endOf = (s: Series) => s.start + s.values.length

export interface BuildSeriesOptions {
  /** How gaps between observations are filled: linear interpolation (default) or zeros (counts of events). */
  fill?: 'interpolate' | 'zero'
}

/**
 * Builds a regular series from observations at integer steps (order does not matter). Gaps inside the range
 * are filled and flagged unobserved; duplicate steps are summed (a note says how many).
 */
export function buildSeries(
  id: string,
  freq: Freq,
  points: ReadonlyArray<{ t: number; value: number }>,
  opts: BuildSeriesOptions = {},
): Series {
  const notes: string[] = []
  if (points.length === 0) return { id, freq, start: 0, values: [], observed: [], notes: ['no observations'] }
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const p of points) {
    if (p.t < lo) lo = p.t
    if (p.t > hi) hi = p.t
  }
  const n = hi - lo + 1
  const values = new Array<number>(n).fill(0)
  const observed = new Array<boolean>(n).fill(false)
  let duplicates = 0
  for (const p of points) {
    const i = p.t - lo
    if (observed[i]) duplicates++
    values[i] = (values[i] as number) + p.value
    observed[i] = true
  }
  if (duplicates > 0) notes.push(`${duplicates} duplicate ${freq === 'daily' ? 'dates' : 'hours'} summed`)
  const gaps = observed.reduce((k, o) => k + (o ? 0 : 1), 0)
  if (gaps > 0) {
    fillGaps(values, observed, opts.fill ?? 'interpolate')
    const first = observed.indexOf(false)
    notes.push(
      `${gaps} missing ${freq === 'daily' ? 'day' : 'hour'}${gaps === 1 ? '' : 's'} (first ${stepLabel(lo + first, freq)}) filled by ${
        opts.fill === 'zero' ? 'zeros' : 'interpolation'
      }; not scored`,
    )
  }
  if (values.some((v) => v < 0))
    notes.push('negative values: the log-scale model is not used for this series')
  return { id, freq, start: lo, values, observed, notes }
}

function fillGaps(values: number[], observed: boolean[], mode: 'interpolate' | 'zero'): void {
  let prev = -1
  for (let i = 0; i < values.length; i++) {
    if (!observed[i]) continue
    if (prev >= 0 && i - prev > 1) {
      const a = values[prev] as number
      const b = values[i] as number
      for (let j = prev + 1; j < i; j++)
        values[j] = mode === 'zero' ? 0 : a + ((b - a) * (j - prev)) / (i - prev)
    }
    prev = i
  }
}

/** Groups CSV-style observations into series. */
export function seriesFromObservations(
  bySeries: ReadonlyMap<string, ReadonlyArray<{ t: number; value: number }>>,
  freq: Freq,
  opts: BuildSeriesOptions = {},
): Series[] {
  return [...bySeries.entries()].map(([id, pts]) => buildSeries(id, freq, pts, opts))
}
