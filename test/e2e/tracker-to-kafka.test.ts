// Acceptance test of the ingest path, end to end and with nothing faked: real Chromium loads an article
// page from a news site's origin (http://a1.localhost:<port>), the page loads the tracker from the real
// collector on another origin (http://127.0.0.1:<port>/s/p.js), a scripted reader scrolls, clicks, moves
// to an SPA route and closes the tab, and what the collector accepted is read back from the real Kafka
// `events` topic. The site registry lives in the real embedded ClickHouse.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { type Collector, createCollector } from '../../ingest/collector.ts'
import { EventMessage } from '../../ingest/contract/index.ts'
import { addSite } from '../../ingest/sites/sites.ts'
import { freshClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { readTopic, topicSize } from '../support/kafka.ts'

const CHROMIUM_PATH = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const VIEWPORT = { width: 1280, height: 720 }
const TRACKER_PATH = '/s/p.js'
/** The tracker's activity window (tracker.ts, K.ActiveMs): engaged for 5 s after the last input. */
const ACTIVE_WINDOW_MS = 5000

const ARTICLE = {
  id: 'a1-2025-0042',
  title: 'Tỉnh A khánh thành cầu mới qua sông',
  section: 'Thời sự',
  author: 'Trần Văn Bình',
  published: '2025-03-14T06:45:00+07:00',
}

const config = loadConfig({
  KAFKA_BROKERS: inject('kafkaBrokers').join(','),
  KAFKA_TOPIC_PREFIX: `e2e-${process.pid}.`,
})
const kafkaCfg = config.kafka
if (!kafkaCfg) throw new Error('no kafka config')
const topics = kafkaCfg.topics
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

/** One answer the collector gave on POST /e (recorded by a test-side onResponse hook). */
interface Answer {
  at: number
  origin: string
  status: number
  /** sendBeacon requests are no-cors; the tracker's fetch() requests are cors */
  beacon: boolean
  /** the JSON body of the answer */
  body: string
}

let t: TestClickHouse
let kafka: Kafka
let collector: Collector
let collectorOrigin = ''
let site: { port: number; close(): Promise<void> }
let collectorDataDir = ''
const answers: Answer[] = []

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(100)
  }
}

// --- the news site -------------------------------------------------------------------------------------

function articlePage(collector: string): string {
  // 60 fixed-height paragraphs (~6,000 px) then a tall footer: long enough that scrolling takes a while.
  const paragraphs = Array.from(
    { length: 60 },
    (_, i) => `<p>Đoạn ${i + 1}. Cây cầu dài 1,2 km nối hai bờ sông, rút ngắn quãng đường cho người dân.</p>`,
  ).join('\n')
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>${ARTICLE.title}</title>
<link rel="icon" href="data:,">
<meta name="nhip:article_id" content="${ARTICLE.id}">
<meta property="article:section" content="${ARTICLE.section}">
<meta property="article:author" content="${ARTICLE.author}">
<meta property="article:published_time" content="${ARTICLE.published}">
<style>
  body { margin: 0; font: 16px sans-serif }
  nav { position: fixed; top: 0; left: 0; right: 0; height: 40px; background: #fff }
  article { padding-top: 40px } p { height: 100px; margin: 0 }
  footer { height: 800px }
</style>
<script>
  window.nhip = window.nhip || function () { (nhip.q = nhip.q || []).push(arguments) }
</script>
<script async src="${collector}${TRACKER_PATH}" data-site="a1" data-endpoint="${collector}"></script>
</head><body>
<nav>
  <a id="internal" href="/tin-tuc/bai-khac">Bài khác</a>
  <a id="outbound" href="https://example.org/nguon">Nguồn</a>
  <button id="spa" onclick="history.pushState({}, '', '/tin-tuc/bai-2')">Bài 2</button>
</nav>
<article><h1>${ARTICLE.title}</h1>
${paragraphs}
<div data-nhip-article-end></div>
</article>
<footer>Báo Tỉnh A</footer>
<script>
  // The reader stays on this page: links are clicked, not followed.
  document.addEventListener('click', (e) => { if (e.target.closest('a')) e.preventDefault() })
</script>
</body></html>`
}

/**
 * The news site: every path answers the article page, whatever the host name it was reached by
 * (a1.localhost is registered, evil.localhost is not). Chromium resolves *.localhost to loopback
 * (127.0.0.1 or ::1), so the server listens dual-stack when it can.
 */
async function startSite(collector: string): Promise<{ port: number; close(): Promise<void> }> {
  const html = articlePage(collector)
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.statusCode = 204
      res.end()
      return
    }
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(html)
  })
  const listen = (host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen('::').catch(() => listen('127.0.0.1'))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server),
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

// --- Chromium -------------------------------------------------------------------------------------------

interface Reader {
  ctx: BrowserContext
  page: Page
  /** console errors, uncaught page errors and failed requests, as they happened */
  errors: string[]
  close(): Promise<void>
}

/** Real Chromium with a new, empty profile; records console errors, page errors and failed requests. */
async function openReader(): Promise<Reader> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'nhip-e2e-chromium-'))
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
  })
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) =>
    errors.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`),
  )
  return {
    ctx,
    page,
    errors,
    async close() {
      await ctx.close().catch(() => undefined)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

// --- Kafka ----------------------------------------------------------------------------------------------

interface Read {
  partition: number
  offset: bigint
  key: string
  raw: string
  /** the value as JSON, before the contract parser drops unknown keys */
  json: Record<string, unknown>
  msg: EventMessage
  headers: string
}

async function readEvents(): Promise<Read[]> {
  const messages = await readTopic(kafka, topics.events, 30_000)
  return messages.map((m) => {
    const raw = m.value.toString('utf8')
    const json = JSON.parse(raw) as Record<string, unknown>
    return {
      partition: m.partition,
      offset: BigInt(m.offset),
      key: m.key,
      raw,
      json,
      msg: EventMessage.parse(json),
      headers: JSON.stringify(m.headers, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)),
    }
  })
}

/** Reads the topic again and again until `done` holds (bounded). */
async function readEventsUntil(
  what: string,
  done: (r: Read[]) => boolean,
  timeoutMs = 90_000,
): Promise<Read[]> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const r = await readEvents()
    if (done(r)) return r
    if (Date.now() > end) {
      const types = r.map((x) => `${x.msg.type}@${new URL(x.msg.url).pathname}`).join(', ')
      throw new Error(`timed out waiting for ${what} in Kafka; the topic holds ${r.length}: ${types}`)
    }
    await sleep(1000)
  }
}

/** Every key anywhere in a JSON value. */
function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf)
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)])
  return []
}

/**
 * Engaged time the tracker should count for inputs at `inputs` (epoch ms) on a visible page that is
 * left at `end`: each input opens a 5 s activity window; overlapping windows count once.
 */
function engagedFor(inputs: number[], end: number): number {
  let total = 0
  let covered = Number.NEGATIVE_INFINITY
  for (const at of [...inputs].sort((a, b) => a - b)) {
    if (at >= end) break
    const from = Math.max(at, covered)
    const to = Math.min(at + ACTIVE_WINDOW_MS, end)
    if (to > from) total += to - from
    covered = Math.max(covered, at + ACTIVE_WINDOW_MS)
  }
  return total
}

// --- set-up ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  t = await freshClickHouse()
  await addSite(t.ch, { agency_id: 'tinh-a', site_id: 'a1', domains: ['a1.localhost'] })
  kafka = createKafka(kafkaCfg, log)
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, topics, log)
  await admin.disconnect()
  collectorDataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-e2e-collector-'))
  collector = await createCollector({
    ch: t.ch,
    log,
    metrics: new Registry(),
    dataDir: collectorDataDir,
    spoolMaxBytes: 64 * 1_048_576,
    trackerPath: TRACKER_PATH,
    kafka: { settings: kafkaCfg, topics },
    metricsToken: 'metrics-token-0123456789',
  })
  // Observation only (the collector's code is untouched): what it answered on POST /e, beacons included
  // (a page cannot read a beacon's answer, and Playwright cannot read the body of the tracker's
  // keepalive fetch: Response.body() never settles for it).
  const bodies = new WeakMap<object, string>()
  collector.app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method === 'POST' && req.url === '/e' && typeof payload === 'string') bodies.set(req, payload)
    return payload
  })
  collector.app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'POST' && req.url === '/e') {
      answers.push({
        at: Date.now(),
        origin: req.headers.origin ?? '',
        status: reply.statusCode,
        beacon: req.headers['sec-fetch-mode'] === 'no-cors',
        body: bodies.get(req) ?? '',
      })
    }
  })
  collectorOrigin = await collector.app.listen({ host: '127.0.0.1', port: 0 })
  site = await startSite(collectorOrigin)
}, 180_000)

afterAll(async () => {
  await site?.close()
  await collector?.close()
  await t?.cleanup()
  if (collectorDataDir) rmSync(collectorDataDir, { recursive: true, force: true })
})

// --- the tests ------------------------------------------------------------------------------------------

describe('tracker → collector → Kafka, in real Chromium', () => {
  it('delivers a reader’s visit to Kafka: ordered per visitor, engaged time, scroll depth, no IP or UA', {
    timeout: 180_000,
  }, async () => {
    const siteOrigin = `http://a1.localhost:${site.port}`
    const first = `${siteOrigin}/tin-tuc/bai-1`
    const second = `${siteOrigin}/tin-tuc/bai-2`
    const reader = await openReader()
    const { page, errors } = reader
    try {
      const userAgent = await page.evaluate(() => navigator.userAgent)
      const firstPost = page.waitForResponse(
        (r) => r.url() === `${collectorOrigin}/e` && r.request().method() === 'POST',
        { timeout: 60_000 },
      )
      await page.goto(first, { waitUntil: 'load' })
      // The tracker came from the collector and its first batch (the pageview) was accepted cross-origin.
      expect((await firstPost).status()).toBe(202)

      // Phase A — active reader, ~19 s: an input every second; scrolling to the end during the first 14 s,
      // then staying at the end, clicking an internal and an outbound link.
      const inputs: number[] = []
      const input = async (action: () => Promise<unknown>) => {
        await action()
        inputs.push(Date.now())
      }
      for (let i = 0; i < 20; i++) {
        const tick = Date.now()
        await input(() => page.mouse.move(300 + i * 10, 300 + (i % 2) * 40))
        if (i < 14) await input(() => page.mouse.wheel(0, 500))
        if (i === 16) await input(() => page.click('#internal'))
        if (i === 17) await input(() => page.click('#outbound'))
        if (i < 19) await sleep(Math.max(0, 1000 - (Date.now() - tick)))
      }
      const atEnd = await page.evaluate(
        () => Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight - 1,
      )
      expect(atEnd, 'the reader scrolled to the end of the page').toBe(true)

      // Phase B — idle 8 s (> the 5 s window): engaged time stops counting.
      await sleep(8000)

      // Phase C — SPA navigation, 2 s of input on the new route, idle, then the tab closes.
      const page1End = Date.now()
      await page.click('#spa')
      await page.waitForURL(second)
      await sleep(1000)
      await page.mouse.move(500, 400)
      await sleep(1000)
      await page.mouse.move(520, 420)
      await sleep(6500)
      const stored = await page.evaluate(() => [localStorage.length, document.cookie])
      const errorsBeforeClose = [...errors]
      const answersBeforeClose = answers.length
      await page.close({ runBeforeUnload: true })
      await waitFor('the beacon sent as the page closed', () =>
        answers.slice(answersBeforeClose).some((a) => a.beacon),
      )

      // Every batch the browser sent was accepted, from the registered origin.
      const mine = answers.filter((a) => a.origin === siteOrigin)
      expect(mine.length).toBeGreaterThan(1)
      expect(answers.filter((a) => a.origin !== siteOrigin)).toEqual([])
      expect(mine.map((a) => a.status)).toEqual(mine.map(() => 202))
      expect(errorsBeforeClose).toEqual([])

      // --- what reached Kafka ---------------------------------------------------------------------------
      const reads = await readEventsUntil('the whole visit (2 pageviews and the closing beacon)', (r) => {
        const m = r.map((x) => x.msg)
        return (
          m.filter((e) => e.type === 'pageview').length >= 2 &&
          m.some((e) => e.type === 'engagement' && e.url === second) &&
          ['scroll', 'read_complete', 'click'].every((ty) => m.some((e) => e.type === ty))
        )
      })
      const msgs = reads.map((r) => r.msg)

      // Types: two pageviews (the load and the SPA route), engagement, scroll, read completion, clicks.
      const pageviews = msgs.filter((m) => m.type === 'pageview')
      expect(pageviews.map((m) => m.url)).toEqual([first, second])
      expect(pageviews[0]).toMatchObject({
        agency_id: 'tinh-a',
        site_id: 'a1',
        title: ARTICLE.title,
        article_id: ARTICLE.id,
        section: ARTICLE.section,
        author: ARTICLE.author,
        published_at: Date.parse(ARTICLE.published),
        referrer: '',
      })
      expect(pageviews[1]?.referrer).toBe(first)
      for (const type of ['engagement', 'scroll', 'read_complete', 'click'] as const) {
        expect(
          msgs.some((m) => m.type === type),
          `a ${type} event`,
        ).toBe(true)
      }
      expect(msgs.filter((m) => m.type === 'read_complete' && m.url === first)).toHaveLength(1)
      const clicks = msgs.filter((m) => m.type === 'click')
      expect(clicks.map((m) => m.props)).toEqual(
        expect.arrayContaining([
          { href: `${siteOrigin}/tin-tuc/bai-khac`, kind: 'internal' },
          { href: 'https://example.org/nguon', kind: 'outbound' },
        ]),
      )
      // Nothing was delivered twice (every batch was accepted at once, so nothing was retried).
      expect(new Set(msgs.map((m) => m.event_id)).size).toBe(msgs.length)

      // Order per visitor: one visitor, one key, one partition; offsets follow the tracker's ts per page.
      const visitors = new Set(msgs.map((m) => m.visitor_id))
      expect(visitors.size).toBe(1)
      const [visitor = ''] = [...visitors]
      for (const r of reads) expect(r.key).toBe(`a1:${visitor}`)
      expect(new Set(reads.map((r) => r.partition)).size).toBe(1)
      const byOffset = [...reads].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
      for (const url of [first, second]) {
        const ts = byOffset.filter((r) => r.msg.url === url).map((r) => r.msg.ts)
        expect(ts.length).toBeGreaterThan(0)
        expect(ts, `ts in offset order for ${url}`).toEqual([...ts].sort((a, b) => a - b))
      }

      // Engaged time on page 1: the simulated active time plus the 5 s window after the last input, ±20 %.
      const expectedMs = engagedFor(inputs, page1End)
      const page1 = msgs.filter((m) => m.url === first)
      const engagedMs = page1.filter((m) => m.type === 'engagement').reduce((n, m) => n + m.engaged_ms, 0)
      if (process.env.E2E_VERBOSE) {
        process.stdout.write(
          `[e2e] page 1 engaged ${engagedMs} ms, simulated ${expectedMs} ms; ${reads.length} messages\n`,
        )
      }
      expect(expectedMs).toBeGreaterThan(20_000)
      expect(engagedMs, `engaged ${engagedMs} ms vs simulated ${expectedMs} ms`).toBeGreaterThanOrEqual(
        expectedMs * 0.8,
      )
      expect(engagedMs, `engaged ${engagedMs} ms vs simulated ${expectedMs} ms`).toBeLessThanOrEqual(
        expectedMs * 1.2,
      )
      // Page 2's engaged time left with the beacon as the tab closed.
      expect(
        msgs.filter((m) => m.type === 'engagement' && m.url === second).reduce((n, m) => n + m.engaged_ms, 0),
      ).toBeGreaterThan(0)

      // Scroll depth on page 1: every threshold once, up to 100 %.
      expect(
        page1
          .filter((m) => m.type === 'scroll')
          .map((m) => m.scroll_pct)
          .sort((a, b) => a - b),
      ).toEqual([25, 50, 75, 100])
      expect(Math.max(...page1.map((m) => m.scroll_pct))).toBe(100)

      // Privacy: no raw UA or IP anywhere, cookieless id without consent, coarse client facts only.
      expect(userAgent.length).toBeGreaterThan(20)
      for (const r of reads) {
        expect(r.raw).not.toContain(userAgent)
        expect(r.headers).not.toContain(userAgent)
        expect(r.raw).not.toContain('127.0.0.1')
        expect(r.headers).not.toContain('127.0.0.1')
        const keys = keysOf(r.json).map((k) => k.toLowerCase())
        for (const forbidden of ['ip', 'ip_address', 'user_agent', 'useragent', 'ua']) {
          expect(keys, r.raw).not.toContain(forbidden)
        }
        expect(r.msg.visitor_id).toMatch(/^[A-Za-z0-9_-]{22}$/)
        expect(r.msg.consented).toBe(false)
        expect(r.msg.client.device).toBeTruthy()
        expect(r.msg.client.browser).toBeTruthy()
      }
      // Nothing was stored in the browser either (no consent).
      expect(stored).toEqual([0, ''])

      // No console errors or page errors in Chromium, while leaving either. (A request Chromium reports as
      // failed while the tab goes away is not counted: the beacon's delivery was checked at the collector.)
      expect(errors.filter((e) => !e.startsWith('requestfailed:'))).toEqual([])
    } finally {
      await reader.close()
    }
  })

  it('refuses batches from an unregistered origin: 403, and nothing reaches Kafka', {
    timeout: 120_000,
  }, async () => {
    const evil = `http://evil.localhost:${site.port}`
    const before = await topicSize(kafka, topics.events)
    const answersBefore = answers.length
    const reader = await openReader()
    const { page } = reader
    try {
      const firstPost = page.waitForResponse(
        (r) => r.url() === `${collectorOrigin}/e` && r.request().method() === 'POST',
        { timeout: 60_000 },
      )
      await page.goto(`${evil}/tin-tuc/bai-1`, { waitUntil: 'load' })
      const res = await firstPost
      expect(res.status()).toBe(403)
      // The refusal is readable cross-origin (the tracker sees a 403, not a network error: no retries).
      expect(res.headers()['access-control-allow-origin']).toBe(evil)
      // Some activity so the page has more to send (a periodic flush and the closing beacon).
      for (let i = 0; i < 4; i++) {
        await page.mouse.move(300 + i * 10, 300)
        await page.mouse.wheel(0, 800)
        await sleep(1000)
      }
      await sleep(3000)
      await page.close({ runBeforeUnload: true })
      await waitFor('the beacon sent as the page closed', () =>
        answers.slice(answersBefore).some((a) => a.beacon),
      )
    } finally {
      await reader.close()
    }
    const refused = answers.slice(answersBefore)
    expect(refused.length).toBeGreaterThanOrEqual(2)
    expect(refused.some((a) => a.beacon)).toBe(true)
    expect(refused.some((a) => !a.beacon)).toBe(true)
    for (const a of refused) {
      expect(a).toMatchObject({ origin: evil, status: 403 })
      // ... and says why.
      expect(JSON.parse(a.body)).toMatchObject({
        error: 'origin_not_allowed',
        message: `origin ${evil} is not registered for site a1`,
      })
    }

    await sleep(3000)
    expect(await topicSize(kafka, topics.events)).toBe(before)
    const leaked = (await readEvents()).filter((r) => r.raw.includes('evil.localhost'))
    expect(leaked).toEqual([])
  })
})
