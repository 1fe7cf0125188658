import { describe, expect, it } from 'vitest'
import {
  baselineForecast,
  buildSeries,
  historyBefore,
  mase,
  maseScale,
  smape,
} from '../../../models/forecast/index.ts'
import { seeded } from './builders.ts'

describe('buildSeries', () => {
  it('fills gaps (flagged unobserved, with a note) and sums duplicates', () => {
    const s = buildSeries('a', 'daily', [
      { t: 10, value: 4 },
      { t: 13, value: 10 },
      { t: 11, value: 1 },
      { t: 11, value: 1 },
    ])
    expect(s.start).toBe(10)
    expect(s.values).toEqual([4, 2, 6, 10])
    expect(s.observed).toEqual([true, true, false, true])
    expect(s.notes.join(' ')).toMatch(/1 duplicate dates summed/)
    expect(s.notes.join(' ')).toMatch(/1 missing day .* filled by interpolation; not scored/)
    expect(
      buildSeries(
        'z',
        'daily',
        [
          { t: 1, value: 3 },
          { t: 3, value: 5 },
        ],
        { fill: 'zero' },
      ).values,
    ).toEqual([3, 0, 5])
    expect(historyBefore(s, 12).values).toEqual([4, 2])
  })
})

describe('baselines', () => {
  const week = [10, 20, 30, 40, 50, 60, 70]
  const hist = [...week.map((v) => v + 1), ...week]

  it('seasonal naive repeats last week, naive the last value, the 8-week mean averages the same weekday', () => {
    expect(baselineForecast('seasonal_naive', hist, 9, 'daily')?.p50).toEqual([
      10, 20, 30, 40, 50, 60, 70, 10, 20,
    ])
    expect(baselineForecast('naive', hist, 3, 'daily')?.p50).toEqual([70, 70, 70])
    const wm = baselineForecast('weekday_mean_8w', hist, 2, 'daily')
    expect(wm?.p50).toEqual([10.5, 20.5])
    expect(wm?.notes.join()).toMatch(/only 2 weeks of history/)
  })

  it('falls back to naive with a note for a 3-day history, and never returns NaN', () => {
    for (const name of ['seasonal_naive', 'weekday_mean_8w', 'naive'] as const) {
      const f = baselineForecast(name, [5, 0, 3], 7, 'daily')
      expect(f?.p50).toEqual(Array(7).fill(3))
      for (const a of [f?.p10, f?.p50, f?.p90]) expect(a?.every(Number.isFinite)).toBe(true)
    }
    expect(baselineForecast('seasonal_naive', [5, 0, 3], 7, 'daily')?.notes.join()).toMatch(
      /shorter than a week/,
    )
    expect(baselineForecast('naive', [], 7, 'daily')).toBeUndefined()
  })

  it("calibrates p10–p90 from the method's own past errors: about 80 % coverage on noisy data", () => {
    const rand = seeded(3)
    const series = Array.from({ length: 400 }, (_, i) =>
      Math.round(1000 * (1 + 0.3 * Math.sin((2 * Math.PI * i) / 7)) * Math.exp(0.3 * (rand() - 0.5))),
    )
    let inside = 0
    let total = 0
    for (let o = 200; o + 14 <= 400; o += 14) {
      const f = baselineForecast('seasonal_naive', series.slice(0, o), 14, 'daily')!
      for (let j = 0; j < 14; j++) {
        const a = series[o + j]!
        if (a >= f.p10[j]! && a <= f.p90[j]!) inside++
        total++
        expect(f.p10[j]!).toBeLessThanOrEqual(f.p50[j]!)
        expect(f.p90[j]!).toBeGreaterThanOrEqual(f.p50[j]!)
      }
    }
    expect(inside / total).toBeGreaterThan(0.65)
    expect(inside / total).toBeLessThan(0.95)
  })
})

describe('metrics', () => {
  it('sMAPE is on the 0–200 scale and 0 when actual and forecast are both 0', () => {
    expect(smape([0, 100], [0, 0])).toBe(100)
    expect(smape([100], [300])).toBe(100)
    expect(smape([1, 2], [5, 5], [false, false])).toBeUndefined()
  })

  it('MASE scale falls back to lag 1, and is undefined (not NaN) for a constant history', () => {
    expect(maseScale([1, 2, 3, 4, 5, 6, 7, 8], 7)).toBe(7)
    expect(maseScale([1, 2, 3], 7)).toBe(1)
    expect(maseScale([4, 4, 4, 4], 7)).toBeUndefined()
    expect(mase([1], [2], undefined)).toBeUndefined()
    expect(mase([10, 20], [12, 16], 2)).toBe(1.5)
  })
})
