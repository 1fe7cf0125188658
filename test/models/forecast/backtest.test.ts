import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  backtestForecast,
  buildSeries,
  chooseMethod,
  dayNumber,
  type FoldForecasts,
  type MethodName,
  pooledMethod,
  type Series,
} from '../../../models/forecast/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { aDailySeries, TINY_MODEL } from './builders.ts'

// These tests train real networks: on a shared 2-core machine one can take a minute (20 s is the unit default).
vi.setConfig({ testTimeout: 180_000 })

let tf: Tf
beforeAll(async () => {
  ;({ tf } = await initTf({ backend: 'wasm', log: () => {} }))
})

const threeSeries = () => [
  aDailySeries({ id: 'a', days: 160, seed: 1 }),
  aDailySeries({ id: 'b', days: 160, seed: 2, level: 50, weekly: 0.1 }),
  aDailySeries({ id: 'c', days: 160, seed: 3, level: 5000, trend: 0.003 }),
]

/** Replaces every value at or after absolute step `from` (the "future" of the folds before it). */
function scrambleFrom(series: Series[], from: number): Series[] {
  return series.map((s) => ({ ...s, values: s.values.map((v, i) => (s.start + i >= from ? v * 7 + 13 : v)) }))
}

/** A small daily backtest (2 scored folds + 1 for selection) with every fold's forecasts collected. */
async function backtestFolds(series: Series[]) {
  const folds: FoldForecasts[] = []
  const r = await backtestForecast(series, {
    freq: 'daily',
    horizon: 14,
    folds: 2,
    selectionFolds: 1,
    tf,
    model: TINY_MODEL,
    onFold: (f) => folds.push(f),
  })
  return { folds, r }
}

describe('backtestForecast', () => {
  it('never lets a fold see its future: changing data after an origin leaves that fold and earlier ones unchanged', async () => {
    const run = async (series: Series[]) => (await backtestFolds(series)).folds
    const original = threeSeries()
    const before = await run(original)
    expect(before).toHaveLength(3)
    // Every method of every fold saw only history strictly before the fold's origin.
    for (const f of before) for (const c of f.cut.values()) expect(c.historyEnd).toBeLessThanOrEqual(c.origin)
    const secondOrigin = before[1]!.cut.get('a')!.origin
    const after = await run(scrambleFrom(original, secondOrigin))
    expect(after[0]!.forecasts).toEqual(before[0]!.forecasts)
    expect(after[1]!.forecasts).toEqual(before[1]!.forecasts) // its targets changed, its forecasts must not
    expect(after[2]!.forecasts).not.toEqual(before[2]!.forecasts) // the test can tell a difference
    expect(Object.keys(after[1]!.forecasts.get('a') ?? {}).sort()).toEqual([
      'ensemble',
      'model',
      'naive',
      'seasonal_naive',
      'weekday_mean_8w',
    ])
  })

  it("weighs the ensemble of a fold only by the folds before it (never by that fold's own actuals)", async () => {
    const run = backtestFolds
    const original = threeSeries()
    const before = await run(original)
    const w = before.folds.map((f) => f.ensembleWeights)
    // The first fold has no earlier fold: equal weights.
    for (const m of ['model', 'seasonal_naive', 'weekday_mean_8w', 'naive'] as const)
      expect(w[0]?.[m]).toBe(0.25)
    expect(w[1]).not.toEqual(w[0])
    // Change the actuals of the second fold (and after): its weights and forecasts stay, the third fold's move.
    const [, second, third] = before.folds as [FoldForecasts, FoldForecasts, FoldForecasts]
    const secondOrigin = second.cut.get('a')?.origin as number
    const after = await run(scrambleFrom(original, secondOrigin))
    expect(after.folds[1]?.ensembleWeights).toEqual(w[1])
    expect(after.folds[1]?.forecasts.get('b')?.ensemble).toEqual(second.forecasts.get('b')?.ensemble)
    expect(after.folds[2]?.ensembleWeights).not.toEqual(w[2])
    // The ensemble is the weighted mean of the members with exactly those weights.
    const per = third.forecasts.get('a') ?? {}
    const w2 = w[2] ?? {}
    const expected = (['model', 'seasonal_naive', 'weekday_mean_8w', 'naive'] as const).reduce(
      (a, m) => a + (w2[m] as number) * (per[m]?.p50[0] as number),
      0,
    )
    expect(per.ensemble?.p50[0]).toBeCloseTo(expected, 6)
    // The ensemble is the default incumbent, and the weights to serve come from every fold.
    expect(Object.values(before.r.served.per_series).map((s) => s.method)).toContain('ensemble')
    const served = before.r.ensemble_weights ?? {}
    expect(Object.values(served).reduce((a, b) => a + (b ?? 0), 0)).toBeCloseTo(1, 3)
  })

  it('compares every method on the same folds and serves one method per series, without NaN', async () => {
    const r = await backtestForecast(threeSeries(), {
      freq: 'daily',
      horizon: 14,
      folds: 2,
      tf,
      model: TINY_MODEL,
    })
    expect(r.folds).toBe(2)
    for (const m of ['model', 'seasonal_naive', 'weekday_mean_8w', 'naive'] as const) {
      expect(r.methods[m]?.n).toBe(6)
      expect(r.methods[m]?.mase).toBeGreaterThan(0)
      expect(r.methods[m]?.coverage).toBeGreaterThanOrEqual(0)
    }
    expect(r.served.overall?.n).toBe(6)
    expect(Object.keys(r.served.per_series)).toEqual(['a', 'b', 'c'])
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/)
  })

  it('gives short, gappy and all-zero series a baseline and a note instead of a crash', async () => {
    const start = dayNumber(2024, 1, 1)
    const long = aDailySeries({ id: 'long', days: 120, seed: 5 })
    const short = buildSeries(
      'three-days',
      'daily',
      [0, 1, 2].map((i) => ({ t: long.start + 117 + i, value: 5 + i })),
    )
    const zeros = buildSeries(
      'zeros',
      'daily',
      Array.from({ length: 120 }, (_, i) => ({ t: start + i, value: 0 })),
    )
    const gappy = buildSeries(
      'gappy',
      'daily',
      Array.from({ length: 120 }, (_, i) => ({ t: start + i, value: 100 + (i % 7) * 10 })).filter(
        (_, i) => i % 5 !== 2,
      ),
    )
    const r = await backtestForecast([long, short, zeros, gappy], {
      freq: 'daily',
      horizon: 7,
      folds: 2,
      tf,
      model: TINY_MODEL,
    })
    const json = JSON.stringify(r)
    expect(json).not.toMatch(/NaN|Infinity/)
    expect(r.served.per_series['three-days']?.method).toBe('naive')
    expect(r.served.per_series['three-days']?.notes.join()).toMatch(
      /model not used: history shorter than the model's lookback|too short/,
    )
    expect(r.served.per_series.zeros?.notes.join()).toMatch(/all values are zero/)
    expect(r.served.per_series.gappy?.notes.join()).toMatch(/missing days .* filled by interpolation/)
    expect(r.served.per_series.gappy?.method).not.toBeNull()
    const empty = await backtestForecast([buildSeries('none', 'daily', [])], {
      freq: 'daily',
      horizon: 7,
      folds: 2,
      tf,
      model: TINY_MODEL,
    })
    expect(empty.served.per_series.none).toMatchObject({
      method: null,
      notes: ['no observations', 'no data: nothing to forecast'],
    })
  })

  it('runs baselines only when the model is switched off', async () => {
    const r = await backtestForecast(threeSeries(), { freq: 'daily', horizon: 7, folds: 1, model: false })
    expect(r.methods.model).toBeNull()
    expect(r.methods.ensemble).toBeNull()
    expect(r.ensemble_weights).toBeNull()
    expect(r.methods.seasonal_naive?.n).toBe(3)
    expect(r.served.overall?.methods_used.model).toBeUndefined()
  })
})

describe('chooseMethod', () => {
  const rec = (id: string, mase: Partial<Record<MethodName, number>>) => ({
    scores: new Map([
      [id, Object.fromEntries(Object.entries(mase).map(([k, v]) => [k, { mase: v, smape: v * 10 }]))],
    ]),
  })
  const all: MethodName[] = ['model', 'seasonal_naive', 'weekday_mean_8w', 'naive']

  it('keeps the model without a track record or when a baseline wins only by noise', () => {
    expect(chooseMethod([], 'a', all).method).toBe('model')
    expect(chooseMethod([rec('a', { model: 2, naive: 1 })], 'a', all).method).toBe('model') // one fold is not evidence
    const mixed = [
      rec('a', { model: 1, naive: 0.5 }),
      rec('a', { model: 1, naive: 1.2 }),
      rec('a', { model: 1, naive: 1.1 }),
    ]
    expect(chooseMethod(mixed, 'a', all).method).toBe('model') // better mean, but lost most folds
  })

  it('falls back to the baseline that clearly and consistently beat the model', () => {
    const records = [
      rec('a', { model: 2, seasonal_naive: 1, naive: 1.5 }),
      rec('a', { model: 2, seasonal_naive: 1.2, naive: 1.4 }),
      rec('a', { model: 1, seasonal_naive: 1.1, naive: 1.4 }),
    ]
    const c = chooseMethod(records, 'a', all)
    expect(c.method).toBe('seasonal_naive')
    expect(c.reason).toMatch(/seasonal_naive beat the model on 2 of 3 folds \(mean MASE 1\.100 vs 1\.667\)/)
    // Two folds are not enough evidence, and neither is a 10 % edge.
    expect(chooseMethod(records.slice(0, 2), 'a', all).method).toBe('model')
    const close = [1, 2, 3].map(() => rec('a', { model: 1, seasonal_naive: 0.88 }))
    expect(chooseMethod(close, 'a', all).method).toBe('model')
  })

  it('takes the pooled winner over all series as the default, and a series leaves it only on strong evidence', () => {
    const records = [
      {
        scores: new Map([
          ['a', { model: { mase: 2, smape: 1 }, seasonal_naive: { mase: 1, smape: 1 } }],
          ['b', { model: { mase: 1.5, smape: 1 }, seasonal_naive: { mase: 1, smape: 1 } }],
        ]),
      },
      {
        scores: new Map([
          ['a', { model: { mase: 2, smape: 1 }, seasonal_naive: { mase: 1, smape: 1 } }],
          ['b', { model: { mase: 0.5, smape: 1 }, seasonal_naive: { mase: 1, smape: 1 } }],
        ]),
      },
    ]
    const both: MethodName[] = ['model', 'seasonal_naive']
    expect(pooledMethod(records, both)).toBe('seasonal_naive')
    expect(chooseMethod(records, 'a', both, 'seasonal_naive').method).toBe('seasonal_naive')
    // b: the model won one fold and lost one — not enough to leave the default.
    expect(chooseMethod(records, 'b', both, 'seasonal_naive').method).toBe('seasonal_naive')
    expect(chooseMethod(records, 'b', both, 'seasonal_naive', { margin: 0.1, minFolds: 3 }).method).toBe(
      'seasonal_naive',
    )
  })

  it('keeps the ensemble as the incumbent where it exists, unless a single method clearly beat it', () => {
    const withEnsemble: MethodName[] = [...all, 'ensemble']
    expect(chooseMethod([], 'a', withEnsemble).method).toBe('ensemble')
    const close = [1, 2, 3].map(() => rec('a', { ensemble: 1, model: 0.9, naive: 1.1 }))
    expect(chooseMethod(close, 'a', withEnsemble).method).toBe('ensemble')
    const clear = [1, 2, 3].map(() => rec('a', { ensemble: 1, model: 0.7, naive: 1.1 }))
    expect(chooseMethod(clear, 'a', withEnsemble).method).toBe('model')
  })

  it('picks the best baseline when there is no model forecast', () => {
    const records = [rec('a', { seasonal_naive: 1.3, weekday_mean_8w: 0.9, naive: 1 })]
    expect(chooseMethod(records, 'a', ['seasonal_naive', 'weekday_mean_8w', 'naive']).method).toBe(
      'weekday_mean_8w',
    )
  })
})
