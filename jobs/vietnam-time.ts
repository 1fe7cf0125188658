// Vietnam calendar arithmetic for jobs and reports. Asia/Ho_Chi_Minh is UTC+7 with no daylight saving
// (since 1975), so a fixed offset is exact and keeps these helpers pure and fast.

export const VIETNAM_TZ = 'Asia/Ho_Chi_Minh'
const OFFSET_MS = 7 * 3_600_000
const DAY_MS = 86_400_000
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

/** The Vietnam calendar day (`YYYY-MM-DD`) containing the instant. */
export function vietnamDay(at: Date | number): string {
  return new Date(+at + OFFSET_MS).toISOString().slice(0, 10)
}

/** Whole Vietnam days since 1970-01-01 of the instant: cheap to compare and collect; {@link dayOfIndex} prints one. */
export function vietnamDayIndex(ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS)
}

/** The `YYYY-MM-DD` of a {@link vietnamDayIndex}. */
export function dayOfIndex(index: number): string {
  return new Date(index * DAY_MS).toISOString().slice(0, 10)
}

/** The instant of 00:00 Vietnam time on `day`. */
export function vietnamMidnight(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - OFFSET_MS)
}

/** `day` shifted by `n` calendar days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS)
}

/** Vietnam hour of day (0–23) of the instant. */
export function vietnamHour(at: Date | number): number {
  return new Date(+at + OFFSET_MS).getUTCHours()
}

/** Day of week of a calendar day: 0 = Sunday … 6 = Saturday. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay()
}
