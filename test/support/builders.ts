// Small builders for test fixtures: a browser event, a server-side event, an article.
import { randomUUID } from 'node:crypto'
import type { BrowserEvent } from '../../ingest/contract/index.ts'

export function aBrowserEvent(over: Partial<BrowserEvent> & { site?: string } = {}): BrowserEvent {
  const { site = 'a1', ...rest } = over
  return {
    id: randomUUID(),
    t: 'pageview',
    ts: Date.now() - 1000,
    u: `https://${site}.vn/thoi-su/bai-viet-1.html`,
    r: 'https://www.google.com/',
    ti: 'Đà Lạt đón mùa hoa dã quỳ',
    a: 'bai-viet-1',
    s: 'Thời sự',
    ...rest,
  }
}

export function aBrowserBatch(events: BrowserEvent[], over: Record<string, unknown> = {}) {
  return { site: 'a1', events, ...over }
}

export function aServerEvent(over: Record<string, unknown> = {}) {
  return {
    event_id: randomUUID(),
    type: 'pageview',
    ts: new Date(Date.now() - 3_600_000).toISOString(),
    url: 'https://a1.vn/kinh-te/ca-phe.html',
    ip: '14.160.0.1',
    user_agent: 'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
    ...over,
  }
}

export const MOBILE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
