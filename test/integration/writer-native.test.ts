// The embedded engine's Native input against its TabSeparated input: the same generated rows written both ways
// read back identically, column for column — strings of every kind (multi-byte, specials, 128+ bytes), maps,
// timestamps, flags and counters at their limits.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventWriter, EVENT_COLUMNS, type EventRow } from '../../transform/writer.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'
import { anEventRow } from '../support/rows.ts'

const T0 = Date.parse('2026-11-20T01:00:00Z')

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
}, 120_000)
afterAll(async () => t?.cleanup())

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 70, maxLength: 140 }),
  fc.constantFrom('', 'Đà Lạt mùa hoa', 'a\tb', 'c\\d', 'x\ny\r\0', "it's", '{}', 'https://a1.vn/x?y=1'),
)
const row = fc.record({
  title: text,
  url: text,
  path: text,
  section: text,
  referrer: text,
  utm_campaign: text,
  visitor_id: text,
  session_id: text,
  province: text,
  name: text,
  ts: fc.integer({ min: T0 - 3 * 86_400_000, max: T0 }),
  received_at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  session_page: fc.nat({ max: 0xffff }),
  engaged_ms: fc.nat({ max: 0xffff_ffff }),
  scroll_pct: fc.nat({ max: 100 }),
  consented: fc.boolean(),
  is_bot: fc.boolean(),
  props: fc.dictionary(text, text, { maxKeys: 4 }),
})

/** Every written column of the agency's rows as text, in a stable order. */
async function stored(agency: string): Promise<string[]> {
  const cols = EVENT_COLUMNS.filter((c) => c !== 'agency_id' && c !== 'ingest_token')
  const got = await rows<Record<string, unknown>>(
    t.ch,
    `SELECT ${cols.map((c) => `toString(${c}) AS ${c}`).join(', ')}, toString(day) AS day FROM nhip.events
     WHERE agency_id = '${agency}' ORDER BY event_id`,
  )
  return got.map((r) => JSON.stringify(r))
}

describe('event writer: Native blocks on the embedded engine', () => {
  it('stores exactly what TabSeparated stores, for generated rows', async () => {
    const native = createEventWriter(t.ch, { format: 'Native' })
    const tsv = createEventWriter(t.ch, { format: 'TabSeparated' })
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (overs) => {
        run++
        const base = overs.map((o) =>
          anEventRow({ ...o, consented: o.consented ? 1 : 0, is_bot: o.is_bot ? 1 : 0 }),
        )
        const as = (agency: string): EventRow[] => base.map((r) => ({ ...r, agency_id: agency }))
        await native.writeEvents(as(`native-${run}`))
        await tsv.writeEvents(as(`tsv-${run}`))
        const [a, b] = [await stored(`native-${run}`), await stored(`tsv-${run}`)]
        expect(a).toHaveLength(base.length)
        expect(a).toEqual(b)
      }),
      { numRuns: 25, seed: 20261127 },
    )
  })

  it('writes more than one block per insert (blocks of 2 048 rows) and the rollups count every row', async () => {
    const writer = createEventWriter(t.ch, { format: 'Native' })
    const batch = Array.from({ length: 5000 }, (_, i) =>
      anEventRow({
        agency_id: 'blocks',
        ts: T0 + i * 1000,
        received_at: T0 + i * 1000 + 5,
        props: i % 7 ? {} : { i: String(i) },
      }),
    )
    expect(await writer.writeEvents(batch)).toEqual({ inserted: 5000, duplicates: 0 })
    const [c] = await rows<{ events: string; pageviews: string; with_props: string }>(
      t.ch,
      `SELECT (SELECT count() FROM nhip.events WHERE agency_id = 'blocks') AS events,
              (SELECT sum(pageviews) FROM nhip.rollup_site_hourly WHERE agency_id = 'blocks') AS pageviews,
              (SELECT countIf(props['i'] != '') FROM nhip.events WHERE agency_id = 'blocks') AS with_props`,
    )
    expect(c).toEqual({ events: '5000', pageviews: '5000', with_props: String(Math.ceil(5000 / 7)) })
  })
})
