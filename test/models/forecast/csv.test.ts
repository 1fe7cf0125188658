import { describe, expect, it } from 'vitest'
import {
  CsvImportError,
  dayNumber,
  parseCsv,
  parseStep,
  readSeriesCsv,
} from '../../../models/forecast/index.ts'

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes, newlines, CRLF and a BOM', () => {
    const text =
      '\ufeffPage,date,value\r\n"Philip, Duke of Edinburgh",2016-01-01,5\r\n"say ""hi""\nthere",2016-01-02,6\n'
    expect(parseCsv(text)).toEqual([
      ['Page', 'date', 'value'],
      ['Philip, Duke of Edinburgh', '2016-01-01', '5'],
      ['say "hi"\nthere', '2016-01-02', '6'],
    ])
  })

  it('rejects an unterminated quote naming the line', () => {
    expect(() => parseCsv('a,b\n"x,1\n')).toThrow(/line 2: a quoted field is never closed/)
  })
})

describe('readSeriesCsv', () => {
  const csv = (rows: string[]) => ['site,date,views', ...rows].join('\n')
  const opts = { dateCol: 'date', valueCol: 'views', seriesCol: 'site', freq: 'daily' as const }

  it('groups observations by series and converts dates to day numbers', () => {
    const r = readSeriesCsv(csv(['a,2024-01-01,5', 'b,2024-01-01,7', 'a,2024-01-02,6']), opts)
    expect(r.rows).toBe(3)
    expect(r.bySeries.get('a')?.map((p) => [p.t, p.value])).toEqual([
      [dayNumber(2024, 1, 1), 5],
      [dayNumber(2024, 1, 2), 6],
    ])
  })

  it('names the bad row: a value that is not a number, an impossible date, a short row', () => {
    const rows = Array.from({ length: 16 }, (_, i) => `a,2024-01-${String(i + 1).padStart(2, '0')},${i}`)
    expect(() => readSeriesCsv(csv([...rows, 'a,2024-01-17,abc']), opts)).toThrow(
      "row 17: value 'abc' is not a number",
    )
    expect(() => readSeriesCsv(csv(['a,2024-02-30,1']), opts)).toThrow(
      "row 1: date '2024-02-30' is not a real calendar date/time",
    )
    expect(() => readSeriesCsv(csv(['a,2024-02-03,1', 'a,2024-02-04']), opts)).toThrow(
      'row 2: has 2 fields, the header has 3',
    )
    expect(() => readSeriesCsv(csv(['a,2024-02-03,1,234']), opts)).toThrow(CsvImportError)
    expect(() => readSeriesCsv(csv(['a,2024-02-03,']), opts)).toThrow("row 1: value '' is not a number")
    expect(() => readSeriesCsv(csv(['a,03/02/2024,1']), opts)).toThrow(
      /row 1: date '03\/02\/2024' is not an ISO date/,
    )
    expect(() => readSeriesCsv(csv(['a,2024-02-03,1']), { ...opts, valueCol: 'value' })).toThrow(
      /column 'value' \(--value-col\) is not in the header/,
    )
  })

  it('moves zoned timestamps to Vietnam time and refuses date-only rows for hourly series', () => {
    const h = parseStep('2024-01-01T17:00:00Z', 'hourly')
    expect(h).toBe(dayNumber(2024, 1, 2) * 24) // 17:00 UTC = 00:00 next day in Hà Nội
    expect(parseStep('2024-01-01T17:00:00+07:00', 'hourly')).toBe(dayNumber(2024, 1, 1) * 24 + 17)
    expect(parseStep('2024-01-01 23:30', 'daily')).toBe(dayNumber(2024, 1, 1))
    expect(parseStep('2024-01-01', 'hourly')).toMatch(/no time of day/)
  })
})
