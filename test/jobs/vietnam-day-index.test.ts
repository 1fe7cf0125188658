// Vietnam day numbers: the cheap form of vietnamDay for per-row work (the writer collects a batch's days).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dayOfIndex, vietnamDay, vietnamDayIndex } from '../../jobs/vietnam-time.ts'

describe('vietnamDayIndex / dayOfIndex', () => {
  it('name the same Vietnam day as vietnamDay for any instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_208_988_800_000, max: 10_413_791_999_999 }), (ms) => {
        expect(dayOfIndex(vietnamDayIndex(ms))).toBe(vietnamDay(ms))
      }),
      { numRuns: 2000 },
    )
  })

  it('turn the day at 00:00 Vietnam time (17:00 UTC the day before)', () => {
    const midnight = Date.parse('2026-11-26T17:00:00Z')
    expect(dayOfIndex(vietnamDayIndex(midnight - 1))).toBe('2026-11-26')
    expect(dayOfIndex(vietnamDayIndex(midnight))).toBe('2026-11-27')
    expect(vietnamDayIndex(midnight) - vietnamDayIndex(midnight - 1)).toBe(1)
  })
})
