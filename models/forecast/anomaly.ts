// Anomaly flags for editors: an actual outside its forecast's p10–p90 band, how far outside, and — given a
// breakdown by referrer or by article — which part most likely drove it.

export interface ForecastBand {
  p10: number
  p50: number
  p90: number
}

export interface AnomalyFlag {
  flagged: boolean
  direction: 'above' | 'below' | null
  /** How far outside the band, relative to the crossed bound (0.5 = 50 % above p90; 0.4 = 40 % below p10). 0 inside. */
  size: number
  /** The same distance in band widths (p90 − p10), comparable across series of any scale. null for a zero-width band. */
  sizeInBands: number | null
  /** actual − p50: the deviation that the breakdown explains. */
  deviation: number
}

/**
 * Flags an actual outside [p10, p90]. Bounds of 0 are treated as 1 for the relative size, so a count that
 * jumps from an expected 0 to 5 reads as "5× above", not infinity.
 *
 * @example
 * flagAnomaly(1500, { p10: 600, p50: 800, p90: 1000 }) // { flagged: true, direction: 'above', size: 0.5, … }
 */
export function flagAnomaly(actual: number, band: ForecastBand): AnomalyFlag {
  const width = band.p90 - band.p10
  const deviation = actual - band.p50
  if (actual > band.p90) {
    const over = actual - band.p90
    return {
      flagged: true,
      direction: 'above',
      size: over / Math.max(Math.abs(band.p90), 1),
      sizeInBands: width > 0 ? over / width : null,
      deviation,
    }
  }
  if (actual < band.p10) {
    const under = band.p10 - actual
    return {
      flagged: true,
      direction: 'below',
      size: under / Math.max(Math.abs(band.p10), 1),
      sizeInBands: width > 0 ? under / width : null,
      deviation,
    }
  }
  return { flagged: false, direction: null, size: 0, sizeInBands: 0, deviation }
}

/** One part of the total (a referrer class, an article): its actual and what was expected of it. */
export interface BreakdownPart {
  key: string
  actual: number
  /** The part's own expectation (e.g. its p50). */
  expected?: number
  /** Or its usual share of the total (e.g. over the last 4 weeks); expected = total p50 × share (shares renormalised). */
  share?: number
}

export interface DriverExplanation {
  /** The part contributing most to the deviation in its direction; null if nothing moved that way. */
  driver: string | null
  /** Parts by contribution to the deviation, largest first (same sign as the deviation). */
  contributions: Array<{
    key: string
    actual: number
    expected: number
    contribution: number
    shareOfDeviation: number | null
  }>
}

/**
 * Attributes a deviation (actual − p50 of the total) to the parts of a breakdown: the driver is the part whose
 * actual − expected is largest in the deviation's direction.
 */
export function explainDeviation(
  deviation: number,
  p50: number,
  parts: readonly BreakdownPart[],
): DriverExplanation {
  const shareSum = parts.reduce((a, p) => a + (p.expected === undefined ? Math.max(0, p.share ?? 0) : 0), 0)
  const rows = parts.map((p) => {
    const expected =
      p.expected !== undefined ? p.expected : shareSum > 0 ? (p50 * Math.max(0, p.share ?? 0)) / shareSum : 0
    const contribution = p.actual - expected
    return {
      key: p.key,
      actual: p.actual,
      expected,
      contribution,
      shareOfDeviation: deviation === 0 ? null : contribution / deviation,
    }
  })
  const sign = deviation >= 0 ? 1 : -1
  rows.sort((a, b) => sign * (b.contribution - a.contribution))
  const top = rows[0]
  return { driver: top && sign * top.contribution > 0 ? top.key : null, contributions: rows }
}

export interface AnomalyReport extends AnomalyFlag {
  driver: string | null
  contributions: DriverExplanation['contributions']
}

/** {@link flagAnomaly} plus, when flagged and a breakdown is given, the likely driver. */
export function detectAnomaly(
  actual: number,
  band: ForecastBand,
  breakdown: readonly BreakdownPart[] = [],
): AnomalyReport {
  const flag = flagAnomaly(actual, band)
  if (!flag.flagged || breakdown.length === 0) return { ...flag, driver: null, contributions: [] }
  return { ...flag, ...explainDeviation(flag.deviation, band.p50, breakdown) }
}
