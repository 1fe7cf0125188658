import { beforeAll, describe, expect, it } from 'vitest'
import { baselineForecast, buildSeries, forecastAhead } from '../../../models/forecast/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { aDailySeries, TINY_MODEL } from './builders.ts'

let tf: Tf
beforeAll(async () => {
  ;({ tf } = await initTf({ backend: 'wasm', log: () => {} }))
})

describe('forecastAhead', () => {
  it('serves each series with its backtest method and falls back with a note where that cannot work', async () => {
    const a = aDailySeries({ id: 'a', days: 90, seed: 1 })
    const b = aDailySeries({ id: 'b', days: 90, seed: 2 })
    const short = buildSeries(
      'short',
      'daily',
      [0, 1, 2].map((i) => ({ t: a.start + 87 + i, value: 10 })),
    )
    const out = await forecastAhead([a, b, short, buildSeries('empty', 'daily', [])], {
      freq: 'daily',
      horizon: 7,
      tf,
      model: TINY_MODEL,
      methods: { a: 'model', b: 'weekday_mean_8w' },
    })
    expect(out.map((f) => [f.id, f.method])).toEqual([
      ['a', 'model'],
      ['b', 'weekday_mean_8w'],
      ['short', 'naive'],
    ])
    expect(out[0]?.start).toBe(a.start + 90)
    expect(out[2]?.p50).toEqual(Array(7).fill(10))
    expect(out[2]?.notes.join(' ')).toMatch(/model unavailable .*served naive instead of model/)
    for (const f of out)
      for (const arr of [f.p10, f.p50, f.p90]) expect(arr.every(Number.isFinite)).toBe(true)
  })

  it('serves the ensemble as the weighted mean of the model and the baselines, baselines alone where the model cannot', async () => {
    const a = aDailySeries({ id: 'a', days: 90, seed: 1 })
    const short = buildSeries(
      'short',
      'daily',
      Array.from({ length: 10 }, (_, i) => ({ t: a.start + 80 + i, value: 10 + i })),
    )
    const weights = { model: 0.4, seasonal_naive: 0.3, weekday_mean_8w: 0.2, naive: 0.1 }
    const opts = { freq: 'daily' as const, horizon: 7, tf, model: TINY_MODEL }
    const [model] = await forecastAhead([a], { ...opts, methods: { a: 'model' } })
    const out = await forecastAhead([a, short], {
      ...opts,
      methods: { a: 'ensemble', short: 'ensemble' },
      ensembleWeights: weights,
    })
    expect(out.map((f) => f.method)).toEqual(['ensemble', 'ensemble'])
    const base = (name: 'seasonal_naive' | 'weekday_mean_8w' | 'naive', s = a) =>
      baselineForecast(name, s.values, 7, 'daily', { observed: s.observed })?.p50 ?? []
    const at = (xs: number[] | undefined, j: number) => xs?.[j] as number
    for (let j = 0; j < 7; j++) {
      const expected =
        0.4 * at(model?.p50, j) +
        0.3 * at(base('seasonal_naive'), j) +
        0.2 * at(base('weekday_mean_8w'), j) +
        0.1 * at(base('naive'), j)
      expect(out[0]?.p50[j]).toBeCloseTo(expected, 6)
    }
    // Ten days: shorter than the model's lookback, so the baselines carry the ensemble, renormalised.
    expect(out[1]?.p50[0]).toBeCloseTo(
      (0.3 * at(base('seasonal_naive', short), 0) +
        0.2 * at(base('weekday_mean_8w', short), 0) +
        0.1 * at(base('naive', short), 0)) /
        0.6,
      6,
    )
    expect(out[1]?.notes.join(' ')).toMatch(/ensemble without model.*model unavailable/)
    // Without weights the ensemble cannot be served: the seasonal naive, with a note.
    const [noWeights] = await forecastAhead([a], { ...opts, methods: { a: 'ensemble' } })
    expect(noWeights?.method).toBe('seasonal_naive')
    expect(noWeights?.notes.join(' ')).toMatch(
      /ensemble weights missing.*served seasonal_naive instead of ensemble/,
    )
  })
})
