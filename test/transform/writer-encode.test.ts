// The writer's TabSeparated encoding: one line per row in EVENT_COLUMNS order, special characters escaped,
// timestamps exactly as chDateTime formats them. The byte encoder (cached field bytes, digits and timestamps
// written in place) is checked against the plain string encoding it replaced, on generated rows.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tsvEscape as tsv, tsvMap } from '../../transform/tsv-bytes.ts'
import { chDateTime, EVENT_COLUMNS, type EventRow, encodeEventsTsv } from '../../transform/writer.ts'
import { anEventRow } from '../support/rows.ts'

/** The earlier encoder: a template string per row, joined. The byte encoder must write the same text. */
function reference(rows: readonly EventRow[], token = ''): string {
  const lines = rows.map((r) => {
    const strings = (...fields: string[]) => fields.map(tsv)
    return [
      ...strings(r.event_id),
      String(r.schema_version),
      ...strings(r.type, r.name),
      chDateTime(r.ts),
      chDateTime(r.received_at),
      ...strings(r.agency_id, r.site_id, r.url, r.path, r.title, r.article_id, r.section, r.referrer),
      ...strings(r.referrer_host, r.referrer_class, r.referrer_source, r.utm_source, r.utm_medium),
      ...strings(r.utm_campaign, r.utm_content, r.utm_term, r.visitor_id),
      r.consented ? '1' : '0',
      ...strings(r.session_id),
      String(r.session_page),
      String(r.engaged_ms),
      String(r.scroll_pct),
      tsvMap(r.props),
      ...strings(r.device, r.os, r.browser),
      r.is_bot ? '1' : '0',
      ...strings(r.bot_kind, r.country, r.province, token),
    ].join('\t')
  })
  return lines.length ? `${lines.join('\n')}\n` : ''
}

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', 'Đà Lạt mùa hoa', 'a\tb', 'c\\d', 'x\ny\r\0', "it's", 'https://a1.vn/x?y=1'),
)
const row = fc.record({
  event_id: text,
  title: text,
  url: text,
  section: text,
  visitor_id: text,
  session_id: text,
  province: text,
  ts: fc.integer({ min: 0, max: 253_402_300_799_999 }),
  received_at: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constant(1.5)),
  session_page: fc.nat({ max: 70_000 }),
  engaged_ms: fc.oneof(fc.nat(), fc.constant(2 ** 40)),
  scroll_pct: fc.nat({ max: 100 }),
  consented: fc.boolean(),
  props: fc.dictionary(text, text, { maxKeys: 3 }),
})

describe('encodeEventsTsv', () => {
  it('writes one line per row with a field per column, escaping backslash, tab, newline, CR and NUL', () => {
    const row = anEventRow({ title: 'a\tb\nc\\d\re\0f', props: { "it's": 'x\ty' } })
    const text = encodeEventsTsv([row, anEventRow()]).toString('utf8')
    const lines = text.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe('')
    const fields = (lines[0] ?? '').split('\t')
    expect(fields).toHaveLength(EVENT_COLUMNS.length)
    expect(fields[EVENT_COLUMNS.indexOf('title')]).toBe('a\\tb\\nc\\\\d\\re\\0f')
    expect(fields[EVENT_COLUMNS.indexOf('props')]).toBe("{'it\\'s':'x\\ty'}")
    expect(fields[EVENT_COLUMNS.indexOf('event_id')]).toBe(row.event_id)
  })

  it('formats timestamps exactly like chDateTime, across minute boundaries and past the prefix cache size', () => {
    const base = Date.parse('2026-11-20T23:59:59.999Z')
    const instants = [0, 999, 59_999, 60_000, base, base + 1, 253_402_300_799_999]
    for (let i = 0; i < 3000; i++) instants.push(base + i * 60_000 + (i % 1000))
    for (const ts of instants) {
      const fields = encodeEventsTsv([anEventRow({ ts, received_at: ts + 7 })])
        .toString('utf8')
        .split('\t')
      expect([fields[4], fields[5]]).toEqual([chDateTime(ts), chDateTime(ts + 7)])
    }
  })

  it('writes the same text as a plain string encoding, for any strings, numbers and maps', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), text, (over, token) => {
        const rows = over.map((o) => anEventRow(o))
        expect(encodeEventsTsv(rows, token).toString('utf8')).toBe(reference(rows, token))
      }),
      { numRuns: 500 },
    )
  })

  it('keeps each repeated field the same when its cached bytes are reused across batches', () => {
    const rows = Array.from({ length: 300 }, (_, i) =>
      anEventRow({ title: `Tin số ${i % 7}`, url: `u${i % 3}` }),
    )
    const first = encodeEventsTsv(rows, 'tok').toString('utf8')
    expect(encodeEventsTsv(rows, 'tok').toString('utf8')).toBe(first)
    expect(first).toBe(reference(rows, 'tok'))
  })

  it('encodes nothing for no rows', () => {
    expect(encodeEventsTsv([]).length).toBe(0)
  })
})
