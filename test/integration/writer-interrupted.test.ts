// A write cut off inside the engine, on the real engine. Each table fed by an insert into `events` commits its own
// part, so a worker killed mid-insert can leave rows in `events` that some rollups never counted; before the
// deduplication tokens, the replay skipped those stored ids and the rollups stayed short for good (the chaos
// drill's worker crash found it). The cut-off state is made here by detaching two of the three materialized
// views for the first write — what the engine leaves when it dies between the parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createEventWriter,
  type EventRow,
  kafkaToken,
  spoolToken,
  unfinishedKafkaWrites,
  unfinishedSpoolWrites,
  type WriteSource,
} from '../../transform/writer.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'
import { pageviews as pageviewRows } from '../support/rows.ts'

const T0 = Date.parse('2026-11-20T01:00:00Z')

/** `n` pageviews, one a second from `start`, over two sites and three articles. */
const pageviews = (n: number, start = T0): EventRow[] =>
  pageviewRows(n, start, (i) => ({ article_id: `art-${i % 3}` }))

/** The source of a chunk of partition 0 of `events` covering offsets `first`…`last`. */
function fromKafka(first: number, last: number): WriteSource {
  return {
    token: kafkaToken('events', 0, String(first), String(last), String(T0 + first)),
    mayBeUnfinished: unfinishedKafkaWrites('events', 0, String(first)),
  }
}

interface Counts {
  events: number
  distinct: number
  site_pv: number
  article_pv: number
  sessions_pv: number
}

async function counts(t: TestClickHouse): Promise<Counts> {
  const [c] = await rows<Record<keyof Counts, string>>(
    t.ch,
    `SELECT (SELECT count() FROM nhip.events) AS events,
            (SELECT uniqExact(event_id) FROM nhip.events) AS distinct,
            (SELECT sum(pageviews) FROM nhip.rollup_site_hourly) AS site_pv,
            (SELECT sum(pageviews) FROM nhip.rollup_article_hourly) AS article_pv,
            (SELECT sum(pageviews) FROM nhip.sessions) AS sessions_pv`,
  )
  if (!c) throw new Error('no counts')
  return {
    events: Number(c.events),
    distinct: Number(c.distinct),
    site_pv: Number(c.site_pv),
    article_pv: Number(c.article_pv),
    sessions_pv: Number(c.sessions_pv),
  }
}

const all = (n: number): Counts => ({ events: n, distinct: n, site_pv: n, article_pv: n, sessions_pv: n })

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
}, 120_000)
afterAll(async () => t?.cleanup())

describe('event writer: a write cut off between its parts', () => {
  const batch = pageviews(300)

  it('leaves two rollups short when the engine stops after the events part (the state a replay must repair)', async () => {
    const writer = createEventWriter(t.ch)
    await t.ch.client.command({ query: 'DETACH TABLE nhip.rollup_article_hourly_mv' })
    await t.ch.client.command({ query: 'DETACH TABLE nhip.sessions_mv' })
    try {
      // Offsets 100…299 of partition 0: written, never committed.
      expect(await writer.writeEvents(batch.slice(0, 200), fromKafka(100, 299))).toEqual({
        inserted: 200,
        duplicates: 0,
      })
    } finally {
      await t.ch.client.command({ query: 'ATTACH TABLE nhip.rollup_article_hourly_mv' })
      await t.ch.client.command({ query: 'ATTACH TABLE nhip.sessions_mv' })
    }
    expect(await counts(t)).toEqual({
      events: 200,
      distinct: 200,
      site_pv: 200,
      article_pv: 0,
      sessions_pv: 0,
    })
  })

  it('the replay from the committed offset finishes the cut-off write and adds the new rows, each counted once', async () => {
    // Another worker (a new writer, no memory of the first) replays from offset 100 in a bigger chunk.
    const writer = createEventWriter(t.ch)
    expect(await writer.writeEvents(batch, fromKafka(100, 399))).toEqual({
      inserted: 100,
      duplicates: 200,
      repaired: 200,
    })
    expect(await counts(t)).toEqual(all(300))
  })

  it('a second replay of the same offsets changes nothing', async () => {
    const writer = createEventWriter(t.ch)
    expect(await writer.writeEvents(batch, fromKafka(100, 399))).toEqual({
      inserted: 0,
      duplicates: 300,
      repaired: 300,
    })
    expect(await counts(t)).toEqual(all(300))
  })

  it('a replay in smaller chunks than the cut-off write finishes it as well, without counting twice', async () => {
    const writer = createEventWriter(t.ch)
    expect(await writer.writeEvents(batch.slice(0, 50), fromKafka(100, 149))).toMatchObject({
      inserted: 0,
      duplicates: 50,
    })
    expect(await counts(t)).toEqual(all(300))
  })

  it('does not re-send committed writes: a tracker retry of an old event is a plain duplicate', async () => {
    const writer = createEventWriter(t.ch)
    const old = batch[10] as EventRow
    // A chunk at offsets 500…501 holding a retried copy of an event written at offset ~110 (committed long ago).
    const fresh = pageviews(1, T0 + 3_600_000)
    expect(
      await writer.writeEvents(
        [{ ...old, received_at: old.received_at + 5000 }, ...fresh],
        fromKafka(500, 501),
      ),
    ).toEqual({
      inserted: 1,
      duplicates: 1,
    })
    expect(await counts(t)).toEqual(all(301))
  })

  it('leaves no deduplication token behind on the connection: a later plain insert is stored', async () => {
    // chDB keeps a query's settings for later queries; an insert inheriting the last token would be dropped.
    await createEventWriter(t.ch).writeEvents(pageviews(2, T0 + 7_200_000), fromKafka(600, 601))
    const [row] = pageviews(1, T0 + 7_300_000)
    if (!row) throw new Error('no row')
    await t.ch.client.insert({
      table: 'nhip.events',
      format: 'JSONEachRow',
      values: [
        {
          event_id: row.event_id,
          type: 'pageview',
          ts: '2026-11-20 03:01:40.000',
          received_at: '2026-11-20 03:01:40.050',
          agency_id: row.agency_id,
          site_id: row.site_id,
          url: row.url,
          path: row.path,
          article_id: row.article_id,
          visitor_id: row.visitor_id,
          session_id: row.session_id,
        },
      ],
    })
    expect(await counts(t)).toEqual(all(304))
  })
})

describe('unfinishedSpoolWrites', () => {
  it('names the writes of the same spool directory that end past the batch being written', () => {
    const key = (spool: string, segment: number, offset: number) =>
      `${spool}:${String(segment).padStart(12, '0')}.${String(offset).padStart(12, '0')}`
    const at = { from: key('aaaaaaaaaaaaaaaa', 2, 400), until: key('aaaaaaaaaaaaaaaa', 2, 900) }
    const pending = unfinishedSpoolWrites(at)
    expect(pending(spoolToken(at))).toBe(true)
    expect(
      pending(spoolToken({ from: key('aaaaaaaaaaaaaaaa', 2, 400), until: key('aaaaaaaaaaaaaaaa', 3, 10) })),
    ).toBe(true)
    expect(
      pending(spoolToken({ from: key('aaaaaaaaaaaaaaaa', 1, 0), until: key('aaaaaaaaaaaaaaaa', 2, 400) })),
    ).toBe(false)
    expect(
      pending(spoolToken({ from: key('bbbbbbbbbbbbbbbb', 2, 400), until: key('bbbbbbbbbbbbbbbb', 9, 0) })),
    ).toBe(false)
    expect(pending(kafkaToken('events', 0, '1', '2', '3'))).toBe(false)
  })
})

describe('unfinishedKafkaWrites', () => {
  it('names the writes of the same partition that reach the committed offset', () => {
    const from200 = unfinishedKafkaWrites('events', 0, '200')
    const token = (topic: string, partition: number, first: string, last: string) =>
      kafkaToken(topic, partition, first, last, '1764115200000')
    expect(from200(token('events', 0, '150', '250'))).toBe(true)
    expect(from200(token('events', 0, '200', '200'))).toBe(true)
    expect(from200(`${token('events', 0, '300', '900')}#2`)).toBe(true)
    expect(from200(token('events', 0, '100', '199'))).toBe(false)
    expect(from200(token('events', 1, '150', '250'))).toBe(false)
    expect(from200(token('events', 10, '150', '250'))).toBe(false)
    expect(from200(token('content', 0, '150', '250'))).toBe(false)
    expect(from200(token('events-dlq', 0, '150', '250'))).toBe(false)
    expect(from200('')).toBe(false)
  })

  it('gives the same offsets of a re-created topic another token (its first message is younger)', () => {
    expect(kafkaToken('events', 0, '0', '499', '1764115200000')).not.toBe(
      kafkaToken('events', 0, '0', '499', '1764201600000'),
    )
  })
})
