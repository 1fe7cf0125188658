import { describe, expect, it } from 'vitest'
import {
  calendarOf,
  dayNumber,
  holidayOn,
  isoDate,
  LUNAR_HOLIDAYS_2015_2030,
  lunarToSolar,
  vietnameseHolidays,
  weekdayOf,
} from '../../../models/forecast/index.ts'

const iso = (d: { year: number; month: number; day: number } | undefined) =>
  d && `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`

describe('Vietnamese lunar holidays', () => {
  it('the shipped 2015–2030 table matches the lunar calendar computation for every year', () => {
    expect(LUNAR_HOLIDAYS_2015_2030.map((r) => r.year)).toEqual(
      Array.from({ length: 16 }, (_, i) => 2015 + i),
    )
    for (const row of LUNAR_HOLIDAYS_2015_2030) {
      expect(iso(lunarToSolar(1, 1, row.year)), `Tết ${row.year}`).toBe(row.tet)
      expect(iso(lunarToSolar(10, 3, row.year)), `Giỗ Tổ ${row.year}`).toBe(row.hungKings)
    }
  })

  it('uses Vietnam time (UTC+7), not China time: Tết 2007 and 2030 differ from the Chinese New Year', () => {
    expect(iso(lunarToSolar(1, 1, 2007))).toBe('2007-02-17') // China: 2007-02-18
    expect(iso(lunarToSolar(1, 1, 2030))).toBe('2030-02-02') // China: 2030-02-03
  })

  it('lists the 2024 public holidays an editor would expect', () => {
    const h = vietnameseHolidays(2024)
    const byName = (n: string) => h.filter((x) => x.name === n).map((x) => x.date)
    expect(byName('tet')).toEqual([
      '2024-02-08',
      '2024-02-09',
      '2024-02-10',
      '2024-02-11',
      '2024-02-12',
      '2024-02-13',
      '2024-02-14',
    ])
    expect(byName('hung_kings')).toEqual(['2024-04-18'])
    expect(byName('reunification')).toEqual(['2024-04-30'])
    expect(byName('labour')).toEqual(['2024-05-01'])
    expect(byName('national')).toEqual(['2024-09-02'])
    expect(byName('new_year')).toEqual(['2024-01-01'])
  })

  it('computes years outside the table too', () => {
    expect(vietnameseHolidays(2031).find((x) => x.name === 'hung_kings')?.date).toBe('2031-04-01')
    expect(holidayOn(dayNumber(2031, 1, 23))?.label).toBe('Tết Nguyên Đán')
    expect(holidayOn(dayNumber(2031, 1, 29))).toBeUndefined()
  })
})

describe('calendar positions', () => {
  it('weekday is Monday = 0 and hourly steps map to local day and hour', () => {
    expect(weekdayOf(dayNumber(2024, 1, 1))).toBe(0) // a Monday
    expect(weekdayOf(dayNumber(2024, 9, 1))).toBe(6) // a Sunday
    const t = dayNumber(2024, 9, 2) * 24 + 7
    expect(calendarOf(t, 'hourly')).toEqual({ day: dayNumber(2024, 9, 2), hour: 7, weekday: 0 })
    expect(isoDate(dayNumber(2016, 2, 29))).toBe('2016-02-29')
  })
})
