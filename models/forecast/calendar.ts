// Calendar features for forecasting Vietnamese news traffic: local (UTC+7) hour and weekday, and public
// holidays — solar ones (1/1, 30/4, 1/5, 2/9) and lunar ones (Tết Nguyên Đán, Giỗ Tổ Hùng Vương 10/3 âm lịch).
import { lunarToSolar } from './lunar-calendar.ts'

/** Days since 1970-01-01 of a local calendar date. */
export const dayNumber = (year: number, month: number, day: number) =>
  Date.UTC(year, month - 1, day) / 86_400_000

/** ISO date (YYYY-MM-DD) of a day number. */
export const isoDate = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10)

/** Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday). */
export const weekdayOf = (day: number) => (((day + 3) % 7) + 7) % 7

/**
 * Solar dates of the lunar holidays, 2015–2030: Tết (mùng 1 tháng Giêng) and Giỗ Tổ Hùng Vương (10/3 âm lịch).
 * Listed so they can be read and checked against a printed calendar; a test checks that
 * {@link lunarToSolar} reproduces every row, and years outside the table are computed.
 */
export const LUNAR_HOLIDAYS_2015_2030: ReadonlyArray<{ year: number; tet: string; hungKings: string }> = [
  { year: 2015, tet: '2015-02-19', hungKings: '2015-04-28' },
  { year: 2016, tet: '2016-02-08', hungKings: '2016-04-16' },
  { year: 2017, tet: '2017-01-28', hungKings: '2017-04-06' },
  { year: 2018, tet: '2018-02-16', hungKings: '2018-04-25' },
  { year: 2019, tet: '2019-02-05', hungKings: '2019-04-14' },
  { year: 2020, tet: '2020-01-25', hungKings: '2020-04-02' },
  { year: 2021, tet: '2021-02-12', hungKings: '2021-04-21' },
  { year: 2022, tet: '2022-02-01', hungKings: '2022-04-10' },
  { year: 2023, tet: '2023-01-22', hungKings: '2023-04-29' },
  { year: 2024, tet: '2024-02-10', hungKings: '2024-04-18' },
  { year: 2025, tet: '2025-01-29', hungKings: '2025-04-07' },
  { year: 2026, tet: '2026-02-17', hungKings: '2026-04-26' },
  { year: 2027, tet: '2027-02-06', hungKings: '2027-04-16' },
  { year: 2028, tet: '2028-01-26', hungKings: '2028-04-04' },
  { year: 2029, tet: '2029-02-13', hungKings: '2029-04-23' },
  // 2030: the new moon falls at 23:07 in Hà Nội but after midnight in Beijing, so Tết is 2/2 here, 3/2 in China.
  { year: 2030, tet: '2030-02-02', hungKings: '2030-04-12' },
]

/** The Tết days we flag: from 29 tháng Chạp (two days before mùng 1) to mùng 5 — the core of every year's official break. */
export const TET_FIRST_OFFSET = -2
export const TET_LAST_OFFSET = 4

export type HolidayName = 'new_year' | 'tet' | 'hung_kings' | 'reunification' | 'labour' | 'national'

export interface Holiday {
  date: string
  day: number
  name: HolidayName
  label: string
}

const parseIso = (s: string) =>
  dayNumber(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)))

function lunarDates(year: number): { tet: number; hungKings: number } {
  const listed = LUNAR_HOLIDAYS_2015_2030.find((r) => r.year === year)
  if (listed) return { tet: parseIso(listed.tet), hungKings: parseIso(listed.hungKings) }
  const t = lunarToSolar(1, 1, year)
  const h = lunarToSolar(10, 3, year)
  if (!t || !h) throw new Error(`lunar calendar: no date for year ${year}`)
  return { tet: dayNumber(t.year, t.month, t.day), hungKings: dayNumber(h.year, h.month, h.day) }
}

const holidayCache = new Map<number, Holiday[]>()

/** Vietnam's public holidays of one Gregorian year, in date order (Tết as one entry per flagged day). */
export function vietnameseHolidays(year: number): Holiday[] {
  const cached = holidayCache.get(year)
  if (cached) return cached
  const out: Holiday[] = []
  const add = (day: number, name: HolidayName, label: string) =>
    out.push({ date: isoDate(day), day, name, label })
  add(dayNumber(year, 1, 1), 'new_year', 'Tết Dương lịch')
  // Tết of this lunar year, and the end of next year's pre-Tết days that can fall in late December? Never: Tết
  // is between 21/1 and 20/2, so its flagged days (−2 … +4) always stay inside one Gregorian year.
  const { tet, hungKings } = lunarDates(year)
  for (let d = TET_FIRST_OFFSET; d <= TET_LAST_OFFSET; d++) add(tet + d, 'tet', 'Tết Nguyên Đán')
  add(hungKings, 'hung_kings', 'Giỗ Tổ Hùng Vương')
  add(dayNumber(year, 4, 30), 'reunification', 'Ngày Giải phóng miền Nam')
  add(dayNumber(year, 5, 1), 'labour', 'Ngày Quốc tế Lao động')
  add(dayNumber(year, 9, 2), 'national', 'Quốc khánh')
  out.sort((a, b) => a.day - b.day)
  holidayCache.set(year, out)
  return out
}

/** The holiday falling on a day number, if any. */
export function holidayOn(day: number): Holiday | undefined {
  const year = new Date(day * 86_400_000).getUTCFullYear()
  return vietnameseHolidays(year).find((h) => h.day === day)
}

export type Freq = 'daily' | 'hourly'

/** Local calendar position of step `t` (a day number for daily, an hour number for hourly series). */
export function calendarOf(t: number, freq: Freq): { day: number; hour: number; weekday: number } {
  const day = freq === 'daily' ? t : Math.floor(t / 24)
  const hour = freq === 'daily' ? 0 : t - day * 24
  return { day, hour, weekday: weekdayOf(day) }
}

/** Steps per day / per week for a frequency. */
export const stepsPerDay = (freq: Freq) => (freq === 'daily' ? 1 : 24)
export const stepsPerWeek = (freq: Freq) => 7 * stepsPerDay(freq)

/** Human-readable label of a step, for notes and tables. */
export function stepLabel(t: number, freq: Freq): string {
  const { day, hour } = calendarOf(t, freq)
  return freq === 'daily' ? isoDate(day) : `${isoDate(day)} ${String(hour).padStart(2, '0')}:00`
}
