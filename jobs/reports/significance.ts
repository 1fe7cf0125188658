// Tests that decide whether a change is worth a sentence: a conditional Poisson test for counts over two
// equal periods (given n = a + b, b ~ Binomial(n, ½) when the rate did not change) and a two-proportion
// z-test for rates. Both refuse small volumes: a "+300 %" on 3 → 12 views is not news.

export interface Comparison {
  previous: number
  current: number
  /** current / previous − 1; null when previous is 0. */
  change: number | null
  /** Two-sided p-value. */
  p: number
  /** Signed standard score (positive = up). */
  z: number
  significant: boolean
}

export interface SignificanceRule {
  alpha: number
  /** Least previous + current for counts, least trials per period for rates. */
  minVolume: number
  /** Least relative change (counts) or absolute change in percentage points (rates) worth reporting. */
  minEffect: number
}

export const COUNT_RULE: SignificanceRule = { alpha: 0.001, minVolume: 100, minEffect: 0.1 }
export const RATE_RULE: SignificanceRule = { alpha: 0.001, minVolume: 200, minEffect: 0.02 }

/** Standard normal upper tail, Φ̄(z) (Abramowitz–Stegun 7.1.26 on erfc; |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const erfc =
    t *
    Math.exp(-x * x) *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
  const tail = erfc / 2
  return z >= 0 ? tail : 1 - tail
}

/** Exact two-sided binomial test of k successes in n at p = ½ (used for small n). */
export function binomialHalfTwoSided(k: number, n: number): number {
  if (n === 0) return 1
  const lf = new Float64Array(n + 1)
  for (let i = 2; i <= n; i++) lf[i] = (lf[i - 1] ?? 0) + Math.log(i)
  const logP = (i: number) => (lf[n] ?? 0) - (lf[i] ?? 0) - (lf[n - i] ?? 0) - n * Math.LN2
  const tail = Math.min(k, n - k)
  let p = 0
  for (let i = 0; i <= tail; i++) p += Math.exp(logP(i))
  return Math.min(1, 2 * p)
}

/**
 * Compares two counts over periods of equal length.
 * @example compareCounts(1000, 1350).significant // true
 */
export function compareCounts(
  previous: number,
  current: number,
  rule: SignificanceRule = COUNT_RULE,
): Comparison {
  const n = previous + current
  const change = previous > 0 ? current / previous - 1 : null
  if (n === 0) return { previous, current, change, p: 1, z: 0, significant: false }
  // z of the conditional binomial with continuity correction.
  const z = (current - n / 2 - Math.sign(current - n / 2) * 0.5) / Math.sqrt(n / 4)
  const p = n <= 1000 ? binomialHalfTwoSided(current, n) : 2 * normalUpperTail(Math.abs(z))
  const bigEnough = n >= rule.minVolume && previous > 0
  const effect = change !== null && Math.abs(change) >= rule.minEffect
  return { previous, current, change, p, z, significant: bigEnough && effect && p < rule.alpha }
}

export interface RateComparison extends Comparison {
  previousRate: number | null
  currentRate: number | null
}

/**
 * Compares two proportions x1/n1 (previous) and x2/n2 (current).
 * @example compareRates(200, 1000, 300, 1000).significant // true
 */
export function compareRates(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  rule: SignificanceRule = RATE_RULE,
): RateComparison {
  const r1 = n1 > 0 ? x1 / n1 : null
  const r2 = n2 > 0 ? x2 / n2 : null
  const base = {
    previous: x1,
    current: x2,
    previousRate: r1,
    currentRate: r2,
    change: r1 && r2 !== null ? r2 / r1 - 1 : null,
  }
  if (r1 === null || r2 === null) return { ...base, p: 1, z: 0, significant: false }
  const pooled = (x1 + x2) / (n1 + n2)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  if (se === 0) return { ...base, p: 1, z: 0, significant: false }
  const z = (r2 - r1) / se
  const p = 2 * normalUpperTail(Math.abs(z))
  const bigEnough = n1 >= rule.minVolume && n2 >= rule.minVolume && x1 + x2 >= 10
  return { ...base, p, z, significant: bigEnough && Math.abs(r2 - r1) >= rule.minEffect && p < rule.alpha }
}

/** "p < 0.001"-style text for evidence lines. */
export function pValueText(p: number, decimalSep = '.'): string {
  const fmt = (s: string) => s.replace('.', decimalSep)
  if (p < 0.001) return fmt('p < 0.001')
  if (p < 0.01) return fmt(`p = ${p.toFixed(3)}`)
  return fmt(`p = ${p.toFixed(2)}`)
}
