// Rollups, sessions and analyst views on the real engine: a small hand-checked reading history across
// 3 sites, 2 Vietnam days and several hours (with a bot, heartbeats, scroll milestones and a paywall funnel).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  insertArticles,
  queryArticleDaily,
  queryArticleHourly,
  queryArticles,
  queryEngagement,
  queryPaywallFunnel,
  querySessions,
  querySiteHourly,
  queryTrafficSources,
} from '../../infra/clickhouse/tables/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const AGENCY_OF: Record<string, string> = {
  baolamdong: 'lamdong',
  lamdongtv: 'lamdong',
  baokhanhhoa: 'khanhhoa',
}

interface EventSpec {
  at: string
  type?: string
  name?: string
  site?: string
  article?: string
  section?: string
  visitor?: string
  session?: string
  ref?: [cls: string, source: string]
  device?: string
  engagedMs?: number
  scrollPct?: number
  bot?: boolean
  province?: string
}

/** One `events` row as the writer inserts it; `at` is an ISO UTC instant. */
function anEvent(e: EventSpec): Record<string, unknown> {
  const site = e.site ?? 'baolamdong'
  const ts = new Date(e.at).toISOString().replace('T', ' ').replace('Z', '')
  const article = e.article ?? ''
  return {
    event_id: randomUUID(),
    schema_version: 1,
    type: e.type ?? 'pageview',
    name: e.name ?? '',
    ts,
    received_at: ts,
    agency_id: AGENCY_OF[site] ?? 'lamdong',
    site_id: site,
    url: `https://${site}.vn/${article || 'trang-chu'}`,
    path: `/${article}`,
    article_id: article,
    section: e.section ?? '',
    referrer_class: e.ref?.[0] ?? '',
    referrer_source: e.ref?.[1] ?? '',
    visitor_id: e.visitor ?? 'visitor-1',
    session_id: e.session ?? 'session-1',
    engaged_ms: e.engagedMs ?? 0,
    scroll_pct: e.scrollPct ?? 0,
    device: e.device ?? 'desktop',
    is_bot: e.bot ? 1 : 0,
    bot_kind: e.bot ? 'crawler' : '',
    country: e.province ? 'VN' : '',
    province: e.province ?? '',
  }
}

const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString()

/**
 * What the tracker sends for one page read: the pageview, a `scroll` event per milestone passed,
 * engagement heartbeats 10 s apart, and read_complete when the end was reached.
 */
function aPageRead(
  e: EventSpec & { engaged?: number[]; scrolledTo?: number; readComplete?: boolean },
): Array<Record<string, unknown>> {
  const { engaged = [], scrolledTo = 0, readComplete = false, ...page } = e
  return [
    anEvent(page),
    ...[25, 50, 75, 100]
      .filter((m) => m <= scrolledTo)
      .map((m, i) => anEvent({ ...page, type: 'scroll', scrollPct: m, at: plus(page.at, 2 * (i + 1)) })),
    ...engaged.map((ms, i) =>
      anEvent({ ...page, type: 'engagement', engagedMs: ms, at: plus(page.at, 10 * (i + 1)) }),
    ),
    ...(readComplete ? [anEvent({ ...page, type: 'read_complete', at: plus(page.at, 30) })] : []),
  ]
}

const funnel = (page: EventSpec, steps: Array<[name: string, afterSeconds: number]>) =>
  steps.map(([name, s]) =>
    anEvent({
      ...page,
      type: name.startsWith('paywall') ? 'paywall' : 'subscribe',
      name,
      at: plus(page.at, s),
    }),
  )

// Vietnam day D1 = 2026-03-10 runs from 2026-03-09T17:00Z to 2026-03-10T17:00Z; D2 = 2026-03-11.
const a1 = { site: 'baolamdong', article: 'a1', section: 'thoi-su' }
const a2 = { site: 'baolamdong', article: 'a2', section: 'kinh-te' }
const BAOLAMDONG = [
  // v1 lands on a1 from Zalo on a phone, reads it to the end, then reads a2.
  ...aPageRead({
    ...a1,
    at: '2026-03-10T02:05:00Z',
    visitor: 'v1',
    session: 's1',
    ref: ['messaging', 'zalo'],
    device: 'mobile',
    engaged: [10_000, 5_000],
    scrolledTo: 50,
    readComplete: true,
    province: 'Lâm Đồng',
  }),
  ...aPageRead({
    ...a2,
    at: '2026-03-10T02:10:00Z',
    visitor: 'v1',
    session: 's1',
    ref: ['internal', 'baolamdong.vn'],
    device: 'mobile',
    engaged: [3_000],
    scrolledTo: 25,
    province: 'Lâm Đồng',
  }),
  // v2 comes from Google and leaves at once (a bounce).
  ...aPageRead({
    ...a1,
    at: '2026-03-10T02:20:00Z',
    visitor: 'v2',
    session: 's2',
    ref: ['search', 'google'],
    province: 'Hà Nội',
  }),
  // A crawler: everything it does must stay out of rollups and views.
  ...aPageRead({
    ...a1,
    at: '2026-03-10T02:30:00Z',
    visitor: 'bot',
    session: 'sb',
    bot: true,
    engaged: [60_000],
    scrolledTo: 100,
    readComplete: true,
  }),
  // v3 from Báo Mới reads a1 and subscribes through the paywall.
  ...aPageRead({
    ...a1,
    at: '2026-03-10T03:15:00Z',
    visitor: 'v3',
    session: 's3',
    ref: ['aggregator', 'baomoi'],
    device: 'mobile',
    engaged: [20_000],
    scrolledTo: 100,
    readComplete: true,
    province: 'Lâm Đồng',
  }),
  ...funnel({ ...a1, at: '2026-03-10T03:15:00Z', visitor: 'v3', session: 's3' }, [
    ['paywall_shown', 60],
    ['subscribe_start', 120],
    ['subscribe_complete', 300],
  ]),
  // 23:30 UTC on the 10th is 06:30 on the 11th in Vietnam.
  ...aPageRead({
    ...a1,
    at: '2026-03-10T23:30:00Z',
    visitor: 'v4',
    session: 's4',
    ref: ['direct', ''],
    engaged: [4_000],
  }),
  // D2: two readers hit the paywall on a2, nobody subscribes.
  ...aPageRead({
    ...a2,
    at: '2026-03-11T05:00:00Z',
    visitor: 'v1-next-day',
    session: 's5',
    ref: ['social', 'facebook'],
    device: 'mobile',
  }),
  ...funnel({ ...a2, at: '2026-03-11T05:00:00Z', visitor: 'v1-next-day', session: 's5' }, [
    ['paywall_shown', 60],
  ]),
  ...aPageRead({ ...a2, at: '2026-03-11T05:10:00Z', visitor: 'v5', session: 's6', ref: ['direct', ''] }),
  ...funnel({ ...a2, at: '2026-03-11T05:10:00Z', visitor: 'v5', session: 's6' }, [['paywall_shown', 60]]),
]
const LAMDONGTV = aPageRead({
  site: 'lamdongtv',
  article: 'b1',
  section: 'video',
  at: '2026-03-10T12:00:00Z',
  visitor: 'v6',
  session: 's7',
  ref: ['direct', ''],
  engaged: [7_000],
})
const BAOKHANHHOA = [
  ...aPageRead({
    site: 'baokhanhhoa',
    article: 'k1',
    section: 'du-lich',
    at: '2026-03-10T01:00:00Z',
    visitor: 'v7',
    session: 's8',
    ref: ['campaign', 'email'],
    device: 'mobile',
    engaged: [2_000],
  }),
  // The home page: a pageview without an article.
  anEvent({
    site: 'baokhanhhoa',
    at: '2026-03-10T01:05:00Z',
    visitor: 'v7',
    session: 's8',
    ref: ['internal', 'baokhanhhoa.vn'],
    device: 'mobile',
  }),
  // An unclassified referrer counts as `other`.
  ...aPageRead({
    site: 'baokhanhhoa',
    article: 'k1',
    section: 'du-lich',
    at: '2026-03-10T01:30:00Z',
    visitor: 'v8',
    session: 's9',
  }),
]

const D1_FROM = Date.parse('2026-03-09T17:00:00Z')
const D2_TO = Date.parse('2026-03-11T17:00:00Z')

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
  // Several inserts, as the writer makes them: rollup rows of one key arrive in several parts.
  for (const batch of [BAOLAMDONG.slice(0, 20), BAOLAMDONG.slice(20), LAMDONGTV, BAOKHANHHOA]) {
    await t.ch.client.insert({ table: 'nhip.events', format: 'JSONEachRow', values: batch })
  }
  // The CMS version arrives first; metadata seen on a page arrives later but is written older, so it loses.
  await insertArticles(t.ch, [
    {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'a1',
      url: 'https://baolamdong.vn/a1',
      title: 'Đà Lạt đón mùa hoa mai anh đào',
      section: 'Thời sự',
      author: 'Nguyễn Văn An',
      tags: ['đà lạt', 'du lịch'],
      published_at: Date.parse('2026-03-10T01:00:00Z'),
      updated_at: Date.parse('2026-03-10T01:30:00Z'),
      paywalled: true,
      word_count: 850,
      source: 'cms',
    },
  ])
  await insertArticles(t.ch, [
    {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'a1',
      url: 'https://baolamdong.vn/a1',
      title: 'Da Lat (page title)',
      section: 'thoi-su',
      published_at: Date.parse('2026-03-10T01:00:00Z'),
      updated_at: Date.parse('2026-03-10T01:00:00Z'),
      source: 'page',
    },
  ])
}, 120_000)
afterAll(async () => t?.cleanup())

describe('rollup_article_hourly', () => {
  it('counts pageviews, visitors, engaged time, scroll, read completes and referrers per article and hour, without the bot', async () => {
    const got = await queryArticleHourly(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: D1_FROM,
      to: D2_TO,
    })
    expect(got.map((r) => [r.hour.toISOString(), r.article_id, r.pageviews])).toEqual([
      ['2026-03-10T02:00:00.000Z', 'a1', 2],
      ['2026-03-10T02:00:00.000Z', 'a2', 1],
      ['2026-03-10T03:00:00.000Z', 'a1', 1],
      ['2026-03-10T23:00:00.000Z', 'a1', 1],
      ['2026-03-11T05:00:00.000Z', 'a2', 2],
    ])
    expect(got[0]).toMatchObject({
      section: 'thoi-su',
      visitors: 2,
      engaged_ms: 15_000,
      engaged_pageviews: 1,
      scroll_pct_sum: 50,
      scroll_samples: 2,
      read_completes: 1,
      pv_messaging: 1,
      pv_search: 1,
      pv_direct: 0,
      mobile_pageviews: 1,
    })
    expect(got[1]).toMatchObject({ engaged_ms: 3_000, scroll_pct_sum: 25, read_completes: 0, pv_internal: 1 })
    expect(got[2]).toMatchObject({
      engaged_ms: 20_000,
      scroll_pct_sum: 100,
      read_completes: 1,
      pv_aggregator: 1,
    })
    expect(got[4]).toMatchObject({ visitors: 2, pv_social: 1, pv_direct: 1, mobile_pageviews: 1 })
  })

  it('keeps non-article pages out, and puts unknown referrer classes under other', async () => {
    const got = await queryArticleHourly(t.ch, {
      agency: 'khanhhoa',
      site: 'baokhanhhoa',
      from: D1_FROM,
      to: D2_TO,
    })
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({
      article_id: 'k1',
      pageviews: 2,
      pv_campaign: 1,
      pv_other: 1,
      engaged_ms: 2_000,
    })
  })

  it('gives the same numbers after the engine merged the parts', async () => {
    const before = await queryArticleHourly(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: D1_FROM,
      to: D2_TO,
    })
    const parts = await rows<{ n: string }>(
      t.ch,
      "SELECT count() AS n FROM system.parts WHERE database = 'nhip' AND table = 'rollup_article_hourly' AND active",
    )
    expect(Number(parts[0]?.n)).toBeGreaterThan(1)
    await t.ch.client.command({ query: 'OPTIMIZE TABLE nhip.rollup_article_hourly FINAL' })
    expect(
      await queryArticleHourly(t.ch, { agency: 'lamdong', site: 'baolamdong', from: D1_FROM, to: D2_TO }),
    ).toEqual(before)
  })
})

describe('rollup_site_hourly', () => {
  it('counts every page per section and hour, with sessions and the paywall funnel', async () => {
    const got = await querySiteHourly(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: D1_FROM,
      to: D2_TO,
    })
    const key = (r: (typeof got)[number]) => `${r.hour.toISOString().slice(5, 13)} ${r.section}`
    expect(
      Object.fromEntries(
        got.map((r) => [
          key(r),
          [r.pageviews, r.sessions, r.paywall_shown, r.subscribe_start, r.subscribe_complete],
        ]),
      ),
    ).toEqual({
      '03-10T02 kinh-te': [1, 1, 0, 0, 0],
      '03-10T02 thoi-su': [2, 2, 0, 0, 0],
      '03-10T03 thoi-su': [1, 1, 1, 1, 1],
      '03-10T23 thoi-su': [1, 1, 0, 0, 0],
      '03-11T05 kinh-te': [2, 2, 2, 0, 0],
    })
    const home = await querySiteHourly(t.ch, {
      agency: 'khanhhoa',
      site: 'baokhanhhoa',
      from: D1_FROM,
      to: D2_TO,
    })
    expect(home.map((r) => [r.section, r.pageviews, r.pv_internal])).toEqual([
      ['', 1, 1],
      ['du-lich', 2, 0],
    ])
  })

  it('excludes bots, which stay in the raw events', async () => {
    const [raw] = await rows<{ n: string }>(
      t.ch,
      "SELECT count() AS n FROM nhip.events WHERE is_bot = 1 AND type = 'pageview'",
    )
    expect(raw?.n).toBe('1')
    const [rolled] = await rows<{ pv: string; eng: string }>(
      t.ch,
      "SELECT sum(pageviews) AS pv, sum(engaged_ms) AS eng FROM nhip.rollup_site_hourly WHERE site_id = 'baolamdong'",
    )
    expect(rolled).toEqual({ pv: '7', eng: '42000' })
  })
})

describe('Vietnam days', () => {
  it('puts an event at 23:30 UTC on the next Vietnam day', async () => {
    const d1 = await queryArticleDaily(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: '2026-03-10',
      to: '2026-03-10',
    })
    const d2 = await queryArticleDaily(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: '2026-03-11',
      to: '2026-03-11',
    })
    expect(d1.find((r) => r.article_id === 'a1')?.pageviews).toBe(3)
    expect(d2.find((r) => r.article_id === 'a1')).toMatchObject({
      pageviews: 1,
      engaged_ms: 4_000,
      share_direct: 1,
    })
    const [s4] = await rows<{ day: string }>(
      t.ch,
      "SELECT toString(day) AS day FROM nhip.v_sessions WHERE session_id = 's4'",
    )
    expect(s4?.day).toBe('2026-03-11')
  })
})

describe('v_article_daily', () => {
  it('joins the latest CMS metadata and computes per-day rates and the referrer mix', async () => {
    const got = await queryArticleDaily(t.ch, { agency: 'lamdong', from: '2026-03-10', to: '2026-03-11' })
    const a1d1 = got.find((r) => r.day === '2026-03-10' && r.article_id === 'a1')
    expect(a1d1).toMatchObject({
      site_id: 'baolamdong',
      title: 'Đà Lạt đón mùa hoa mai anh đào',
      section: 'Thời sự',
      author: 'Nguyễn Văn An',
      pageviews: 3,
      visitors: 3,
      engaged_ms: 35_000,
      read_completes: 2,
      avg_scroll_pct: 50,
    })
    expect(a1d1?.avg_engaged_s).toBeCloseTo(35 / 3, 9)
    expect(a1d1?.read_complete_rate).toBeCloseTo(2 / 3, 9)
    expect(a1d1?.mobile_share).toBeCloseTo(2 / 3, 9)
    for (const share of [a1d1?.share_messaging, a1d1?.share_search, a1d1?.share_aggregator])
      expect(share).toBeCloseTo(1 / 3, 9)
    expect(a1d1?.share_social).toBe(0)

    // No metadata yet: the section seen on the page, no title.
    const a2d1 = got.find((r) => r.day === '2026-03-10' && r.article_id === 'a2')
    expect(a2d1).toMatchObject({
      title: '',
      section: 'kinh-te',
      pageviews: 1,
      avg_engaged_s: 3,
      avg_scroll_pct: 25,
      share_internal: 1,
    })
    expect(got.find((r) => r.site_id === 'lamdongtv')).toMatchObject({
      article_id: 'b1',
      pageviews: 1,
      engaged_ms: 7_000,
    })
  })

  it('reads the CMS version of an article even though page metadata was written after it', async () => {
    const [a1] = await queryArticles(t.ch, { agency: 'lamdong', site: 'baolamdong', articleIds: ['a1'] })
    expect(a1).toMatchObject({
      source: 'cms',
      author: 'Nguyễn Văn An',
      paywalled: true,
      tags: ['đà lạt', 'du lịch'],
    })
  })
})

describe('v_engagement', () => {
  it('gives pages per session and bounce rate by landing section', async () => {
    const got = await queryEngagement(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: '2026-03-10',
      to: '2026-03-11',
    })
    const by = Object.fromEntries(got.map((r) => [`${r.day} ${r.section}`, r]))
    expect(by['2026-03-10 thoi-su']).toMatchObject({
      pageviews: 3,
      sessions: 3,
      engaged_ms: 35_000,
      read_completes: 2,
      landing_sessions: 3,
      bounces: 2,
      pages_per_session: 1,
    })
    expect(by['2026-03-10 thoi-su']?.bounce_rate).toBeCloseTo(2 / 3, 9)
    expect(by['2026-03-10 thoi-su']?.read_complete_rate).toBeCloseTo(2 / 3, 9)
    // s1 landed in thoi-su, so kinh-te had a pageview but no landing session.
    expect(by['2026-03-10 kinh-te']).toMatchObject({ pageviews: 1, landing_sessions: 0, bounce_rate: null })
    expect(by['2026-03-11 kinh-te']).toMatchObject({
      pageviews: 2,
      sessions: 2,
      landing_sessions: 2,
      bounces: 2,
      bounce_rate: 1,
    })

    const kh = await queryEngagement(t.ch, { agency: 'khanhhoa', from: '2026-03-10', to: '2026-03-10' })
    expect(kh.find((r) => r.section === 'du-lich')).toMatchObject({
      landing_sessions: 2,
      bounces: 1,
      bounce_rate: 0.5,
    })
  })
})

describe('v_paywall_funnel', () => {
  it('counts shown → start → complete per day and section, with conversion rates', async () => {
    const got = await queryPaywallFunnel(t.ch, { agency: 'lamdong', from: '2026-03-10', to: '2026-03-11' })
    expect(got).toEqual([
      {
        day: '2026-03-10',
        site_id: 'baolamdong',
        section: 'thoi-su',
        paywall_shown: 1,
        subscribe_start: 1,
        subscribe_complete: 1,
        start_rate: 1,
        complete_rate: 1,
        conversion_rate: 1,
      },
      {
        day: '2026-03-11',
        site_id: 'baolamdong',
        section: 'kinh-te',
        paywall_shown: 2,
        subscribe_start: 0,
        subscribe_complete: 0,
        start_rate: 0,
        complete_rate: null,
        conversion_rate: 0,
      },
    ])
  })
})

describe('v_traffic_sources', () => {
  it('gives each referrer its share of the section, also when the view is filtered', async () => {
    const got = await queryTrafficSources(t.ch, { agency: 'khanhhoa', from: '2026-03-10', to: '2026-03-10' })
    expect(got.map((r) => [r.section, r.referrer_class, r.referrer_source, r.pageviews, r.share])).toEqual([
      ['', 'internal', 'baokhanhhoa.vn', 1, 1],
      ['du-lich', 'campaign', 'email', 1, 0.5],
      ['du-lich', 'other', '', 1, 0.5],
    ])
    const zalo = await rows<{ share: number }>(
      t.ch,
      "SELECT share FROM nhip.v_traffic_sources WHERE day = '2026-03-10' AND site_id = 'baolamdong' AND referrer_source = 'zalo'",
    )
    expect(zalo[0]?.share).toBeCloseTo(1 / 3, 9)
  })
})

describe('sessions', () => {
  it('builds one row per session with its landing page, entry referrer, length and engaged time', async () => {
    const got = await querySessions(t.ch, {
      agency: 'lamdong',
      site: 'baolamdong',
      from: '2026-03-10',
      to: '2026-03-10',
    })
    expect(got.map((s) => s.session_id)).toEqual(['s1', 's2', 's3'])
    expect(got[0]).toMatchObject({
      visitor_id: 'v1',
      pageviews: 2,
      engaged_ms: 18_000,
      landing_url: 'https://baolamdong.vn/a1',
      landing_section: 'thoi-su',
      entry_referrer_class: 'messaging',
      entry_referrer_source: 'zalo',
      device: 'mobile',
      province: 'Lâm Đồng',
      bounced: false,
    })
    expect(got[0]?.started_at.toISOString()).toBe('2026-03-10T02:05:00.000Z')
    expect(got[0]?.ended_at.toISOString()).toBe('2026-03-10T02:10:10.000Z')
    expect(got[1]).toMatchObject({ session_id: 's2', bounced: true, entry_referrer_source: 'google' })
  })

  it('keeps the bot session in the table, flagged, and out of v_sessions', async () => {
    const [bot] = await rows<{ is_bot: number; pageviews: string }>(
      t.ch,
      "SELECT max(is_bot) AS is_bot, sum(pageviews) AS pageviews FROM nhip.sessions WHERE session_id = 'sb'",
    )
    expect(bot).toEqual({ is_bot: 1, pageviews: '1' })
    expect(await rows(t.ch, "SELECT 1 FROM nhip.v_sessions WHERE session_id = 'sb'")).toEqual([])
  })
})

describe('analyst view columns', () => {
  it('carry comments (shown by DESCRIBE)', async () => {
    const cols = await rows<{ table: string; name: string; comment: string }>(
      t.ch,
      "SELECT table, name, comment FROM system.columns WHERE database = 'nhip' AND table LIKE 'v\\_%'",
    )
    expect(cols.find((c) => c.table === 'v_article_daily' && c.name === 'day')?.comment).toMatch(/Vietnam/)
    expect(cols.find((c) => c.table === 'v_paywall_funnel' && c.name === 'conversion_rate')?.comment).toMatch(
      /paywall_shown/,
    )
  })
})
