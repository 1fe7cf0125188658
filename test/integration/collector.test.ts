// The collector against the real broker and the real ClickHouse engine: what readers' browsers and
// agencies' servers send either reaches Kafka intact (without raw IP/UA) or is refused with a reason.
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { type Collector, createCollector } from '../../ingest/collector.ts'
import { type BrowserEvent, EventMessage } from '../../ingest/contract/index.ts'
import { addSite } from '../../ingest/sites/sites.ts'
import { aBrowserBatch, aBrowserEvent, aServerEvent, MOBILE_UA } from '../support/builders.ts'
import { freshClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { readTopic, topicSize } from '../support/kafka.ts'

const config = loadConfig({ KAFKA_BROKERS: inject('kafkaBrokers').join(','), KAFKA_TOPIC_PREFIX: 'collector-test.' })
const kafkaCfg = config.kafka
if (!kafkaCfg) throw new Error('no kafka')
const topics = kafkaCfg.topics
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
let t: TestClickHouse
let kafka: Kafka
let collector: Collector
let keyA = ''
let keyB = ''
const IP = '14.160.0.1'

beforeAll(async () => {
  t = await freshClickHouse()
  keyA = (await addSite(t.ch, { agency_id: 'tinh-a', site_id: 'a1', domains: ['a1.vn'] })).apiKey
  keyB = (await addSite(t.ch, { agency_id: 'tinh-b', site_id: 'b1', domains: ['b1.vn'] })).apiKey
  kafka = createKafka(kafkaCfg, log)
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, topics, log)
  await admin.disconnect()
  collector = await createCollector({
    ch: t.ch,
    log,
    metrics: new Registry(),
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'nhip-collector-')),
    spoolMaxBytes: 64 * 1_048_576,
    trackerPath: '/s/p.js',
    kafka: { settings: kafkaCfg, topics },
    limits: { ipRatePerSec: 1000, ipBurst: 1000 },
    metricsToken: 'metrics-token-0123456789',
  })
})
afterAll(async () => {
  await collector.close()
  await t.cleanup()
})

function postBrowser(body: unknown, headers: Record<string, string> = {}) {
  return collector.app.inject({
    method: 'POST',
    url: '/e',
    remoteAddress: IP,
    headers: { 'content-type': 'text/plain', origin: 'https://a1.vn', 'user-agent': MOBILE_UA, ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('POST /e (browser)', () => {
  it('accepts a batch: the events reach Kafka keyed by site+visitor, enriched, without the raw IP or UA', async () => {
    const before = await topicSize(kafka, topics.events)
    const events = [aBrowserEvent(), aBrowserEvent({ t: 'engagement', e: 15_000, sc: 60 })]
    const res = await postBrowser(aBrowserBatch(events))
    expect(res.statusCode).toBe(202)
    expect(res.json()).toEqual({ accepted: 2 })
    expect(res.headers['access-control-allow-origin']).toBe('https://a1.vn')
    // 202 means durable: in Kafka, or in the spool when the producer's first send failed (a broker still
    // handing out producer ids); the spool delivers within its next drain round.
    expect(await collector.sink.drained(15_000)).toBe(true)
    expect(await topicSize(kafka, topics.events)).toBe(before + 2)

    const messages = (await readTopic(kafka, topics.events)).filter((m) =>
      events.some((e) => m.value.toString().includes(e.id)),
    )
    expect(messages).toHaveLength(2)
    for (const m of messages) {
      const raw = m.value.toString()
      expect(raw).not.toContain(IP)
      expect(raw).not.toContain('iPhone OS 17_5')
      const msg = EventMessage.parse(JSON.parse(raw))
      expect(msg).toMatchObject({ agency_id: 'tinh-a', site_id: 'a1', consented: false })
      expect(msg.client).toMatchObject({ device: 'mobile', country: 'VN' })
      expect(msg.visitor_id).toHaveLength(22)
      expect(m.key).toBe(`a1:${msg.visitor_id}`)
    }
    // One reader's events share a key, so they share a partition and stay ordered.
    expect(new Set(messages.map((m) => m.partition)).size).toBe(1)
  })

  it('uses the consented first-party id when the page has consent', async () => {
    const e = aBrowserEvent()
    const res = await postBrowser(aBrowserBatch([e], { c: true, vid: 'Zk3n9QpLx2vR8sT1uWy4Ab' }))
    expect(res.statusCode).toBe(202)
    const [m] = (await readTopic(kafka, topics.events)).filter((x) => x.value.toString().includes(e.id))
    expect(JSON.parse(m?.value.toString() ?? '{}')).toMatchObject({ visitor_id: 'Zk3n9QpLx2vR8sT1uWy4Ab', consented: true })
  })

  it('stores script-injection strings as inert data', async () => {
    const title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    const e = aBrowserEvent({ ti: title })
    expect((await postBrowser(aBrowserBatch([e]))).statusCode).toBe(202)
    const [m] = (await readTopic(kafka, topics.events)).filter((x) => x.value.toString().includes(e.id))
    expect(JSON.parse(m?.value.toString() ?? '{}').title).toBe(title)
  })

  const now = Date.now()
  it.each([
    ['malformed JSON', () => postBrowser('{"site":"a1","events":[{'), 400, /not valid JSON/],
    ['wrong types', () => postBrowser(aBrowserBatch([{ ...aBrowserEvent(), ts: 'yesterday' } as unknown as BrowserEvent])), 400, /events\[0\]\.ts/],
    ['an unknown event type', () => postBrowser(aBrowserBatch([{ ...aBrowserEvent(), t: 'hack' } as unknown as BrowserEvent])), 400, /events\[0\]\.t/],
    ['an oversize body', () => postBrowser(aBrowserBatch([aBrowserEvent({ ti: 'x'.repeat(70_000) })])), 413, /./],
    ['a 10 000-event batch', () => postBrowser(aBrowserBatch(Array.from({ length: 10_000 }, () => aBrowserEvent()))), 413, /./],
    ['51 events', () => postBrowser(aBrowserBatch(Array.from({ length: 51 }, () => aBrowserEvent()))), 413, /at most 50 events/],
    ['an unknown site', () => postBrowser(aBrowserBatch([aBrowserEvent()], { site: 'nope' })), 404, /unknown site "nope"/],
    ['a wrong origin', () => postBrowser(aBrowserBatch([aBrowserEvent()]), { origin: 'https://evil.example' }), 403, /origin https:\/\/evil.example is not registered/],
    ['no origin at all', () => postBrowser(aBrowserBatch([aBrowserEvent()]), { origin: '' }), 403, /not registered/],
    ["another site's page URL", () => postBrowser(aBrowserBatch([aBrowserEvent({ u: 'https://b1.vn/x' })])), 403, /not on the domains of site a1/],
    ['a timestamp far in the future', () => postBrowser(aBrowserBatch([aBrowserEvent({ ts: now + 86_400_000 })])), 400, /in the future/],
    ['a timestamp too old for a browser', () => postBrowser(aBrowserBatch([aBrowserEvent({ ts: now - 3 * 86_400_000 })])), 400, /older than 24 h/],
    ['control characters', () => postBrowser(aBrowserBatch([aBrowserEvent({ ti: 'a\u0007b' })])), 400, /control characters/],
    ['too many properties', () => postBrowser(aBrowserBatch([aBrowserEvent({ t: 'custom', n: 'x', p: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) })])), 400, /at most 20 properties/],
  ])('refuses %s with a reason, and nothing reaches Kafka', async (_what, send, status, message) => {
    const before = await topicSize(kafka, topics.events)
    const res = await send()
    expect(res.statusCode).toBe(status)
    const body = res.json() as { error: string; message: string }
    expect(body.error).toBeTruthy()
    expect(body.message).toMatch(message)
    expect(await topicSize(kafka, topics.events)).toBe(before)
  })
})

describe('POST /v1/events (server-side, API key)', () => {
  function postServer(body: string, key?: string, contentType = 'application/x-ndjson') {
    return collector.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      payload: body,
    })
  }

  it('accepts NDJSON and JSON arrays, attributing events to the key’s site', async () => {
    const a = aServerEvent()
    const b = aServerEvent({ visitor_id: 'reader-000123', ts: Date.now() - 86_400_000 * 30 })
    const before = await topicSize(kafka, topics.events)
    expect((await postServer(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`, keyA)).statusCode).toBe(202)
    expect((await postServer(JSON.stringify([aServerEvent()]), keyA, 'application/json')).statusCode).toBe(202)
    expect(await topicSize(kafka, topics.events)).toBe(before + 3)
    const [mb] = (await readTopic(kafka, topics.events)).filter((x) => x.value.toString().includes(b.event_id))
    expect(JSON.parse(mb?.value.toString() ?? '{}')).toMatchObject({ visitor_id: 'reader-000123', consented: true, agency_id: 'tinh-a' })
  })

  it.each([
    ['a missing key', () => postServer(JSON.stringify(aServerEvent())), 401, /Authorization: Bearer/],
    ['an invalid key', () => postServer(JSON.stringify(aServerEvent()), 'nhip_AAAAAAAAAA.' + 'x'.repeat(43)), 401, /not valid/],
    ["another agency's key for this site's URLs", () => postServer(JSON.stringify(aServerEvent()), keyB), 403, /not on the domains of site b1/],
    ['no visitor and no ip/ua', () => postServer(JSON.stringify(aServerEvent({ ip: undefined })), keyA), 400, /\[0\]\.visitor_id: either visitor_id/],
    ['a bad line in NDJSON', () => postServer(`${JSON.stringify(aServerEvent())}\n{oops\n`, keyA), 400, /line 2 is not valid JSON/],
    ['a timestamp older than the back-fill window', () => postServer(JSON.stringify(aServerEvent({ ts: '2020-01-01T00:00:00Z' })), keyA), 400, /older than/],
    ['a bad ISO date', () => postServer(JSON.stringify(aServerEvent({ ts: '2026-13-45' })), keyA), 400, /\[0\]\.ts/],
  ])('refuses %s', async (_what, send, status, message) => {
    const before = await topicSize(kafka, topics.events)
    const res = await send()
    expect(res.statusCode).toBe(status)
    expect((res.json() as { message: string }).message).toMatch(message)
    expect(await topicSize(kafka, topics.events)).toBe(before)
  })
})

describe('POST /v1/content', () => {
  it('publishes article metadata to the compacted content topic', async () => {
    const res = await collector.app.inject({
      method: 'POST',
      url: '/v1/content',
      headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        article_id: 'ca-phe-2026',
        url: 'https://a1.vn/kinh-te/ca-phe-2026.html',
        title: 'Giá cà phê Lâm Đồng tăng mạnh',
        section: 'Kinh tế',
        tags: ['cà phê', 'nông sản'],
        published_at: '2026-11-25T01:00:00+07:00',
        paywalled: true,
      }),
    })
    expect(res.statusCode).toBe(202)
    const msgs = await readTopic(kafka, topics.content)
    const m = msgs.find((x) => x.key === 'a1:ca-phe-2026')
    expect(JSON.parse(m?.value.toString() ?? '{}')).toMatchObject({ title: 'Giá cà phê Lâm Đồng tăng mạnh', paywalled: true, agency_id: 'tinh-a' })
  })
})

describe('limits and operations', () => {
  it('answers 429 with Retry-After when one address floods', async () => {
    const flood = await createCollector({
      ch: t.ch,
      log,
      metrics: new Registry(),
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'nhip-collector-')),
      spoolMaxBytes: 1_048_576,
      trackerPath: '/s/p.js',
      kafka: { kafka, topics },
      limits: { ipRatePerSec: 1, ipBurst: 3 },
    })
    try {
      const codes: number[] = []
      for (let i = 0; i < 5; i++) {
        const res = await flood.app.inject({
          method: 'POST',
          url: '/e',
          remoteAddress: '203.0.113.9',
          headers: { origin: 'https://a1.vn' },
          payload: JSON.stringify(aBrowserBatch([aBrowserEvent()])),
        })
        codes.push(res.statusCode)
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      }
      expect(codes.slice(0, 3)).toEqual([202, 202, 202])
      expect(codes.slice(3)).toEqual([429, 429])
    } finally {
      await flood.close()
    }
  })

  it('serves the tracker at its configured path and protects /metrics with a token', async () => {
    const js = await collector.app.inject({ method: 'GET', url: '/s/p.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toContain('javascript')
    expect((await collector.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    const metrics = await collector.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })
    expect(metrics.statusCode).toBe(200)
    expect(metrics.body).toMatch(/nhip_collector_events_accepted_total\{route="\/e",site="a1"\} \d+/)
  })
})
