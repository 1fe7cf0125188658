import { describe, expect, it } from 'vitest'
import { createFormatter } from '../../jobs/reports/format.ts'

describe('createFormatter', () => {
  const vi = createFormatter('vi')
  const en = createFormatter('en')

  it('formats numbers the Vietnamese and the British way', () => {
    expect(vi.int(1234567)).toBe('1.234.567')
    expect(en.int(1234567)).toBe('1,234,567')
    expect(vi.pct(0.3625)).toBe('36,3%')
    expect(en.pct(0.3625)).toBe('36.3%')
    expect(vi.pct(null)).toBe('–')
  })

  it('signs changes', () => {
    expect(vi.change(0.6)).toBe('+60%')
    expect(vi.change(-0.25)).toBe('-25%')
    expect(vi.change(0.052)).toBe('+5,2%')
    expect(en.change(null)).toBe('–')
  })

  it('writes durations in hours or minutes', () => {
    expect(vi.duration(6.4 * 3_600_000)).toBe('6,4 giờ')
    expect(en.duration(31 * 60_000)).toBe('31 minutes')
    expect(vi.duration(12 * 3_600_000)).toBe('12 giờ')
  })

  it('writes dates with Vietnamese diacritics, NFC', () => {
    const d = vi.date('2026-03-02')
    expect(d).toBe('Thứ Hai, 2 tháng 3, 2026')
    expect(d).toBe(d.normalize('NFC'))
    expect(en.date('2026-03-02')).toMatch(/^Monday,? 2 March 2026$/)
    expect(vi.hour(6)).toBe('06:00')
  })
})
