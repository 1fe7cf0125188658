import { beforeAll, describe, expect, it } from 'vitest'
import { buildSeries, forecastAhead } from '../../../models/forecast/index.ts'
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
})
