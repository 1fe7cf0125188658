// Nhịp browser tracker: bundled and minified to `dist/n.js` by build.ts (budget: 2.5 KB gzipped).
// Embedded on news sites as
//   <script async src="https://collector/n.js" data-site="baolamdong" data-endpoint="https://collector"></script>
// It must never break the host page: every entry point (listeners, timers, the public API, promise
// callbacks) runs inside try/catch and nothing is logged. Readers asking not to be tracked (Do-Not-Track,
// Global Privacy Control) are not tracked at all; without consent nothing is stored in the browser.
import type { BrowserEvent } from '../contract/browser.ts'

type Ev = BrowserEvent
type EventType = Ev['t']
/** The public `nhip(...)` function; before the tracker loads, the page's stub queues calls in `q`. */
interface Nhip {
  (...args: unknown[]): void
  q?: ArrayLike<unknown>[]
  /** set once a tracker runs, so a second copy of the tag does not count everything twice */
  l?: 1
  /** for the recommendation widget (widget.ts): records a widget event, returns the page's context */
  x?: WidgetKit
  /** 0 while the widget loads; then set by it and called on every SPA pageview: fills the page's blocks */
  w?: (() => void) | 0
}
/**
 * The core's side of the widget contract: `kit(type, props)` queues an event on the normal batching and
 * retry path (props must already be contract-sized: ≤ 20 strings of ≤ 256 characters); every call returns
 * [collector origin, site, consented visitor id, the current page's article id].
 */
export type WidgetKit = (
  t?: 'rec_impression' | 'rec_click',
  p?: Record<string, string>,
) => [string, string, string | undefined, string | undefined]

const w = window as Window & { nhip?: Nhip; doNotTrack?: string }
const d = document as Document & { prerendering?: boolean }
const nav = navigator as Navigator & { globalPrivacyControl?: boolean }
const loc = location
const now = () => performance.now()
const http = /^https?:/
// Tunables as a const enum: esbuild inlines the values, so naming them costs no bytes. The enum is
// private to this file, so the isolatedModules hazard the lint rule guards against does not apply.
// biome-ignore lint/suspicious/noConstEnum: inlined by esbuild, never exported
const enum K {
  /** Chartbeat's activity window: a reader is engaged for 5 s after their last input. */
  ActiveMs = 5e3,
  /** Engaged time between heartbeats. */
  HeartbeatMs = 15e3,
  /** Events kept while the collector is unreachable; the oldest go first. */
  QueueMax = 200,
  /** Queue length that triggers an early flush. */
  FlushAt = 20,
  /** Events per request (the contract allows 50). */
  BatchMax = 50,
  /**
   * Request body bytes. keepalive fetch and sendBeacon share a 64 KB in-flight quota, and Chrome frees
   * a request's share only a moment after its response: two bodies must fit, or the next one fails.
   */
  BodyMax = 3e4,
}
const VID_KEY = 'nhip_vid'

/** Runs `f`, swallowing anything it throws: the host page must never see our errors. */
const safe =
  <A extends unknown[]>(f: (...a: A) => unknown) =>
  (...a: A): void => {
    try {
      f(...a)
    } catch {}
  }

const on = (target: EventTarget, type: string, f: (e: Event) => unknown) =>
  // capture: the host's stopPropagation must not hide clicks; passive: never delay scrolling.
  target.addEventListener(type, safe(f), { capture: true, passive: true })

/** Free text the collector accepts: no control characters, at most `max` UTF-16 units. */
const txt = (v: unknown, max: number) =>
  String(v)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\0-\x08\v\f\x0e-\x1f\x7f]/g, '')
    .slice(0, max)

/** Custom properties as the contract wants them: ≤ 20 string values of ≤ 256 characters. */
const props = (o: unknown): Record<string, string> | undefined => {
  if (!o || typeof o !== 'object') return
  const p: Record<string, string> = {}
  let i = 0
  for (const [k, v] of Object.entries(o)) if (v != null && k && i++ < 20) p[txt(k, 64)] = txt(v, 256)
  return p
}

const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n))

/** Event ids are UUID v4 so the collector can drop retried duplicates. */
const uuid = (): string =>
  // randomUUID only exists in secure contexts (and newer browsers): fall back to getRandomValues.
  // The template's 1/0/8 digits become random hex, keeping the version (4) and variant (8-b) bits.
  crypto.randomUUID?.() ??
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ ((bytes(1)[0] ?? 0) & (15 >> (+c / 4)))).toString(16),
  )

/** 22 URL-safe characters for the consented visitor id: 128 random bits (base64's + and / both become _). */
const randomId = () =>
  btoa(String.fromCharCode(...bytes(16)))
    .slice(0, 22)
    .replace(/\W/g, '_')

/** Article metadata from the page: Nhịp's own tags first, then Open Graph `article:*`. */
const meta = (): Partial<Ev> => {
  const m = (k: string) =>
    d.querySelector<HTMLMetaElement>(`meta[name="nhip:${k}"],meta[property="article:${k}"]`)?.content
  const a = (
    m('article_id') ||
    d.querySelector('[data-nhip-article-id]')?.getAttribute('data-nhip-article-id') ||
    ''
  )
    .trim()
    .toLowerCase()
  const s = m('section')
  const au = m('author')
  const pt = Date.parse(m('published_time') || '')
  // Undefined keys vanish in JSON.stringify, so absent metadata costs no bytes on the wire.
  return {
    ti: txt(d.title, 512),
    // An id the collector would reject would cost the whole batch: send only valid ones.
    a: /^[a-z0-9][\w.-]{0,63}$/.test(a) ? a : undefined,
    s: s ? txt(s, 64) : undefined,
    au: au ? txt(au, 128) : undefined,
    pt: pt >= 0 ? pt : undefined,
  }
}

const main = () => {
  const script = (d.currentScript || d.querySelector('script[data-site]')) as HTMLScriptElement | null
  const ds = script?.dataset
  const site = ds?.site
  if (!script || !site || w.nhip?.l || !http.test(loc.protocol)) return
  const noop: Nhip = () => {}
  noop.l = 1
  if (nav.doNotTrack === '1' || w.doNotTrack === '1' || nav.globalPrivacyControl) {
    // Not tracked: swallow API calls so the page's stub queue does not grow forever.
    w.nhip = noop
    return
  }
  const base = (ds.endpoint || new URL(script.src).origin).replace(/\/+$/, '')
  const url = `${base}/e`

  // Consent and the first-party id. Without consent nothing is read from or written to storage.
  let consent = false
  let vid: string | undefined
  const setConsent = (yes: boolean) => {
    consent = yes
    vid = undefined
    try {
      if (!yes) return localStorage.removeItem(VID_KEY)
      vid = localStorage.getItem(VID_KEY) || ''
      if (!/^[\w-]{16,64}$/.test(vid)) {
        vid = randomId()
        localStorage.setItem(VID_KEY, vid)
      }
    } catch {
      // Storage blocked: consent still holds, the id just lasts for this page only.
      vid ||= randomId()
    }
  }
  if (ds.consent === 'true') setConsent(true)

  // Sending. Events wait in `queue`; a failed batch goes back to its front with the same ids.
  const queue: Ev[] = []
  let busy = false
  let retryAt = 0
  let failures = 0

  const trim = () => queue.length > K.QueueMax && queue.splice(0, queue.length - K.QueueMax)

  /** Takes the next batch off the queue, shrinking it until the body fits the keepalive quota. */
  const take = (): [Ev[], Blob] | undefined => {
    let n = Math.min(queue.length, K.BatchMax)
    while (n) {
      const events = queue.slice(0, n)
      const body = new Blob([JSON.stringify({ site, c: consent || undefined, vid, events })], {
        type: 'text/plain', // a CORS-safelisted type: no preflight request
      })
      // Every field is capped, so one event alone is always far below BodyMax.
      if (body.size < K.BodyMax || n < 2) {
        queue.splice(0, n)
        return [events, body]
      }
      // Scale the count down by how much the body is over (always by at least one event).
      n = Math.max(1, Math.min(n - 1, ((n * K.BodyMax) / body.size) | 0))
    }
  }

  const retry = (events: Ev[], retryAfter?: string | null) => {
    queue.unshift(...events)
    trim()
    const s = retryAfter ? +retryAfter * 1e3 : Number.NaN
    // Honour Retry-After (seconds); otherwise exponential back-off with jitter, at most 30 s.
    const wait = s >= 0 ? Math.min(s, 3e5) : Math.min(3e4, 1e3 * 2 ** failures++) * (0.5 + Math.random() / 2)
    retryAt = now() + wait
    // Retry on time rather than at the next 5 s flush (+ a few ms: timers may fire a hair early).
    setTimeout(send, wait + 9)
  }

  /** One fetch at a time; `beacon` (page going away) hands everything left to sendBeacon instead. */
  const send = safe((beacon?: boolean) => {
    if (beacon) {
      for (let b = take(); b; b = take())
        if (!nav.sendBeacon(url, b[1])) {
          // Over the browser's beacon quota: keep them, the page may come back (bfcache).
          queue.unshift(...b[0])
          break
        }
      return
    }
    if (busy || now() < retryAt) return
    const b = take()
    if (!b) return
    // Left behind by the batch limit: keep draining after this request instead of waiting 5 s.
    const more = queue.length
    busy = true
    void fetch(url, { method: 'POST', body: b[1], keepalive: true, credentials: 'omit' })
      .then(
        safe((res: Response) => {
          const st = res.status
          if (st === 429 || st === 502 || st === 503 || st === 504)
            retry(b[0], res.headers.get('retry-after'))
          else failures = 0 // accepted, or refused for good (4xx): either way do not resend
        }),
        safe(() => retry(b[0])),
      )
      .then(
        safe(() => {
          busy = false
          if (more || queue.length >= K.FlushAt) send()
        }),
      )
  })

  // Per-page state, reset by every pageview.
  let cur = ''
  let path = ''
  let ref = d.referrer
  let page: Partial<Ev> = {}
  let maxScroll = 0
  let readDone = false

  const ev = (t: EventType, extra?: Partial<Ev>) => {
    queue.push({ id: uuid(), t, ts: Date.now(), u: cur, ...page, ...extra })
    trim()
    if (queue.length >= K.FlushAt) send()
  }

  // Engaged time: counted only while the page is visible and within ActiveMs of the last input.
  // `tick` books the time since `mark`; it runs before every change of `last` or `shown`.
  let engaged = 0
  let mark = now()
  let last = -K.ActiveMs
  const visible = () => d.visibilityState === 'visible'
  let shown = visible()
  const tick = () => {
    const t = now()
    if (shown) engaged += Math.max(0, Math.min(t, last + K.ActiveMs) - mark)
    mark = t
  }
  const flushEngaged = () => {
    tick()
    const e = Math.round(engaged)
    engaged -= e
    if (e > 0) ev('engagement', { e, sc: maxScroll })
  }

  // Read completion: the end marker, else the bottom of the page's only <article>, is in view.
  const io = new IntersectionObserver(safe(() => readCheck()))
  const articleEnd = () => {
    const list = d.querySelectorAll('article')
    return d.querySelector('[data-nhip-article-end]') || (list.length === 1 ? list[0] : null)
  }
  const readCheck = () => {
    const el = articleEnd()
    if (
      !readDone &&
      el &&
      shown &&
      el.getClientRects().length && // rendered (display:none has no boxes)
      el.getBoundingClientRect().bottom <= innerHeight + 1
    ) {
      readDone = true
      ev('read_complete', { sc: maxScroll })
    }
  }

  const scroll = () => {
    const pct =
      Math.min(100, Math.round(((scrollY + innerHeight) / d.documentElement.scrollHeight) * 100)) || 0
    for (const t of [25, 50, 75, 100]) if (maxScroll < t && pct >= t) ev('scroll', { sc: t })
    maxScroll = Math.max(maxScroll, pct)
    readCheck()
  }

  const pageview = () => {
    cur = loc.href.slice(0, 2048)
    path = loc.pathname + loc.search
    page = meta()
    maxScroll = 0
    readDone = false
    engaged = 0
    ev('pageview', { r: http.test(ref) ? ref.slice(0, 2048) : '' })
    // The next SPA pageview's referrer is this page.
    ref = cur
    io.disconnect()
    const el = articleEnd()
    if (el) io.observe(el)
    scroll()
  }

  /** SPA navigation: a new pageview when the path or query changed (not for hash-only changes). */
  const route = () => {
    if (loc.pathname + loc.search === path) return
    flushEngaged() // the time so far belongs to the previous page
    pageview()
    widget()
    send()
  }

  /** Page hidden or being left (pagehide comes before visibilitychange on unload): flush by beacon. */
  const hide = () => {
    flushEngaged()
    // Leaving ends the activity window: back on the page, the reader counts again from their next input.
    last = -K.ActiveMs
    send(true)
  }

  const activity = () => {
    tick()
    last = now()
  }

  const api: Nhip = safe((...args: unknown[]) => command(args))
  api.l = 1
  api.x = (t, p) => {
    if (t) ev(t, { p })
    return [base, site, vid, page.a]
  }
  // The recommendation widget is a second file (the tracker's path with .r.js), loaded by the first page
  // (or SPA route) that has a block for it; `api.w` is 0 while it loads.
  const widget = () => {
    if (api.w) api.w()
    // 0 (loading) stops here; undefined (not yet asked) loads the widget when the page has a block.
    else if (api.w ?? d.querySelector('[data-nhip-recs]')) {
      api.w = 0
      d.head.append(
        Object.assign(d.createElement('script'), { src: script.src.replace(/\.js(?=[?#]|$)/, '.r.js') }),
      )
    }
  }

  const command = (args: ArrayLike<unknown>) => {
    const [c, x, p] = Array.from(args)
    if (c === 'consent') setConsent(x === true)
    else if (x && (c === 'event' || c === 'paywall' || c === 'subscribe'))
      ev(c === 'event' ? 'custom' : c, { n: txt(x, 64), p: props(p) })
  }

  const start = () => {
    shown = visible() // a prerendered page was hidden until now
    pageview()
    const stub = w.nhip
    w.nhip = api
    for (const args of Array.from(stub?.q || [])) safe(command)(args)
    widget()
    send()

    for (const type of ['mousemove', 'keydown', 'scroll', 'touchstart', 'click']) on(d, type, activity)
    on(w, 'scroll', scroll)
    on(d, 'click', (e) => {
      const a = (e.target as Element).closest?.('a[href]') as HTMLAnchorElement | null
      if (a && http.test(a.protocol))
        ev('click', {
          p: { href: a.href.slice(0, 256), kind: a.host === loc.host ? 'internal' : 'outbound' },
        })
    })
    on(d, 'visibilitychange', () => {
      tick()
      shown = visible()
      shown ? readCheck() : hide()
    })
    on(w, 'pagehide', hide)
    on(w, 'popstate', route)
    for (const k of ['pushState', 'replaceState'] as const) {
      const original = history[k]
      history[k] = function (this: History, ...a: Parameters<History['pushState']>) {
        // The host's own call keeps its behaviour (and its exceptions); only our part is guarded.
        original.apply(this, a)
        safe(route)()
      }
    }

    let seconds = 0
    setInterval(
      safe(() => {
        tick()
        if (engaged >= K.HeartbeatMs) flushEngaged()
        if (++seconds % 5 === 0) send()
      }),
      1e3,
    )
  }

  // A prerendered page (speculation rules) is not a view until the reader actually opens it.
  d.prerendering ? on(d, 'prerenderingchange', start) : start()
}

safe(main)()
