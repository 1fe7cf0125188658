// A seeded generator of contract-valid events with its exact ground truth (pageviews per site/article/hour
// in Vietnam time, bots excluded), for end-to-end count checks.
import { createHash } from 'node:crypto'
import type { EventMessage } from '../../ingest/contract/index.ts'

export interface GeneratedSite {
  agency_id: string
  site_id: string
  domain: string
}

export const TEST_SITES: GeneratedSite[] = [
  { agency_id: 'baolamdong', site_id: 'baolamdong', domain: 'baolamdong.vn' },
  { agency_id: 'ltv', site_id: 'lamdongtv', domain: 'lamdongtv.vn' },
  { agency_id: 'vanhoa', site_id: 'tapchivanhoa', domain: 'tapchivanhoa.vn' },
]

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** `YYYY-MM-DD HH:00:00` of the Vietnam hour containing `ts`. */
export function vietnamHour(ts: number): string {
  return (
    new Date(Math.floor((ts + 7 * 3_600_000) / 3_600_000) * 3_600_000)
      .toISOString()
      .slice(0, 13)
      .replace('T', ' ') + ':00:00'
  )
}

export interface Generated {
  events: EventMessage[]
  /** `${site}|${article}|${vietnam hour}` → pageviews (bots excluded). */
  pageviews: Map<string, number>
}

/**
 * @param count events to make
 * @param startMs first timestamp; events spread over `hours` hours
 */
export function generateEvents(opts: {
  seed: number
  count: number
  startMs: number
  hours: number
  sites?: GeneratedSite[]
  idPrefix?: string
}): Generated {
  const r = rng(opts.seed)
  const sites = opts.sites ?? TEST_SITES
  const events: EventMessage[] = []
  const pageviews = new Map<string, number>()
  const sections = ['Thời sự', 'Kinh tế', 'Du lịch', 'Văn hóa', 'Thể thao']
  for (let i = 0; i < opts.count; i++) {
    const site = sites[Math.floor(r() * sites.length)] ?? sites[0]
    if (!site) throw new Error('no sites')
    const articleIndex = Math.floor(r() ** 2 * 40)
    const article = `bai-${articleIndex}`
    const ts = opts.startMs + Math.floor(r() * opts.hours * 3_600_000)
    const bot = r() < 0.03
    const type = r() < 0.6 ? 'pageview' : 'engagement'
    const visitor = `v${Math.floor(r() * 3000)
      .toString()
      .padStart(6, '0')}xxxxxxxx`
    const e: EventMessage = {
      v: 1,
      event_id: uuidFrom(`${opts.idPrefix ?? 'e'}-${opts.seed}-${i}`),
      type,
      name: '',
      ts,
      received_at: ts + 50,
      agency_id: site.agency_id,
      site_id: site.site_id,
      url: `https://${site.domain}/${article}.html?utm_source=${r() < 0.1 ? 'zalo' : ''}`,
      referrer: r() < 0.5 ? 'https://www.google.com/' : '',
      title: `Bài viết ${article} — Đà Lạt`,
      article_id: article,
      // An article belongs to one section, as on a real site.
      section: sections[articleIndex % sections.length] ?? '',
      author: '',
      published_at: null,
      visitor_id: visitor,
      consented: false,
      engaged_ms: type === 'engagement' ? 5000 + Math.floor(r() * 10_000) : 0,
      scroll_pct: 0,
      props: {},
      client: {
        device: r() < 0.75 ? 'mobile' : 'desktop',
        os: 'Android',
        browser: 'Chrome',
        bot,
        bot_kind: bot ? 'crawler' : '',
        country: 'VN',
        province: 'Lâm Đồng',
      },
    }
    events.push(e)
    if (type === 'pageview' && !bot) {
      const key = `${site.site_id}|${article}|${vietnamHour(ts)}`
      pageviews.set(key, (pageviews.get(key) ?? 0) + 1)
    }
  }
  return { events, pageviews }
}
