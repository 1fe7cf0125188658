// Test harness for the browser tracker: a fake collector (serves /n.js, records POST /e) and a news
// site on another origin serving an article page with the tracker tag, plus the Chromium launcher.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, chromium } from 'playwright-core'
import { BrowserBatch } from '../../ingest/contract/browser.ts'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** One request the fake collector received on /e. */
export interface Received {
  at: number
  method: string
  headers: IncomingHttpHeaders
  raw: string
  /** the body, when it parsed as a BrowserBatch */
  batch?: BrowserBatch
  /** the validation error, when it did not */
  error?: string
  /** what the collector answered; 0 = connection dropped */
  status: number
  /** sendBeacon requests are no-cors, fetch() requests are cors */
  beacon: boolean
}

/** How the collector answers the next requests of a site: a status (with Retry-After seconds), or a dropped connection. */
export type Answer = { status: number; retryAfter?: number } | 'drop'

export interface Collector {
  origin: string
  received: Received[]
  /** Requests whose body named this site (or that could not be parsed at all, under ''). */
  forSite(site: string): Received[]
  /** Answers queued per site; once used up the collector answers 204. */
  plan(site: string, answers: Answer[]): void
  close(): Promise<void>
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

function siteOf(raw: string): string {
  try {
    const v: unknown = JSON.parse(raw)
    return v && typeof v === 'object' && 'site' in v && typeof v.site === 'string' ? v.site : ''
  } catch {
    return ''
  }
}

export async function startCollector(trackerCode: string): Promise<Collector> {
  const received: Received[] = []
  const plans = new Map<string, Answer[]>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      // What the real collector must send too: the tracker reads Retry-After from a cross-origin fetch.
      res.setHeader('access-control-allow-origin', '*')
      res.setHeader('access-control-expose-headers', 'Retry-After')
      if (req.method === 'GET' && req.url === '/n.js') {
        res.setHeader('content-type', 'text/javascript; charset=utf-8')
        res.end(trackerCode)
        return
      }
      const raw = Buffer.concat(chunks).toString('utf8')
      const parsed = req.method === 'POST' ? BrowserBatch.safeParse(safeJson(raw)) : undefined
      const answer = plans.get(siteOf(raw))?.shift() ?? { status: 204 }
      received.push({
        at: Date.now(),
        method: req.method ?? '',
        headers: req.headers,
        raw,
        batch: parsed?.success ? parsed.data : undefined,
        error: parsed && !parsed.success ? parsed.error.message : undefined,
        status: answer === 'drop' ? 0 : answer.status,
        beacon: req.headers['sec-fetch-mode'] === 'no-cors',
      })
      if (answer === 'drop') {
        req.socket.destroy()
        return
      }
      if (answer.retryAfter !== undefined) res.setHeader('retry-after', String(answer.retryAfter))
      res.statusCode = answer.status
      res.end()
    })
  })
  const origin = await listen(server)
  return {
    origin,
    received,
    forSite: (site) => received.filter((r) => siteOf(r.raw) === site),
    plan: (site, answers) => plans.set(site, [...answers]),
    close: () => close(server),
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}

export const ARTICLE = {
  id: 'bld-2024-0001',
  title: 'Đà Lạt rực rỡ mùa hoa dã quỳ',
  section: 'Du lịch',
  author: 'Nguyễn Thị Lan',
  published: '2024-11-20T07:30:00+07:00',
}

export interface PageOptions {
  site: string
  /** data-consent="true" on the tag */
  consentAttr?: boolean
  /** nhip('consent', true) through the stub queue, before the tag loads */
  consentCall?: boolean
  /** data-endpoint value; default: none (the tracker posts to the script's origin) */
  endpoint?: string
}

/** The news site: every path answers the same article page; options travel in the query string. */
export async function startSite(
  collectorOrigin: string,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams
    const opts: PageOptions = {
      site: q.get('site') ?? 'test',
      consentAttr: q.get('consent') === 'attr',
      consentCall: q.get('consent') === 'call',
      endpoint: q.get('endpoint') ?? undefined,
    }
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(articlePage(collectorOrigin, opts))
  })
  const origin = await listen(server)
  return { origin, close: () => close(server) }
}

export function pageUrl(siteOrigin: string, path: string, opts: PageOptions): string {
  const q = new URLSearchParams({ site: opts.site })
  if (opts.consentAttr) q.set('consent', 'attr')
  if (opts.consentCall) q.set('consent', 'call')
  if (opts.endpoint) q.set('endpoint', opts.endpoint)
  return `${siteOrigin}${path}?${q}`
}

function articlePage(collector: string, o: PageOptions): string {
  // 60 fixed-height paragraphs: a ~6,000 px article whatever the fonts, then a tall footer.
  const paragraphs = Array.from(
    { length: 60 },
    (_, i) => `<p>Đoạn ${i + 1}. Hoa dã quỳ nở vàng các triền đồi quanh Đà Lạt, thu hút du khách.</p>`,
  ).join('\n')
  const attrs = [
    `data-site="${o.site}"`,
    o.consentAttr ? 'data-consent="true"' : '',
    o.endpoint ? `data-endpoint="${o.endpoint}"` : '',
  ].join(' ')
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>${ARTICLE.title}</title>
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
  ${o.consentCall ? "nhip('consent', true)" : ''}
  nhip('event', 'share', { network: 'zalo', count: 3 })
</script>
<script async src="${collector}/n.js" ${attrs}></script>
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
<footer>Báo Lâm Đồng</footer>
<script>
  // The test stays on this page: links are clicked, not followed.
  document.addEventListener('click', (e) => { if (e.target.closest('a')) e.preventDefault() })
</script>
</body></html>`
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Every event a site's requests carried, in arrival order. */
export function eventsOf(requests: Received[]): BrowserBatch['events'] {
  return requests.flatMap((r) => r.batch?.events ?? [])
}
