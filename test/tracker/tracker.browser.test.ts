// The tracker in real Chromium against a fake collector on another origin: what it sends, when, and
// that it stays silent (and storage-free) when it should.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTracker } from '../../ingest/tracker/build.ts'
import {
  ARTICLE,
  type Collector,
  eventsOf,
  launchChromium,
  type PageOptions,
  pageUrl,
  type Received,
  sleep,
  startCollector,
  startSite,
  waitFor,
} from './harness.ts'

const BROWSER_TEST = { timeout: 120_000 }
const VIEWPORT = { width: 1280, height: 720 }

let browser: Browser
let collector: Collector
let site: { origin: string; close(): Promise<void> }

beforeAll(async () => {
  const { code } = await buildTracker()
  collector = await startCollector(code)
  site = await startSite(collector.origin)
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await site?.close()
  await collector?.close()
})

/** A fresh context and page that records console errors and uncaught page errors. */
async function openPage(initScript?: string): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: VIEWPORT })
  if (initScript) await ctx.addInitScript(initScript)
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  return { ctx, page, errors }
}

const url = (path: string, opts: PageOptions) => pageUrl(site.origin, path, opts)
const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0)

/** Requests are well-formed: valid BrowserBatch, text/plain, never preflighted. */
function expectWellFormed(requests: Received[]): void {
  expect(requests.length).toBeGreaterThan(0)
  for (const r of requests) {
    expect(r.method).toBe('POST')
    expect(r.error, r.raw).toBeUndefined()
    expect(r.batch).toBeDefined()
    expect(r.headers['content-type']).toBe('text/plain')
    expect(Buffer.byteLength(r.raw)).toBeLessThan(65_536)
  }
}

describe('tracker in Chromium', () => {
  it(
    'reports pageviews, engaged time, scroll, read completion, clicks and custom events',
    BROWSER_TEST,
    async () => {
      const name = 'main'
      const { ctx, page, errors } = await openPage()
      const first = url('/tin-tuc/bai-1', { site: name })
      await page.goto(first, { referer: 'https://news.google.com/' })
      await waitFor('the first pageview', () =>
        eventsOf(collector.forSite(name)).some((e) => e.t === 'pageview'),
      )

      // Phase A: a reader active without pause (input every second) for ~16 s, scrolling to the end
      // and clicking both links in the (fixed) navigation bar.
      const activeStart = Date.now()
      for (let i = 0; i <= 16; i++) {
        const tick = Date.now()
        await page.mouse.move(300 + i * 10, 300 + (i % 2) * 40)
        if (i < 16) await page.mouse.wheel(0, 420)
        if (i === 3) await page.click('#internal')
        if (i === 5) await page.click('#outbound')
        if (i < 16) await sleep(1000 - (Date.now() - tick))
      }
      const activeMs = Date.now() - activeStart

      // Phase B: idle for 10 s. Engaged time counts 5 s more (the activity window), then stops.
      await sleep(10_000)
      // No input events: these must not count as activity.
      await page.evaluate(() => {
        const nhip = (window as unknown as { nhip: (...a: unknown[]) => void }).nhip
        nhip('paywall', 'paywall_shown', { plan: 'premium' })
        nhip('subscribe', 'subscribe_start', { plan: 'premium' })
      })
      const localStorageKeys = await page.evaluate(() => localStorage.length)
      const cookies = await page.evaluate(() => document.cookie)

      // Phase C: SPA navigation with a real click (activity), 2 s of input, idle, then the tab closes.
      await page.click('#spa')
      const page2Start = Date.now()
      await sleep(1000)
      await page.mouse.move(500, 400)
      await sleep(1000)
      await page.mouse.move(520, 420)
      const page2Active = Date.now() - page2Start
      await sleep(7000)
      const beforeClose = collector.forSite(name).length
      await page.close()
      await waitFor('the beacon sent on close', () =>
        collector
          .forSite(name)
          .slice(beforeClose)
          .some((r) => r.beacon),
      )
      await sleep(500)
      await ctx.close()

      const requests = collector.forSite(name)
      expectWellFormed(requests)
      expect(collector.received.filter((r) => r.method === 'OPTIONS')).toEqual([])
      const events = eventsOf(requests)

      // Event ids are unique: every request was accepted, so nothing was retried.
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length)

      const second = new URL('/tin-tuc/bai-2', site.origin).href
      const pageviews = events.filter((e) => e.t === 'pageview')
      expect(pageviews.map((e) => e.u)).toEqual([first, second])
      expect(pageviews[0]).toMatchObject({
        r: 'https://news.google.com/',
        ti: ARTICLE.title,
        a: ARTICLE.id,
        s: ARTICLE.section,
        au: ARTICLE.author,
        pt: Date.parse(ARTICLE.published),
      })
      // The SPA pageview's referrer is the previous page.
      expect(pageviews[1]?.r).toBe(first)

      // Page 1 crossed every threshold once (the SPA page 2 starts over, already at the bottom).
      expect(
        events
          .filter((e) => e.t === 'scroll' && e.u === first)
          .map((e) => e.sc)
          .sort((a = 0, b = 0) => a - b),
      ).toEqual([25, 50, 75, 100])
      // Once per pageview (page 2 shows the same DOM, still scrolled to the end).
      const reads = events.filter((e) => e.t === 'read_complete')
      expect(reads.map((e) => e.u)).toEqual([first, second])

      const clicks = events.filter((e) => e.t === 'click')
      expect(clicks.map((e) => e.p)).toEqual(
        expect.arrayContaining([
          { href: new URL('/tin-tuc/bai-khac', site.origin).href, kind: 'internal' },
          { href: 'https://example.org/nguon', kind: 'outbound' },
        ]),
      )
      expect(events.find((e) => e.t === 'custom')).toMatchObject({
        n: 'share',
        p: { network: 'zalo', count: '3' },
      })
      expect(events.find((e) => e.t === 'paywall')).toMatchObject({
        n: 'paywall_shown',
        p: { plan: 'premium' },
      })
      expect(events.find((e) => e.t === 'subscribe')).toMatchObject({ n: 'subscribe_start' })

      // Engaged time: active time plus the 5 s activity window after the last input, ±20 %.
      const engagement = events.filter((e) => e.t === 'engagement')
      const page1 = engagement.filter((e) => e.u === first)
      const page2 = engagement.filter((e) => e.u === second)
      const page1Ms = sum(page1.map((e) => e.e ?? 0))
      const page2Ms = sum(page2.map((e) => e.e ?? 0))
      const expected1 = activeMs + 5000
      const expected2 = page2Active + 5000
      expect(page1Ms).toBeGreaterThan(expected1 * 0.8)
      expect(page1Ms).toBeLessThan(expected1 * 1.2)
      expect(page2Ms).toBeGreaterThan(expected2 * 0.8)
      expect(page2Ms).toBeLessThan(expected2 * 1.2)
      // It stopped counting during the 10 s idle phase (counting it would add 5 s more).
      expect(page1Ms).toBeLessThan(expected1 + 2500)
      // A heartbeat went out after ~15 s of engagement, before the page changed.
      expect(page1.some((e) => (e.e ?? 0) >= 15_000 && (e.e ?? 0) < 17_000)).toBe(true)
      // Engagement carries the max scroll depth.
      expect(Math.max(...page1.map((e) => e.sc ?? 0))).toBe(100)
      // The page-2 engagement left by beacon when the tab closed.
      const lastBeacon = requests.filter((r) => r.beacon).at(-1)
      expect(lastBeacon?.batch?.events.some((e) => e.t === 'engagement' && e.u === second)).toBe(true)

      // No consent: nothing stored, no visitor id sent.
      expect(localStorageKeys).toBe(0)
      expect(cookies).toBe('')
      for (const r of requests) {
        expect(r.batch?.vid).toBeUndefined()
        expect(r.batch?.c).toBeUndefined()
      }
      expect(errors).toEqual([])
    },
  )

  it('sends nothing under Do-Not-Track or Global Privacy Control', BROWSER_TEST, async () => {
    const cases = [
      { name: 'dnt', init: `Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })` },
      {
        name: 'gpc',
        init: `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })`,
      },
    ]
    await Promise.all(
      cases.map(async ({ name, init }) => {
        const { ctx, page, errors } = await openPage(init)
        await page.goto(url('/tin-tuc/bai-1', { site: name, consentAttr: true }))
        // The tracker ran (it marks the function it installs), and decided to stay silent.
        await page.waitForFunction(() => (window as unknown as { nhip?: { l?: number } }).nhip?.l === 1)
        for (let i = 0; i < 4; i++) {
          await page.mouse.move(200 + i * 20, 200)
          await page.mouse.wheel(0, 1500)
          await sleep(500)
        }
        await page.click('#internal')
        await page.click('#spa')
        await sleep(5500) // past a flush interval
        const stored = await page.evaluate(() => localStorage.length)
        await page.close()
        await sleep(500)
        await ctx.close()
        expect(stored).toBe(0)
        expect(errors).toEqual([])
      }),
    )
    expect(collector.forSite('dnt')).toEqual([])
    expect(collector.forSite('gpc')).toEqual([])
  })

  it(
    'with consent sends a stable visitor id, and forgets it when consent is withdrawn',
    BROWSER_TEST,
    async () => {
      const name = 'consent'
      // Also covers the getRandomValues fallback for event ids, and an explicit endpoint.
      const { ctx, page, errors } = await openPage(`delete Crypto.prototype.randomUUID`)
      const address = url('/tin-tuc/bai-1', {
        site: name,
        consentAttr: true,
        endpoint: `${collector.origin}/`,
      })
      await page.goto(address)
      await waitFor('the first pageview', () => collector.forSite(name).length >= 1)
      const vid = collector.forSite(name)[0]?.batch?.vid
      expect(vid).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(collector.forSite(name)[0]?.batch?.c).toBe(true)
      expect(await page.evaluate(() => localStorage.getItem('nhip_vid'))).toBe(vid)

      await page.reload()
      await waitFor(
        'the second pageview',
        () => eventsOf(collector.forSite(name)).filter((e) => e.t === 'pageview').length >= 2,
      )
      for (const r of collector.forSite(name)) expect(r.batch?.vid).toBe(vid)

      // Withdrawal: the id is deleted and no longer sent.
      const before = collector.forSite(name).length
      await page.evaluate(() => {
        const nhip = (window as unknown as { nhip: (...a: unknown[]) => void }).nhip
        nhip('consent', false)
        nhip('event', 'after_withdrawal')
      })
      expect(await page.evaluate(() => localStorage.length)).toBe(0)
      await waitFor('the batch after withdrawal', () => collector.forSite(name).length > before, 10_000)
      const after = collector.forSite(name).slice(before)
      expect(eventsOf(after).some((e) => e.n === 'after_withdrawal')).toBe(true)
      for (const r of after) {
        expect(r.batch?.vid).toBeUndefined()
        expect(r.batch?.c).toBeUndefined()
      }
      await ctx.close()
      expectWellFormed(collector.forSite(name))
      expect(errors).toEqual([])

      // Consent given through the API queue before the tag loaded works the same way.
      const api = await openPage()
      await api.page.goto(url('/tin-tuc/bai-1', { site: 'consent-call', consentCall: true }))
      await waitFor('a pageview', () => collector.forSite('consent-call').length >= 1)
      expect(collector.forSite('consent-call')[0]?.batch).toMatchObject({
        c: true,
        vid: expect.stringMatching(/^[\w-]{22}$/),
      })
      await api.ctx.close()
    },
  )

  it('retries a failed batch with the same event ids, honouring Retry-After', BROWSER_TEST, async () => {
    const name = 'retry'
    collector.plan(name, ['drop', { status: 503, retryAfter: 2 }, { status: 429, retryAfter: 1 }])
    const { ctx, page } = await openPage()
    await page.goto(url('/tin-tuc/bai-1', { site: name }))
    await waitFor('an accepted batch', () => collector.forSite(name).some((r) => r.status === 204), 30_000)
    await ctx.close()

    const requests = collector.forSite(name)
    expectWellFormed(requests)
    const [dropped, unavailable, limited, accepted] = requests
    expect(requests.map((r) => r.status).slice(0, 4)).toEqual([0, 503, 429, 204])
    // Each attempt carries the previous one's events, same ids (new events may ride along).
    const ids = (r: Received | undefined) => (r?.batch?.events ?? []).map((e) => e.id)
    for (const [a, b] of [
      [dropped, unavailable],
      [unavailable, limited],
      [limited, accepted],
    ] as const)
      expect(ids(b)).toEqual(expect.arrayContaining(ids(a)))
    expect(ids(dropped).length).toBeGreaterThan(0)
    // Retry-After: 2 s after the 503, 1 s after the 429: not sooner, and on time rather than at
    // the next 5 s flush (small slack for clocks and a busy machine).
    const gap1 = (limited?.at ?? 0) - (unavailable?.at ?? 0)
    const gap2 = (accepted?.at ?? 0) - (limited?.at ?? 0)
    expect(gap1).toBeGreaterThanOrEqual(1900)
    expect(gap1).toBeLessThan(3500)
    expect(gap2).toBeGreaterThanOrEqual(900)
    expect(gap2).toBeLessThan(2500)
    // The dropped connection was retried after the jittered 0.5–1 s back-off, not immediately.
    const gap0 = (unavailable?.at ?? 0) - (dropped?.at ?? 0)
    expect(gap0).toBeGreaterThanOrEqual(450)
    expect(gap0).toBeLessThan(2500)
  })

  it('splits bursts into batches of at most 50 events under 64 KB', BROWSER_TEST, async () => {
    const name = 'bulk'
    const { ctx, page, errors } = await openPage()
    await page.goto(url('/tin-tuc/bai-1', { site: name }))
    await waitFor('the first pageview', () => collector.forSite(name).length >= 1)
    await page.evaluate(() => {
      const nhip = (window as unknown as { nhip: (...a: unknown[]) => void }).nhip
      // 120 events of ~5 KB each (UTF-8): 600 KB that must leave in bodies under the keepalive quota.
      const props: Record<string, string> = {}
      for (let i = 0; i < 25; i++) props[`k${i}`] = 'ạ'.repeat(i < 5 ? 300 : 20)
      for (let i = 0; i < 120; i++) nhip('event', `bulk_${i}`, props)
    })
    await waitFor(
      'all 120 events',
      () => eventsOf(collector.forSite(name)).filter((e) => e.t === 'custom').length >= 121,
      30_000,
    )
    await ctx.close()
    const requests = collector.forSite(name)
    expectWellFormed(requests)
    // Two bodies must fit Chrome's 64 KB keepalive quota at once (the previous one is freed late).
    for (const r of requests) expect(Buffer.byteLength(r.raw)).toBeLessThan(32_768)
    expect(Math.max(...requests.map((r) => r.batch?.events.length ?? 0))).toBeGreaterThan(1)
    const bulk = eventsOf(requests).filter((e) => e.n?.startsWith('bulk_'))
    expect(new Set(bulk.map((e) => e.n)).size).toBe(120)
    expect(bulk).toHaveLength(120)
    // Property limits applied in the browser: 20 keys, 256 characters each.
    expect(Object.keys(bulk[0]?.p ?? {})).toHaveLength(20)
    expect(bulk[0]?.p?.k0).toHaveLength(256)
    expect(bulk[0]?.p?.k19).toHaveLength(20)
    expect(errors).toEqual([])
  })

  it('counts SPA pageviews on path or query changes, not on hash changes', BROWSER_TEST, async () => {
    const name = 'spa'
    const { ctx, page, errors } = await openPage()
    const first = url('/tin-tuc/bai-1', { site: name })
    await page.goto(first)
    await waitFor('the first pageview', () => collector.forSite(name).length >= 1)
    await page.evaluate(() => {
      history.pushState({}, '', '#binh-luan') // hash only: same page
      history.replaceState({}, '', `${location.pathname}${location.search}&page=2`) // query: new view
      history.pushState({}, '', '/tin-tuc/bai-3')
    })
    await page.goBack() // popstate back to ?…&page=2
    const pageviews = () => eventsOf(collector.forSite(name)).filter((e) => e.t === 'pageview')
    await waitFor('four pageviews', () => pageviews().length >= 4)
    await sleep(300)
    await ctx.close()
    expect(pageviews().map((e) => new URL(e.u).pathname + new URL(e.u).search)).toEqual([
      `/tin-tuc/bai-1?site=${name}`,
      `/tin-tuc/bai-1?site=${name}&page=2`,
      '/tin-tuc/bai-3',
      `/tin-tuc/bai-1?site=${name}&page=2`,
    ])
    expect(errors).toEqual([])
  })
})
