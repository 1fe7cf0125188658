import { describe, expect, it } from 'vitest'
import { combineForecasts, ENSEMBLE_MEMBERS, ensembleWeights } from '../../../models/forecast/index.ts'

const flat = (v: number, h = 3) => ({
  p10: Array(h).fill(v - 1),
  p50: Array(h).fill(v),
  p90: Array(h).fill(v + 1),
  notes: [],
})

describe('ensembleWeights', () => {
  it('weighs each member by the inverse of its mean MASE over the records where every member was scored', () => {
    const w = ensembleWeights(
      [
        { model: { mase: 0.5 }, naive: { mase: 2 } },
        { model: { mase: 1.5 }, naive: { mase: 2 } },
        { model: { mase: 100 } }, // naive missing: not a comparison, left out
      ],
      ['model', 'naive'],
    )
    // Means 1 and 2 → weights 1 : 1/2.
    expect(w.model).toBeCloseTo(2 / 3, 12)
    expect(w.naive).toBeCloseTo(1 / 3, 12)
  })

  it('is equal across members without evidence (the first fold) and always sums to 1', () => {
    const none = ensembleWeights([])
    for (const m of ENSEMBLE_MEMBERS) expect(none[m]).toBeCloseTo(1 / ENSEMBLE_MEMBERS.length, 12)
    const some = ensembleWeights([
      {
        model: { mase: 0.8 },
        seasonal_naive: { mase: 1.1 },
        weekday_mean_8w: { mase: 1.3 },
        naive: { mase: 1.7 },
      },
    ])
    expect(ENSEMBLE_MEMBERS.reduce((a, m) => a + (some[m] ?? 0), 0)).toBeCloseTo(1, 12)
    expect(some.model).toBeGreaterThan(some.naive as number)
  })
})

describe('combineForecasts', () => {
  it('averages each quantile with the weights', () => {
    const f = combineForecasts({ model: flat(10), naive: flat(20) }, { model: 0.75, naive: 0.25 }, 3)
    expect(f?.p50).toEqual([12.5, 12.5, 12.5])
    expect(f?.p10).toEqual([11.5, 11.5, 11.5])
    expect(f?.p90).toEqual([13.5, 13.5, 13.5])
    expect(f?.notes).toEqual([])
  })

  it('renormalises over the members that forecast the series, with a note, and gives up with none', () => {
    const f = combineForecasts(
      { naive: flat(20), seasonal_naive: flat(40) },
      { model: 0.5, naive: 0.25, seasonal_naive: 0.25 },
      3,
    )
    expect(f?.p50).toEqual([30, 30, 30])
    expect(f?.notes.join()).toMatch(/ensemble without model/)
    expect(combineForecasts({ naive: flat(20) }, { model: 1 }, 3)).toBeUndefined()
  })
})
