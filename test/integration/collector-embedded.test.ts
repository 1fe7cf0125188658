// Embedded mode end to end (no Kafka): collector → fsynced spool → in-process pipeline → real chDB.
// When the writer fails (ClickHouse unavailable), requests are still accepted into the spool until it is
// full (then 503 + Retry-After, no crash), and once the writer is back every accepted event is stored once.
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { type Collector, createCollector, EMBEDDED_TOPICS } from '../../ingest/collector.ts'
import { addSite } from '../../ingest/sites/sites.ts'
import { createTransform, type Transform } from '../../transform/index.ts'
import { aBrowserBatch, aBrowserEvent, MOBILE_UA } from '../support/builders.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
let t: TestClickHouse
let transform: Transform
let collector: Collector
let writerDown = false

beforeAll(async () => {
  t = await freshClickHouse()
  await addSite(t.ch, { agency_id: 'tinh-a', site_id: 'a1', domains: ['a1.vn'] })
  const metrics = new Registry()
  transform = await createTransform({ ch: t.ch, log, metrics })
  collector = await createCollector({
    ch: t.ch,
    log,
    metrics,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'nhip-embedded-')),
    // Small on purpose: the outage below fills it.
    spoolMaxBytes: 256 * 1024,
    trackerPath: '/s/p.js',
    deliverInProcess: async (records, span) => {
      if (writerDown)
        throw Object.assign(new Error('ClickHouse is unavailable (simulated writer failure)'), {
          retry: true,
        })
      await transform.deliverInProcess(records, EMBEDDED_TOPICS, span)
    },
    limits: { ipRatePerSec: 100_000, ipBurst: 100_000 },
  })
})
afterAll(async () => {
  writerDown = false
  await collector.close()
  transform.close()
  await t.cleanup()
})

function post(events = [aBrowserEvent()]) {
  return collector.app.inject({
    method: 'POST',
    url: '/e',
    remoteAddress: '14.160.0.1',
    headers: { origin: 'https://a1.vn', 'user-agent': MOBILE_UA },
    payload: JSON.stringify(aBrowserBatch(events)),
  })
}

describe('embedded mode', () => {
  it('stores accepted browser events in ClickHouse, enriched and sessionized', async () => {
    const e = aBrowserEvent({ r: 'https://zalo.me/' })
    expect((await post([e])).statusCode).toBe(202)
    expect(await collector.sink.drained(30_000)).toBe(true)
    const [row] = await rows(
      t.ch,
      `SELECT site_id, agency_id, referrer_class, referrer_source, device, country, session_page, length(visitor_id) AS vl, ingest_token FROM nhip.events WHERE event_id = '${e.id}'`,
    )
    expect(row).toMatchObject({
      site_id: 'a1',
      agency_id: 'tinh-a',
      referrer_class: 'messaging',
      referrer_source: 'zalo',
      device: 'mobile',
      country: 'VN',
      session_page: 1,
      vl: '22',
    })
    // Written under the spool batch's token, so a crash mid-insert is finished by the batch's replay.
    expect(row?.ingest_token).toMatch(/^spool:[0-9a-f]{16}:\d{12}\.\d{12}-[0-9a-f]{16}:\d{12}\.\d{12}$/)
    // The article seen on the page is known to `articles` until the CMS sends its record.
    expect(
      await rows(t.ch, "SELECT title, source FROM nhip.articles FINAL WHERE article_id = 'bai-viet-1'"),
    ).toEqual([{ title: 'Đà Lạt đón mùa hoa dã quỳ', source: 'page' }])
  })

  it('keeps accepting while the writer is down, answers 503 + Retry-After when the spool is full, then catches up exactly once', async () => {
    const [before] = await rows<{ n: string }>(t.ch, 'SELECT count() AS n FROM nhip.events')
    writerDown = true
    const accepted: string[] = []
    const codes: number[] = []
    for (let i = 0; i < 400 && !codes.includes(503); i++) {
      const events = Array.from({ length: 10 }, () => aBrowserEvent())
      const res = await post(events)
      codes.push(res.statusCode)
      if (res.statusCode === 202) accepted.push(...events.map((e) => e.id))
      if (res.statusCode === 503) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
        expect(res.json()).toMatchObject({ error: 'unavailable' })
      }
    }
    expect(codes[0]).toBe(202)
    expect(codes).toContain(503)
    expect((await collector.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({
      spool: { records: accepted.length },
    })

    writerDown = false
    expect(await collector.sink.drained(60_000)).toBe(true)
    const [after] = await rows<{ n: string; u: string }>(
      t.ch,
      'SELECT count() AS n, uniqExact(event_id) AS u FROM nhip.events',
    )
    expect(Number(after?.n) - Number(before?.n)).toBe(accepted.length)
    expect(after?.u).toBe(after?.n)
  })
})
