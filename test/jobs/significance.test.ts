import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  binomialHalfTwoSided,
  compareCounts,
  compareRates,
  normalUpperTail,
  pValueText,
} from '../../jobs/reports/significance.ts'

describe('normalUpperTail', () => {
  it.each([
    [0, 0.5],
    [1.959964, 0.025],
    [3.290527, 0.0005],
    [-1.644854, 0.95],
  ])('Φ̄(%f) ≈ %f', (z, p) => {
    expect(normalUpperTail(z)).toBeCloseTo(p, 6)
  })
})

describe('binomialHalfTwoSided', () => {
  it('is exact on small n', () => {
    expect(binomialHalfTwoSided(0, 10)).toBeCloseTo(2 / 1024, 12)
    expect(binomialHalfTwoSided(5, 10)).toBe(1)
    expect(binomialHalfTwoSided(10, 10)).toBeCloseTo(2 / 1024, 12)
  })
})

describe('compareCounts', () => {
  it('flags a large change on enough volume', () => {
    const c = compareCounts(200, 320)
    expect(c.change).toBeCloseTo(0.6)
    expect(c.p).toBeLessThan(0.001)
    expect(c.z).toBeGreaterThan(4)
    expect(c.significant).toBe(true)
  })

  it('does not flag ordinary noise, small volumes, tiny effects or a missing base', () => {
    expect(compareCounts(790, 910).significant).toBe(false) // +15 %, p ≈ 0.005
    expect(compareCounts(3, 12).significant).toBe(false) // +300 % on 15 views
    expect(compareCounts(1_000_000, 1_050_000).significant).toBe(false) // significant but +5 %
    expect(compareCounts(0, 500).significant).toBe(false)
    expect(compareCounts(0, 0)).toMatchObject({ significant: false, p: 1 })
  })

  it('is symmetric: a fall is as significant as the same rise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (a, b) => {
        const up = compareCounts(a, b)
        const down = compareCounts(b, a)
        expect(up.p).toBeCloseTo(down.p, 9)
        expect(up.z).toBeCloseTo(-down.z, 9)
      }),
    )
  })
})

describe('compareRates', () => {
  it('compares two proportions', () => {
    const c = compareRates(200, 1000, 300, 1000)
    expect(c.previousRate).toBe(0.2)
    expect(c.currentRate).toBe(0.3)
    expect(c.significant).toBe(true)
    expect(compareRates(20, 100, 30, 100).significant).toBe(false) // too few trials
    expect(compareRates(0, 0, 5, 10).significant).toBe(false)
  })
})

it('writes p-values with the locale decimal separator', () => {
  expect(pValueText(0.0001, ',')).toBe('p < 0,001')
  expect(pValueText(0.0042)).toBe('p = 0.004')
})
