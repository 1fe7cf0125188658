// The served combination: a weighted mean of the model's and the baselines' quantiles, each method weighted by
// the inverse of its mean MASE on earlier backtest folds (all series pooled). Averaging forecasts whose errors
// differ beats the best single one on noisy traffic; the weights come only from folds already past, so a
// backtest fold's combination never sees that fold's future.
import type { QuantileForecast } from './baselines.ts'
import { BASELINE_NAMES } from './baselines.ts'
import { meanDefined } from './metrics.ts'

/** The methods the ensemble combines (the model and every baseline). */
export const ENSEMBLE_MEMBERS = ['model', ...BASELINE_NAMES] as const
export type EnsembleMember = (typeof ENSEMBLE_MEMBERS)[number]
export type EnsembleWeights = Partial<Record<EnsembleMember, number>>

/** One series at one earlier fold: each method's MASE there (undefined where it did not forecast). */
export type MemberScores = Partial<Record<EnsembleMember, { mase: number | undefined }>>

/**
 * Weights ∝ 1 / (mean MASE) over the series × folds where every member has a MASE, normalised to sum 1; equal
 * weights when there is no such record yet (the first fold). Pure.
 * @example ensembleWeights([{ model: { mase: 0.8 }, naive: { mase: 1.6 } }], ['model', 'naive']) // { model: 2/3, naive: 1/3 }
 */
export function ensembleWeights(
  records: Iterable<MemberScores>,
  members: readonly EnsembleMember[] = ENSEMBLE_MEMBERS,
): EnsembleWeights {
  const full = [...records].filter((r) => members.every((m) => Number.isFinite(r[m]?.mase)))
  const means = members.map((m) => meanDefined(full.map((r) => r[m]?.mase)))
  const inverse = means.map((x) => (x !== undefined && x > 0 ? 1 / x : undefined))
  const usable = inverse.every((x) => x !== undefined)
  const raw = usable ? (inverse as number[]) : members.map(() => 1)
  const total = raw.reduce((a, b) => a + b, 0)
  return Object.fromEntries(members.map((m, i) => [m, (raw[i] as number) / total])) as EnsembleWeights
}

/**
 * The weighted mean of the members' p10, p50 and p90 (quantile averaging). A member with a weight but no forecast
 * for this series is left out and the rest renormalised (with a note); undefined when no weighted member forecast.
 */
export function combineForecasts(
  forecasts: Partial<Record<EnsembleMember, QuantileForecast>>,
  weights: EnsembleWeights,
  horizon: number,
): QuantileForecast | undefined {
  const present = ENSEMBLE_MEMBERS.filter((m) => (weights[m] ?? 0) > 0 && forecasts[m] !== undefined)
  const total = present.reduce((a, m) => a + (weights[m] as number), 0)
  if (present.length === 0 || !(total > 0)) return undefined
  const missing = ENSEMBLE_MEMBERS.filter((m) => (weights[m] ?? 0) > 0 && forecasts[m] === undefined)
  const out: QuantileForecast = { p10: [], p50: [], p90: [], notes: [] }
  for (const q of ['p10', 'p50', 'p90'] as const) {
    for (let j = 0; j < horizon; j++) {
      let s = 0
      for (const m of present)
        s += ((weights[m] as number) / total) * ((forecasts[m] as QuantileForecast)[q][j] ?? 0)
      out[q].push(s)
    }
  }
  if (missing.length > 0)
    out.notes.push(`ensemble without ${missing.join(', ')} (no forecast for this series)`)
  return out
}
