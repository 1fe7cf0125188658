// The writer's TabSeparated encoding: one line per row in EVENT_COLUMNS order, special characters escaped,
// timestamps exactly as chDateTime formats them (the bulk encoder caches minute prefixes).
import { describe, expect, it } from 'vitest'
import { chDateTime, EVENT_COLUMNS, encodeEventsTsv } from '../../transform/writer.ts'
import { anEventRow } from '../support/rows.ts'

describe('encodeEventsTsv', () => {
  it('writes one line per row with a field per column, escaping backslash, tab, newline, CR and NUL', () => {
    const row = anEventRow({ title: 'a\tb\nc\\d\re\0f', props: { "it's": 'x\ty' } })
    const text = encodeEventsTsv([row, anEventRow()])
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
      const fields = encodeEventsTsv([anEventRow({ ts, received_at: ts + 7 })]).split('\t')
      expect([fields[4], fields[5]]).toEqual([chDateTime(ts), chDateTime(ts + 7)])
    }
  })

  it('encodes nothing for no rows', () => {
    expect(encodeEventsTsv([])).toBe('')
  })
})
