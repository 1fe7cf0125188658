import { describe, expect, it } from 'vitest'
import { detectAnomaly, explainDeviation, flagAnomaly } from '../../../models/forecast/index.ts'

const band = { p10: 600, p50: 800, p90: 1000 }

describe('flagAnomaly', () => {
  it('flags actuals outside p10–p90 with their relative size; inside is not flagged', () => {
    expect(flagAnomaly(1500, band)).toEqual({
      flagged: true,
      direction: 'above',
      size: 0.5,
      sizeInBands: 1.25,
      deviation: 700,
    })
    expect(flagAnomaly(300, band)).toMatchObject({
      flagged: true,
      direction: 'below',
      size: 0.5,
      sizeInBands: 0.75,
      deviation: -500,
    })
    expect(flagAnomaly(1000, band)).toMatchObject({ flagged: false, direction: null, size: 0 })
    expect(flagAnomaly(5, { p10: 0, p50: 0, p90: 0 })).toMatchObject({
      flagged: true,
      size: 5,
      sizeInBands: null,
    })
  })
})

describe('likely driver', () => {
  it('names the referrer that contributes most to a spike (expected from usual shares)', () => {
    const r = detectAnomaly(1500, band, [
      { key: 'search', actual: 420, share: 0.5 },
      { key: 'social', actual: 900, share: 0.25 },
      { key: 'direct', actual: 180, share: 0.25 },
    ])
    expect(r.driver).toBe('social')
    expect(r.contributions[0]).toMatchObject({
      key: 'social',
      expected: 200,
      contribution: 700,
      shareOfDeviation: 1,
    })
  })

  it('names the article that fell the most in a drop (expected given per article)', () => {
    const r = detectAnomaly(300, band, [
      { key: 'a1', actual: 250, expected: 300 },
      { key: 'a2', actual: 50, expected: 450 },
      { key: 'a3', actual: 0, expected: 50 },
    ])
    expect(r.driver).toBe('a2')
    expect(r.contributions.map((c) => c.key)).toEqual(['a2', 'a1', 'a3'])
  })

  it('has no driver when not flagged or when no part moved in the direction of the deviation', () => {
    expect(detectAnomaly(900, band, [{ key: 'x', actual: 900, share: 1 }]).driver).toBeNull()
    expect(explainDeviation(100, 800, [{ key: 'x', actual: 10, expected: 20 }]).driver).toBeNull()
  })
})
