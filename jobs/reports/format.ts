// Numbers, shares, durations and dates formatted with Intl for the report's language
// (vi-VN: 12.345 and "thứ Hai, 2 tháng 3, 2026"; en-GB: 12,345 and "Monday 2 March 2026").
import type { Lang } from './i18n.ts'

export interface Formatter {
  readonly locale: string
  int(n: number): string
  /** 1 decimal under 10, whole numbers above. */
  num(n: number): string
  /** A share 0..1 as a percentage. */
  pct(r: number | null | undefined, digits?: number): string
  /** A relative change (0.35 → "+35%"). */
  change(r: number | null | undefined): string
  /** Milliseconds as hours or minutes. */
  duration(ms: number): string
  seconds(s: number | null | undefined): string
  /** A Vietnam day as a long date. */
  date(day: string): string
  shortDate(day: string): string
  range(from: string, to: string): string
  /** An hour of day, "06:00". */
  hour(h: number): string
}

export const LOCALES: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' }

/**
 * @example createFormatter('vi').change(0.35) // "+35%"
 */
export function createFormatter(lang: Lang): Formatter {
  const locale = LOCALES[lang]
  const int = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })
  const dec1 = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  const pctFmt = (digits: number) =>
    new Intl.NumberFormat(locale, {
      style: 'percent',
      maximumFractionDigits: digits,
      minimumFractionDigits: 0,
    })
  const signed = new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: 0,
    signDisplay: 'exceptZero',
  })
  const signedSmall = new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  })
  const longDate = new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  })
  const shortDate = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric', timeZone: 'UTC' })
  const hours = new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'hour',
    unitDisplay: 'long',
    maximumFractionDigits: 0,
  })
  const hours1 = new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'hour',
    unitDisplay: 'long',
    maximumFractionDigits: 1,
  })
  const minutes = new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'minute',
    unitDisplay: 'long',
    maximumFractionDigits: 0,
  })
  const secs = new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'second',
    unitDisplay: 'short',
    maximumFractionDigits: 0,
  })
  const dayOf = (day: string) => new Date(`${day}T00:00:00Z`)
  const nfc = (s: string) => s.normalize('NFC')
  return {
    locale,
    int: (n) => nfc(int.format(Math.round(n))),
    num: (n) => nfc(Math.abs(n) < 10 ? dec1.format(n) : int.format(n)),
    pct: (r, digits = 1) =>
      r === null || r === undefined || !Number.isFinite(r) ? '–' : nfc(pctFmt(digits).format(r)),
    change: (r) =>
      r === null || r === undefined || !Number.isFinite(r)
        ? '–'
        : nfc((Math.abs(r) < 0.1 ? signedSmall : signed).format(r)),
    duration: (ms) => {
      const h = ms / 3_600_000
      if (h >= 10) return nfc(hours.format(h))
      if (h >= 1) return nfc(hours1.format(h))
      return nfc(minutes.format(ms / 60_000))
    },
    seconds: (s) => (s === null || s === undefined || !Number.isFinite(s) ? '–' : nfc(secs.format(s))),
    date: (day) => nfc(longDate.format(dayOf(day))),
    shortDate: (day) => nfc(shortDate.format(dayOf(day))),
    range: (from, to) => nfc(`${longDate.format(dayOf(from))} – ${longDate.format(dayOf(to))}`),
    hour: (h) => `${String(h).padStart(2, '0')}:00`,
  }
}
