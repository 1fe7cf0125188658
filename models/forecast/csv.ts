// A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF, BOM) and the typed import of time series
// from it. Bad rows are rejected naming the row, never skipped silently.
import type { Freq } from './calendar.ts'

/** A CSV file could not be turned into series; the message names the row and the column. */
export class CsvImportError extends Error {
  override readonly name = 'CsvImportError'
  readonly code = 'CSV_IMPORT'
  readonly retry = false
}

/** Splits CSV text into records of fields. Newlines inside quoted fields are kept. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  let quoteLine = 0
  const endRow = () => {
    row.push(field)
    field = ''
    if (!(row.length === 1 && row[0] === '')) rows.push(row)
    row = []
  }
  for (; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else {
        if (c === '\n') line++
        field += c
      }
    } else if (c === '"' && field === '') {
      quoted = true
      quoteLine = line
    } else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      line++
      endRow()
    } else field += c
  }
  if (quoted) throw new CsvImportError(`line ${quoteLine}: a quoted field is never closed`)
  if (field !== '' || row.length > 0) endRow()
  return rows
}

export interface SeriesCsvOptions {
  dateCol: string
  valueCol: string
  seriesCol?: string
  freq: Freq
  /** Offset of the local clock from UTC for timestamps with a zone (Vietnam: +420 minutes, no DST). */
  utcOffsetMinutes?: number
}

/** One observation: local step (day or hour number) and value, grouped by series id. */
export interface CsvObservations {
  bySeries: Map<string, Array<{ t: number; value: number; row: number }>>
  rows: number
}

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * Parses an ISO date or date-time into a local step number: days since 1970-01-01 (daily) or hours (hourly).
 * Timestamps with a zone are moved to local time; without one they are taken as local already.
 */
export function parseStep(text: string, freq: Freq, utcOffsetMinutes = 420): number | string {
  const m = DATE_RE.exec(text.trim())
  if (!m) return 'is not an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM])'
  const [, y, mo, d, hh, mi, ss, zone] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = hh === undefined ? 0 : Number(hh)
  const minute = mi === undefined ? 0 : Number(mi)
  const second = ss === undefined ? 0 : Number(ss)
  let ms = Date.UTC(year, month - 1, day, hour, minute, second)
  const back = new Date(Date.UTC(year, month - 1, day))
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return 'is not a real calendar date/time'
  }
  if (freq === 'hourly' && hh === undefined) return 'has no time of day, but --freq is hourly'
  if (zone !== undefined) {
    let offset = 0
    if (zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1
      const digits = zone.slice(1).replace(':', '')
      offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)))
    }
    ms += (utcOffsetMinutes - offset) * 60_000
  }
  return Math.floor(ms / (freq === 'daily' ? 86_400_000 : 3_600_000))
}

/** Strict number parsing: plain decimal (optionally with exponent); no empty strings, no "1,234", no "NaN". */
export function parseValue(text: string): number | undefined {
  const s = text.trim()
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return undefined
  const v = Number(s)
  return Number.isFinite(v) ? v : undefined
}

/**
 * Reads observations from CSV text with a header row. Throws {@link CsvImportError} naming the first bad row
 * (`row 17: value 'abc' is not a number`; rows are counted from the first data row, the line is given too).
 */
export function readSeriesCsv(text: string, opts: SeriesCsvOptions): CsvObservations {
  const records = parseCsv(text)
  const header = records[0]
  if (!header) throw new CsvImportError('the CSV file is empty')
  const names = header.map((h) => h.trim())
  const col = (name: string, flag: string) => {
    const i = names.indexOf(name)
    if (i < 0)
      throw new CsvImportError(`column '${name}' (${flag}) is not in the header: ${names.join(', ')}`)
    return i
  }
  const di = col(opts.dateCol, '--date-col')
  const vi = col(opts.valueCol, '--value-col')
  const si = opts.seriesCol === undefined ? -1 : col(opts.seriesCol, '--series-col')
  const bySeries = new Map<string, Array<{ t: number; value: number; row: number }>>()
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as string[]
    const where = `row ${r}`
    if (rec.length !== names.length) {
      throw new CsvImportError(`${where}: has ${rec.length} fields, the header has ${names.length}`)
    }
    const dateText = rec[di] as string
    const t = parseStep(dateText, opts.freq, opts.utcOffsetMinutes)
    if (typeof t === 'string') throw new CsvImportError(`${where}: date '${dateText}' ${t}`)
    const valueText = rec[vi] as string
    const value = parseValue(valueText)
    if (value === undefined) throw new CsvImportError(`${where}: value '${valueText}' is not a number`)
    const id = si < 0 ? 'series' : (rec[si] as string)
    if (si >= 0 && id.trim() === '') throw new CsvImportError(`${where}: series id is empty`)
    const list = bySeries.get(id)
    if (list) list.push({ t, value, row: r })
    else bySeries.set(id, [{ t, value, row: r }])
  }
  if (bySeries.size === 0) throw new CsvImportError('the CSV file has a header but no data rows')
  return { bySeries, rows: records.length - 1 }
}
