// Builder of `events` rows (the writer's input) for tests that seed ClickHouse directly.
import { randomUUID } from 'node:crypto'
import type { EventRow } from '../../transform/writer.ts'

export function anEventRow(over: Partial<EventRow> = {}): EventRow {
  const ts = over.ts ?? Date.now() - 3_600_000
  return {
    event_id: randomUUID(),
    schema_version: 1,
    type: 'pageview',
    name: '',
    ts,
    received_at: ts + 100,
    agency_id: 'tinh-a',
    site_id: 'a1',
    url: 'https://a1.vn/du-lich/da-lat.html',
    path: '/du-lich/da-lat.html',
    title: 'Đà Lạt mùa hoa',
    article_id: 'da-lat',
    section: 'Du lịch',
    referrer: '',
    referrer_host: '',
    referrer_class: 'direct',
    referrer_source: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_content: '',
    utm_term: '',
    visitor_id: 'visitor-0001',
    consented: 0,
    session_id: 'session-1',
    session_page: 1,
    engaged_ms: 0,
    scroll_pct: 0,
    props: {},
    device: 'mobile',
    os: 'Android',
    browser: 'Chrome',
    is_bot: 0,
    bot_kind: '',
    country: 'VN',
    province: 'Lâm Đồng',
    ...over,
  }
}

/**
 * `n` pageviews, one a second from `start`, over two sites (a1, a2) and 37 readers; `over(i)` changes row i.
 * @example await writer.writeEvents(pageviews(300, T0, (i) => ({ article_id: `art-${i % 3}` })))
 */
export function pageviews(
  n: number,
  start: number,
  over: (i: number) => Partial<EventRow> = () => ({}),
): EventRow[] {
  return Array.from({ length: n }, (_, i) =>
    anEventRow({
      ts: start + i * 1000,
      received_at: start + i * 1000 + 50,
      site_id: i % 2 ? 'a1' : 'a2',
      visitor_id: `visitor-${i % 37}`,
      session_id: `session-${i % 37}`,
      ...over(i),
    }),
  )
}
