// Nhịp recommendation block: built by build.ts to `dist/n.r.js`, served next to the tracker (`…/p.js` →
// `…/p.r.js`) and loaded by the core tracker only on pages with an element marked for it:
//   <div data-nhip-recs data-k="5" data-title="Đọc thêm"></div>
// It asks the collector's GET /v1/recommendations for the current article (plus the articles read earlier
// in this page's life and, with consent, the first-party id), fills the element with links built from DOM
// APIs and textContent only (never markup from the server; only http(s) links), and records
// `rec_impression` once when the block is at least half visible and `rec_click` on a click, through the
// core's queue (same batching, retry and event ids as every other event). No inline styles: classes only.
// Like the core, it must never break the host page: entry points run inside try/catch and log nothing.
import type { WidgetKit } from './tracker.ts'

/** One recommendation as GET /v1/recommendations returns it. */
interface Item {
  article_id?: unknown
  url?: unknown
  title?: unknown
  section?: unknown
  premium?: unknown
}

const w = window as Window & { nhip?: { x?: WidgetKit; w?: (() => void) | 0 } }
const d = document
const api = w.nhip
const kit = api?.x

const safe =
  <A extends unknown[]>(f: (...a: A) => unknown) =>
  (...a: A): void => {
    try {
      f(...a)
    } catch {}
  }

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\0-\x1f\x7f]/g

/** A prop value as the contract takes it: a string of ≤ 256 characters without control characters. */
const str = (v: unknown, max = 256) =>
  (typeof v === 'string' || typeof v === 'number' ? String(v) : '').replace(CONTROL, '').slice(0, max)

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** Article ids seen by this copy of the widget (SPA routes), newest first: the session's recent reads. */
const seen: string[] = []
/** The impression observer of each filled block, so a refill (SPA route) replaces it. */
const observers = new WeakMap<Element, IntersectionObserver>()

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string) => {
  const e = d.createElement(tag)
  e.className = cls
  if (text) e.textContent = text
  return e
}

/** A link target we are willing to render: absolute http(s) only (no javascript:, data:, …). */
const href = (u: unknown): string | undefined => {
  if (typeof u !== 'string') return
  const url = new URL(u, location.href)
  return /^https?:$/.test(url.protocol) ? url.href : undefined
}

function fill(block: HTMLElement, key: string, body: unknown, k: number, article: string): void {
  // The reader moved on (SPA) while the request was out: this answer is for another page.
  if (block.dataset.nhipFor !== key) return
  const res = (body && typeof body === 'object' ? body : {}) as {
    items?: unknown
    source?: unknown
    model_version?: unknown
  }
  const items: Array<{ id: string; url: string; title: string; section: string; premium: boolean }> = []
  for (const it of Array.isArray(res.items) ? (res.items as Item[]) : []) {
    const id = typeof it?.article_id === 'string' ? it.article_id : ''
    const url = href(it?.url)
    const title = str(it?.title, 512).trim()
    if (ID.test(id) && url && title && items.length < k && id !== article)
      items.push({ id, url, title, section: str(it.section, 64), premium: it.premium === true })
  }
  observers.get(block)?.disconnect()
  block.classList.add('nhip-recs')
  block.classList.toggle('nhip-recs-empty', !items.length)
  if (!items.length) {
    block.replaceChildren()
    return
  }
  const common = {
    source_article: article,
    source: str(res.source, 32),
    model_version: str(res.model_version, 32),
    placement: str(block.dataset.nhipRecs, 64),
  }
  const list = el('ol', 'nhip-recs-list')
  items.forEach((item, i) => {
    const li = el('li', `nhip-recs-item${item.premium ? ' nhip-recs-premium' : ''}`)
    const a = el('a', 'nhip-recs-link', item.title)
    a.href = item.url
    a.dataset.nhipRec = item.id
    const click = safe((e: MouseEvent) => {
      // Primary and middle button (a new tab) count; the context menu does not.
      if (e.button < 2) kit?.('rec_click', { ...common, rec_article: item.id, position: String(i + 1) })
    })
    a.addEventListener('click', click)
    a.addEventListener('auxclick', click)
    li.append(a)
    if (item.section) li.append(' ', el('span', 'nhip-recs-section', item.section))
    list.append(li)
  })
  const title = str(block.dataset.title, 128).trim()
  block.replaceChildren(...(title ? [el('div', 'nhip-recs-title', title)] : []), list)
  const heading = block.firstElementChild
  if (title && heading) {
    heading.setAttribute('role', 'heading')
    heading.setAttribute('aria-level', '2')
  }
  // One impression per filled block, once at least half of it has been on screen.
  const io = new IntersectionObserver(
    safe((entries: IntersectionObserverEntry[]) => {
      if (!entries.some((e) => e.isIntersecting && e.intersectionRatio >= 0.5)) return
      io.disconnect()
      kit?.('rec_impression', {
        ...common,
        items: items
          .map((x) => x.id)
          .join(',')
          .slice(0, 256),
        count: String(items.length),
      })
    }),
    { threshold: 0.5 },
  )
  observers.set(block, io)
  io.observe(block)
}

/** Fills every block of the page not yet filled for the current page (called again on every SPA pageview). */
function render(): void {
  if (!kit) return
  const [base, site, vid, article = ''] = kit()
  if (article) {
    const at = seen.indexOf(article)
    if (at >= 0) seen.splice(at, 1)
    seen.unshift(article)
  }
  const key = article || location.pathname
  d.querySelectorAll<HTMLElement>('[data-nhip-recs]').forEach((block) => {
    if (block.dataset.nhipFor === key) return
    block.dataset.nhipFor = key
    const k = Math.min(20, Math.max(1, Number.parseInt(block.dataset.k ?? '', 10) || 5))
    const q = new URLSearchParams({ site, k: String(k) })
    if (article) q.set('article', article)
    if (vid) q.set('visitor', vid)
    const recent = seen.filter((a) => a !== article).slice(0, 10)
    if (recent.length) q.set('recent', recent.join(','))
    void fetch(`${base}/v1/recommendations?${q}`, { credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : undefined))
      .then(
        safe((body: unknown) => fill(block, key, body, k, article)),
        () => {}, // the collector is unreachable: the block stays as the page made it
      )
  })
}

if (kit && api) {
  api.w = safe(render)
  safe(render)()
}
