// Realistic `POST /e` traffic for the collector benchmarks: tracker batches with fresh event ids, from
// many Vietnamese addresses and a few browsers, so visitor hashes, geo lookups, rate-limit buckets and
// Kafka partitions vary as they do in production (one IP + one UA would put every event on one key).
import { randomUUID } from 'node:crypto'

/** The site the traffic claims to come from; the benchmark registers it before sending. */
export interface TrafficSite {
  site_id: string
  domain: string
}

// Address blocks of large Vietnamese ISPs (VNPT, Viettel, FPT): the geo database maps them to VN.
const PREFIXES = [
  '14.160',
  '14.161',
  '113.160',
  '113.161',
  '171.224',
  '171.225',
  '27.72',
  '27.73',
  '42.112',
  '42.113',
]

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; CPH2591) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36 coc_coc_browser/130.0',
]

const SECTIONS = ['Thời sự', 'Kinh tế', 'Du lịch', 'Văn hóa', 'Thể thao']
const REFERRERS = ['https://www.google.com/', 'https://www.facebook.com/', 'https://zalo.me/', '']

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T

/** One reader: the headers a browser would send (the address via X-Forwarded-For, trusted in the bench). */
export function aReaderHeaders(site: TrafficSite): Record<string, string> {
  const ip = `${pick(PREFIXES)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`
  return {
    'content-type': 'text/plain;charset=UTF-8',
    origin: `https://${site.domain}`,
    'user-agent': pick(USER_AGENTS),
    'x-forwarded-for': ip,
  }
}

/**
 * A tracker batch body of `n` events of one page view, each with a fresh UUID (or the ids `makeId` gives,
 * e.g. sequence-numbered ones a chaos drill can account for); returns the ids too.
 * @example const { body, ids } = aTrackerBatch(site, 20)
 */
export function aTrackerBatch(
  site: TrafficSite,
  n: number,
  now = Date.now(),
  makeId: () => string = randomUUID,
): { body: string; ids: string[] } {
  const article = `bai-viet-${Math.floor(Math.random() ** 2 * 500)}`
  const url = `https://${site.domain}/${pick(SECTIONS).length > 6 ? 'thoi-su' : 'kinh-te'}/${article}.html`
  const title = `Đà Lạt đón mùa hoa dã quỳ — ${article}`
  const section = pick(SECTIONS)
  const referrer = pick(REFERRERS)
  const ids: string[] = []
  const events = Array.from({ length: n }, (_, i) => {
    const id = makeId()
    ids.push(id)
    // A page view, then engagement heartbeats — the shape a real tracker flushes.
    return i === 0
      ? { id, t: 'pageview', ts: now - 1000, u: url, r: referrer, ti: title, a: article, s: section }
      : {
          id,
          t: 'engagement',
          ts: now - 1000 + i,
          u: url,
          ti: title,
          a: article,
          s: section,
          e: 5000,
          sc: Math.min(100, i * 5),
        }
  })
  return { body: JSON.stringify({ site: site.site_id, events }), ids }
}
