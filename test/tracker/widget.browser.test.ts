// The recommendation block end to end in real Chromium: a news site (http://a1.localhost:<port>) with a strict
// Content-Security-Policy (no inline script or style allowed) embeds the tracker from the real collector
// (embedded mode: real validation, real pipeline, real chDB) composed as `nhip start` does, with the real
// GET /v1/recommendations (serveRecommendations) answering from the articles the CMS sent to /v1/content.
// The core loads the widget because the page has a `[data-nhip-recs]` element; the widget renders the route's
// answer, and its rec_impression / rec_click events are read back from the `events` table with their props.
// One case answers for the route from the browser side (page.route) with items a careless server might send.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { type Collector, createCollector, EMBEDDED_TOPICS } from '../../ingest/collector.ts'
import { addSite } from '../../ingest/sites/sites.ts'
import { serveRecommendations } from '../../jobs/index.ts'
import type { RecommendationService } from '../../models/recommend/serving-store.ts'
import { createTransform, type Transform } from '../../transform/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'
import { launchChromium, sleep } from './harness.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const TRACKER_PATH = '/s/p.js'
const VIEWPORT = { width: 1280, height: 720 }
const SOURCE = { id: 'a1-2026-0100', title: 'Đà Lạt rực rỡ mùa hoa dã quỳ', section: 'Du lịch' }
const SPA_ARTICLE = 'a1-2026-0200'
const XSS_TITLE = '<img src=x onerror="window.__pwned=1"> Giá cà phê & “kỷ lục”'

let t: TestClickHouse
let transform: Transform
let collector: Collector
let collectorOrigin = ''
let site: Server
let siteOrigin = ''
let browser: Browser
let dataDir = ''
let recs: RecommendationService | undefined
/** Query strings GET /v1/recommendations was asked. */
const asked: URLSearchParams[] = []

/** The catalogue the CMS sends: the source article, four others (one premium). */
const CATALOGUE = [
  { id: SOURCE.id, title: SOURCE.title, section: 'Du lịch', hoursAgo: 3, paywalled: false },
  {
    id: 'a1-2026-0101',
    title: 'Khánh thành cầu mới qua sông Đa Nhim',
    section: 'Thời sự',
    hoursAgo: 2,
    paywalled: false,
  },
  {
    id: 'a1-2026-0102',
    title: 'Giá cà phê lập kỷ lục mới',
    section: 'Kinh tế',
    hoursAgo: 4,
    paywalled: true,
  },
  { id: 'a1-2026-0103', title: 'Mùa mận hậu ở Mộc Châu', section: 'Du lịch', hoursAgo: 5, paywalled: false },
  {
    id: 'a1-2026-0104',
    title: 'Lễ hội hoa Đà Lạt khai mạc',
    section: 'Du lịch',
    hoursAgo: 6,
    paywalled: false,
  },
]

/** A careless server's answer (served from the browser side in one test): the widget must drop the bad items. */
function carelessAnswer(article: string) {
  const link = (id: string) => `${siteOrigin}/bai/${id}`
  return {
    site: 'a1',
    items: [
      {
        article_id: 'a1-2026-0101',
        url: link('a1-2026-0101'),
        title: 'Khánh thành cầu mới qua sông Đa Nhim',
        section: 'Thời sự',
        published_at: '2026-11-25T07:00:00+07:00',
        premium: false,
        reason: 'related',
        score: 0.91,
      },
      {
        article_id: 'a1-2026-0102',
        url: link('a1-2026-0102'),
        title: XSS_TITLE,
        section: 'Kinh tế',
        published_at: '2026-11-25T08:00:00+07:00',
        premium: true,
        reason: 'for_you',
        score: 0.84,
      },
      {
        article_id: 'a1-2026-0103',
        url: 'javascript:alert(1)',
        title: 'Liên kết nguy hiểm',
        section: 'Thời sự',
        published_at: null,
        premium: false,
        reason: 'related',
        score: 0.8,
      },
      {
        article_id: 'BAD ID',
        url: link('x'),
        title: 'Mã bài sai',
        section: '',
        published_at: null,
        premium: false,
        reason: 'related',
        score: 0.7,
      },
      {
        article_id: article,
        url: link(article),
        title: 'Chính bài đang đọc',
        section: 'Du lịch',
        published_at: null,
        premium: false,
        reason: 'related',
        score: 0.6,
      },
      {
        article_id: 'a1-2026-0104',
        url: link('a1-2026-0104'),
        title: 'Mùa mận hậu ở Mộc Châu',
        section: 'Du lịch',
        published_at: '2026-11-24T07:00:00+07:00',
        premium: false,
        reason: 'trending',
        score: 0.5,
      },
    ],
    source: 'model',
    model_version: 3,
  }
}

function articlePage(id: string, consent: boolean): string {
  const paragraphs = Array.from(
    { length: 40 },
    (_, i) => `<p>Đoạn ${i + 1}. Hoa dã quỳ nở vàng các triền đồi.</p>`,
  ).join('\n')
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>${SOURCE.title}</title>
<meta name="nhip:article_id" content="${id}">
<meta property="article:section" content="${SOURCE.section}">
<link rel="stylesheet" href="/site.css">
<script async src="${collectorOrigin}${TRACKER_PATH}" data-site="a1"${consent ? ' data-consent="true"' : ''}></script>
<script defer src="/site.js"></script>
</head><body>
<button id="spa">Bài khác (SPA)</button>
<article><h1>${SOURCE.title}</h1>
${paragraphs}
</article>
<div id="recs" data-nhip-recs="related" data-k="5" data-title="Đọc thêm"></div>
<footer>Báo A1</footer>
</body></html>`
}

// The site's own script and style: external files, as a strict CSP requires.
const SITE_JS = `document.getElementById('spa').addEventListener('click', () => {
  document.querySelector('meta[name="nhip:article_id"]').content = '${SPA_ARTICLE}'
  history.pushState({}, '', '/bai/${SPA_ARTICLE}')
})`
const SITE_CSS =
  'body{margin:0;font:16px sans-serif} p{height:100px;margin:0} footer{height:900px} .nhip-recs-premium::after{content:" ★"}'

function listen(server: Server, host: string): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`))
  })
}

beforeAll(async () => {
  t = await freshClickHouse()
  const { apiKey } = await addSite(t.ch, { agency_id: 'tinh-a', site_id: 'a1', domains: ['a1.localhost'] })
  const metrics = new Registry()
  transform = await createTransform({ ch: t.ch, log, metrics })
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-widget-'))
  collector = await createCollector({
    ch: t.ch,
    log,
    metrics,
    dataDir,
    spoolMaxBytes: 8 * 1024 * 1024,
    trackerPath: TRACKER_PATH,
    deliverInProcess: (records) => transform.deliverInProcess(records, EMBEDDED_TOPICS),
    limits: { ipRatePerSec: 10_000, ipBurst: 10_000 },
  })
  collector.app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/v1/recommendations?')) asked.push(new URLSearchParams(req.url.split('?')[1]))
  })
  // Composed as `nhip start` does (routes must exist before the app starts); the index is refreshed below.
  recs = await serveRecommendations(collector.app, { ch: t.ch, sites: collector.sites, dataDir, log })
  site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/site.js' || url.pathname === '/site.css') {
      res.setHeader('content-type', url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css')
      res.end(url.pathname.endsWith('.js') ? SITE_JS : SITE_CSS)
      return
    }
    const id = /^\/bai\/([a-z0-9-]+)$/.exec(url.pathname)?.[1] ?? SOURCE.id
    // Strict: scripts only from the site and the collector, no inline script or style, no eval.
    res.setHeader(
      'content-security-policy',
      `default-src 'none'; script-src 'self' ${collectorOrigin}; connect-src ${collectorOrigin}; style-src 'self'; img-src 'self'`,
    )
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(articlePage(id, url.searchParams.get('consent') === '1'))
  })
  siteOrigin = await listen(site, 'a1.localhost')
  // The CMS feed, through the collector's real /v1/content path into the articles table.
  const now = Date.now()
  for (const a of CATALOGUE) {
    const res = await collector.app.inject({
      method: 'POST',
      url: '/v1/content',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        article_id: a.id,
        url: `${siteOrigin}/bai/${a.id}`,
        title: a.title,
        section: a.section,
        published_at: now - a.hoursAgo * 3_600_000,
        paywalled: a.paywalled,
      }),
    })
    expect(res.statusCode, res.body).toBe(202)
  }
  expect(await collector.sink.drained(30_000)).toBe(true)
  await recs.refresh()
  expect(recs.status().articles).toBe(CATALOGUE.length)
  const address = await collector.app.listen({ host: '127.0.0.1', port: 0 })
  collectorOrigin = address.replace('localhost', '127.0.0.1')
  browser = await launchChromium()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  site?.closeAllConnections()
  await new Promise<void>((r) => (site ? site.close(() => r()) : r()))
  await recs?.close()
  await collector?.close()
  transform?.close()
  await t?.cleanup()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

async function openPage(): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const ctx = await browser.newContext({ viewport: VIEWPORT })
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  return { page, errors, close: () => ctx.close() }
}

interface RecRow {
  type: string
  article_id: string
  ts_ms: string
  props: Record<string, string>
}

async function recEvents(articleId: string): Promise<RecRow[]> {
  return rows<RecRow>(
    t.ch,
    `SELECT type, article_id, toString(toUnixTimestamp64Milli(ts)) AS ts_ms, props FROM nhip.events FINAL
     WHERE site_id = 'a1' AND type IN ('rec_impression', 'rec_click') AND props['source_article'] = '${articleId}'
     ORDER BY ts`,
  )
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

const links = (page: Page) =>
  page.$$eval('#recs a.nhip-recs-link', (as) =>
    as.map((a) => ({
      text: a.textContent,
      href: (a as HTMLAnchorElement).href,
      id: (a as HTMLElement).dataset.nhipRec,
    })),
  )

interface Answer {
  items: Array<{ article_id: string; url: string; title: string; section: string; premium: boolean }>
  source: string
  model_version: number | null
}

/** What the route answers a query (asked again from the test, from the site's origin). */
async function routeAnswer(q: URLSearchParams | undefined): Promise<Answer> {
  const res = await collector.app.inject({
    method: 'GET',
    url: `/v1/recommendations?${q}`,
    headers: { origin: siteOrigin },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as Answer
}

describe('recommendation block in Chromium', () => {
  it('renders the route’s answer, records one impression when visible and a click, under a strict CSP', {
    timeout: 120_000,
  }, async () => {
    const { page, errors, close } = await openPage()
    await page.goto(`${siteOrigin}/bai/${SOURCE.id}`)
    await page.waitForSelector('#recs a.nhip-recs-link')
    const q = asked.at(-1)
    expect(q && Object.fromEntries(q)).toEqual({ site: 'a1', k: '5', article: SOURCE.id })

    // The links are the route's items, in its order, as text; never the article being read.
    const answer = await routeAnswer(q)
    expect(answer.items.length).toBeGreaterThanOrEqual(2)
    expect(answer.items.map((i) => i.article_id)).not.toContain(SOURCE.id)
    expect(await links(page)).toEqual(
      answer.items.map((i) => ({ text: i.title, href: i.url, id: i.article_id })),
    )
    expect(await page.$$eval('#recs li', (lis) => lis.map((li) => li.className))).toEqual(
      answer.items.map((i) => (i.premium ? 'nhip-recs-item nhip-recs-premium' : 'nhip-recs-item')),
    )
    expect(answer.items.some((i) => i.premium)).toBe(true)
    expect(
      await page.$eval('#recs .nhip-recs-title', (e) => [e.textContent, e.getAttribute('role')]),
    ).toEqual(['Đọc thêm', 'heading'])
    expect(await page.$$eval('#recs [style]', (s) => s.length)).toBe(0)

    // Scrolled into view only now: the impression must come after this moment, and only once.
    const shownAt = await page.evaluate(() => Date.now())
    await page.$eval('#recs', (e) => e.scrollIntoView({ block: 'center' }))
    await until('the impression in ClickHouse', async () =>
      (await recEvents(SOURCE.id)).length ? true : undefined,
    )
    await page.mouse.wheel(0, -2000)
    await page.$eval('#recs', (e) => e.scrollIntoView({ block: 'center' }))
    // A click on the second link: a real navigation to the recommended article (the core flushes at pagehide).
    const second = answer.items[1]?.article_id ?? ''
    await Promise.all([
      page.waitForURL(`${siteOrigin}/bai/${second}`),
      page.click(`#recs a[data-nhip-rec="${second}"]`),
    ])
    await page.waitForSelector('#recs a.nhip-recs-link')

    const events = await until('the rec events in ClickHouse', async () => {
      const r = await recEvents(SOURCE.id)
      return r.some((e) => e.type === 'rec_click') ? r : undefined
    })
    const common = {
      source_article: SOURCE.id,
      source: answer.source,
      model_version: answer.model_version === null ? '' : String(answer.model_version),
      placement: 'related',
    }
    const impressions = events.filter((e) => e.type === 'rec_impression')
    expect(impressions).toHaveLength(1)
    expect(Number(impressions[0]?.ts_ms)).toBeGreaterThanOrEqual(shownAt)
    expect(impressions[0]).toMatchObject({
      article_id: SOURCE.id,
      props: {
        ...common,
        items: answer.items.map((i) => i.article_id).join(','),
        count: String(answer.items.length),
      },
    })
    const clicks = events.filter((e) => e.type === 'rec_click')
    expect(clicks).toEqual([
      expect.objectContaining({
        article_id: SOURCE.id,
        props: { ...common, rec_article: second, position: '2' },
      }),
    ])
    // A reader cannot click what they did not see.
    expect(Number(clicks[0]?.ts_ms)).toBeGreaterThanOrEqual(Number(impressions[0]?.ts_ms))
    expect(errors).toEqual([])
    await close()
  })

  it('refills on an SPA route with the session’s recent reads, and sends the consented id', {
    timeout: 120_000,
  }, async () => {
    const { page, errors, close } = await openPage()
    const before = asked.length
    await page.goto(`${siteOrigin}/bai/${SOURCE.id}?consent=1`)
    await page.waitForSelector('#recs a.nhip-recs-link')
    const vid = await page.evaluate(() => localStorage.getItem('nhip_vid'))
    expect(vid).toMatch(/^[\w-]{22}$/)
    expect(Object.fromEntries(asked[before] ?? [])).toEqual({
      site: 'a1',
      k: '5',
      article: SOURCE.id,
      visitor: vid,
    })

    await page.click('#spa')
    await page.waitForFunction(
      (id) => document.querySelector('#recs')?.getAttribute('data-nhip-for') === id,
      SPA_ARTICLE,
    )
    const q = asked.at(-1)
    expect(Object.fromEntries(q ?? [])).toEqual({
      site: 'a1',
      k: '5',
      article: SPA_ARTICLE,
      visitor: vid,
      recent: SOURCE.id,
    })
    expect(asked.length - before).toBe(2)
    const answer = await routeAnswer(q)
    await page.waitForFunction(
      (n) => document.querySelectorAll('#recs a.nhip-recs-link').length === n,
      answer.items.length,
    )
    // The article read earlier in the session is not recommended again.
    expect((await links(page)).map((l) => l.id)).toEqual(answer.items.map((i) => i.article_id))
    expect(answer.items.map((i) => i.article_id)).not.toContain(SOURCE.id)
    // Visible on the SPA page: its impression names the SPA article as the source.
    await page.$eval('#recs', (e) => e.scrollIntoView({ block: 'center' }))
    const events = await until('the SPA page impression', async () => {
      const r = await recEvents(SPA_ARTICLE)
      return r.length ? r : undefined
    })
    expect(events).toEqual([expect.objectContaining({ type: 'rec_impression', article_id: SPA_ARTICLE })])
    expect(errors).toEqual([])
    await close()
  })

  it('renders only safe items from a careless answer: http(s) links, valid ids, text never markup', {
    timeout: 60_000,
  }, async () => {
    const { page, errors, close } = await openPage()
    await page.route(`${collectorOrigin}/v1/recommendations?*`, (route) =>
      route.fulfill({
        status: 200,
        headers: { 'access-control-allow-origin': siteOrigin, 'content-type': 'application/json' },
        body: JSON.stringify(carelessAnswer(SOURCE.id)),
      }),
    )
    await page.goto(`${siteOrigin}/bai/${SOURCE.id}`)
    await page.waitForSelector('#recs a.nhip-recs-link')
    // The javascript: link, the bad id and the article being read are dropped.
    expect(await links(page)).toEqual([
      {
        text: 'Khánh thành cầu mới qua sông Đa Nhim',
        href: `${siteOrigin}/bai/a1-2026-0101`,
        id: 'a1-2026-0101',
      },
      { text: XSS_TITLE, href: `${siteOrigin}/bai/a1-2026-0102`, id: 'a1-2026-0102' },
      { text: 'Mùa mận hậu ở Mộc Châu', href: `${siteOrigin}/bai/a1-2026-0104`, id: 'a1-2026-0104' },
    ])
    expect(await page.$$('#recs img')).toHaveLength(0)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(errors).toEqual([])
    await close()
  })
})
