// The event writer's insert mechanics on the real engine: TabSeparated rows round-trip every character, and
// replays — whole batches, overlapping batches, batches whose ts window holds far more stored rows than the
// batch — insert nothing twice, in `events` or in the rollups its materialized views feed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventWriter, type EventRow } from '../../transform/writer.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'
import { anEventRow, pageviews as pageviewRows } from '../support/rows.ts'

const T0 = Date.parse('2026-11-20T01:00:00Z')

/** `n` pageviews, one a second from `start`, spread over two sites. */
const pageviews = (n: number, start = T0): EventRow[] => pageviewRows(n, start)

async function counts(
  t: TestClickHouse,
): Promise<{ events: string; pageviews: string; sessions_pv: string }> {
  const [c] = await rows<{ events: string; pageviews: string; sessions_pv: string }>(
    t.ch,
    `SELECT (SELECT count() FROM nhip.events) AS events,
            (SELECT sum(pageviews) FROM nhip.rollup_site_hourly) AS pageviews,
            (SELECT sum(pageviews) FROM nhip.sessions) AS sessions_pv`,
  )
  if (!c) throw new Error('no counts')
  return c
}

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
}, 120_000)
afterAll(async () => t?.cleanup())

describe('event writer: bulk writes and their duplicate checks', () => {
  it('round-trips tabs, newlines, backslashes, quotes and Vietnamese text through TabSeparated', async () => {
    const writer = createEventWriter(t.ch)
    const tricky = anEventRow({
      ts: T0 - 86_400_000,
      title: 'Tab\there\nnew line \\ backslash \'quote\' "dq" — Đà Lạt mùa hoa',
      url: 'https://a1.vn/x?q=a\tb',
      props: { "k'ey": 'v\\al\tue\n', 'Đà Lạt': 'mùa hoa' },
      name: 'r\rcr\0nul',
    })
    expect(await writer.writeEvents([tricky])).toEqual({ inserted: 1, duplicates: 0 })
    const [got] = await rows<{
      title: string
      url: string
      props: Record<string, string>
      name: string
      ts: string
    }>(
      t.ch,
      `SELECT title, url, props, name, toString(ts) AS ts FROM nhip.events WHERE event_id = '${tricky.event_id}'`,
    )
    expect(got).toEqual({
      title: tricky.title,
      url: tricky.url,
      props: tricky.props,
      name: tricky.name,
      ts: '2026-11-19 01:00:00.000',
    })
  })

  it.each(['staged', 'window'] as const)(
    '%s dedup: a replayed batch, an overlapping batch and a batch with duplicates inside insert each event once',
    async (dedup) => {
      const writer = createEventWriter(t.ch, { dedup })
      const before = await counts(t)
      const batch = pageviews(3000)
      expect(await writer.writeEvents(batch)).toEqual({ inserted: 3000, duplicates: 0 })
      const once = await counts(t)
      expect(Number(once.events) - Number(before.events)).toBe(3000)
      expect(Number(once.pageviews) - Number(before.pageviews)).toBe(3000)

      expect(await writer.writeEvents(batch)).toEqual({ inserted: 0, duplicates: 3000 })
      const later = pageviews(1000, T0 + 3000 * 1000)
      const overlapping = [...batch.slice(2500), ...later, ...later.slice(0, 10)]
      expect(await writer.writeEvents(overlapping)).toEqual({ inserted: 1000, duplicates: 510 })

      const after = await counts(t)
      expect(Number(after.events) - Number(before.events)).toBe(4000)
      expect(Number(after.pageviews) - Number(before.pageviews)).toBe(4000)
      expect(Number(after.sessions_pv) - Number(before.sessions_pv)).toBe(4000)
    },
  )

  it.each([
    ['window', 2],
    ['staged', 3],
  ] as const)(
    '%s dedup: finds the stored ids when the ts window holds far more stored rows than the batch',
    async (dedup, dayOffset) => {
      // Window of the replay = the whole day already stored (30 000 rows > the 20 000 cap: the window read falls
      // back to the id lookup; the staged ids need no fallback).
      const writer = createEventWriter(t.ch, { insertRows: 100_000, dedup })
      const start = T0 + dayOffset * 86_400_000
      const day = pageviews(30_000, start)
      expect(await writer.writeEvents(day)).toEqual({ inserted: 30_000, duplicates: 0 })
      const before = await counts(t)
      const first = day[0] as EventRow
      const last = day[day.length - 1] as EventRow
      const fresh = anEventRow({ ts: start + 1500, site_id: 'a1' })
      expect(await writer.writeEvents([first, fresh, last])).toEqual({ inserted: 1, duplicates: 2 })
      const after = await counts(t)
      expect(Number(after.events) - Number(before.events)).toBe(1)
      expect(Number(after.pageviews) - Number(before.pageviews)).toBe(1)
    },
  )

  it('the earlier mechanics (id lookup, JSONEachRow) write the same rows', async () => {
    const writer = createEventWriter(t.ch, { dedup: 'ids', format: 'JSONEachRow' })
    const batch = pageviews(500, T0 + 5 * 86_400_000)
    expect(await writer.writeEvents(batch)).toEqual({ inserted: 500, duplicates: 0 })
    expect(await writer.writeEvents(batch)).toEqual({ inserted: 0, duplicates: 500 })
    const tsv = createEventWriter(t.ch)
    expect(await tsv.writeEvents(batch)).toEqual({ inserted: 0, duplicates: 500 })
  })
})
