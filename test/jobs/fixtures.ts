// Builders for report and job tests: enriched `events` rows and `articles` rows inserted straight into the
// real engine (the materialized views fill the rollups and sessions as in production), and a seeded
// scenario of three agencies with a known story (Du lịch grows from Zalo) and a brand-new empty site.
import { createHash } from 'node:crypto'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'

export interface EventRowInput {
  type?: string
  name?: string
  ts: number
  agency_id?: string
  site_id?: string
  article_id?: string
  section?: string
  title?: string
  referrer_class?: string
  referrer_source?: string
  visitor_id?: string
  consented?: number
  session_id?: string
  engaged_ms?: number
  scroll_pct?: number
  device?: string
  is_bot?: number
  event_id?: string
  props?: Record<string, string>
}

const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

let counter = 0

/** One enriched event row as the transform writer stores it. */
export function anEventRow(over: EventRowInput): Record<string, unknown> {
  const site = over.site_id ?? 'baolamdong'
  const article = over.article_id ?? ''
  counter++
  return {
    event_id: over.event_id ?? uuidFrom(`ev-${process.pid}-${counter}-${Math.random()}`),
    schema_version: 1,
    type: over.type ?? 'pageview',
    name: over.name ?? '',
    ts: chTime(over.ts),
    received_at: chTime(over.ts + 100),
    agency_id: over.agency_id ?? 'lamdong',
    site_id: site,
    url: `https://${site}.vn/${article || 'trang-chu'}.html`,
    path: `/${article || 'trang-chu'}.html`,
    title: over.title ?? '',
    article_id: article,
    section: over.section ?? '',
    referrer: '',
    referrer_host: '',
    referrer_class: over.referrer_class ?? 'direct',
    referrer_source: over.referrer_source ?? '',
    visitor_id: over.visitor_id ?? 'v-anon',
    consented: over.consented ?? 0,
    session_id: over.session_id ?? '',
    session_page: 1,
    engaged_ms: over.engaged_ms ?? 0,
    scroll_pct: over.scroll_pct ?? 0,
    props: over.props ?? {},
    device: over.device ?? 'mobile',
    os: 'Android',
    browser: 'Chrome',
    is_bot: over.is_bot ?? 0,
    bot_kind: over.is_bot ? 'crawler' : '',
    country: 'VN',
    province: 'Lâm Đồng',
  }
}

export interface ArticleInput {
  agency_id: string
  site_id: string
  article_id: string
  title: string
  section: string
  author: string
  published_at: number
}

export async function insertArticles(ch: ClickHouse, rows: ArticleInput[]): Promise<void> {
  await ch.client.insert({
    table: `${ch.database}.articles`,
    format: 'JSONEachRow',
    values: rows.map((a) => ({
      ...a,
      url: `https://${a.site_id}.vn/${a.article_id}.html`,
      tags: [],
      published_at: chTime(a.published_at),
      updated_at: chTime(a.published_at + 1000),
      paywalled: 0,
      word_count: 800,
      source: 'cms',
    })),
  })
}

export async function insertEvents(ch: ClickHouse, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += 20_000) {
    await ch.client.insert({
      table: `${ch.database}.events`,
      format: 'JSONEachRow',
      values: rows.slice(i, i + 20_000),
    })
  }
}

export async function insertSite(
  ch: ClickHouse,
  s: { agency_id: string; site_id: string; name: string; language?: 'vi' | 'en' },
): Promise<void> {
  const now = chTime(Date.now())
  await ch.client.insert({
    table: `${ch.database}.sites`,
    format: 'JSONEachRow',
    values: [
      {
        site_id: s.site_id,
        agency_id: s.agency_id,
        name: s.name,
        domains: [`${s.site_id}.vn`],
        api_key_id: 'k',
        api_key_hash: '0'.repeat(64),
        language: s.language ?? 'vi',
        created_at: now,
        updated_at: now,
        deleted: 0,
      },
    ],
  })
}

/** mulberry32 */
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

/** 00:00 Vietnam time of a day, as epoch ms. */
export const vnMidnight = (day: string) => Date.parse(`${day}T00:00:00+07:00`)

export const XSS_TITLE = '<script>alert("xss")</script> Đà Lạt & “sương mù”'

export interface Scenario {
  day: string
  prevDay: string
  agencies: { vi: string; en: string; empty: string }
}

interface Reader {
  site: string
  section: string
  article: string
  source: [string, string]
}

/**
 * Three agencies: `lamdong` (two Vietnamese sites, a story: Du lịch +60 % from Zalo on `day`), `hanoitimes`
 * (English site), `moi` (a brand-new site without any event). Bots and events outside the two days are
 * included to check they are left out.
 */
export async function seedScenario(
  ch: ClickHouse,
  day: string,
  prevDay: string,
  seed = 7,
): Promise<Scenario> {
  const r = rng(seed)
  await insertSite(ch, { agency_id: 'lamdong', site_id: 'baolamdong', name: 'Báo Lâm Đồng' })
  await insertSite(ch, { agency_id: 'lamdong', site_id: 'lamdongtv', name: 'Đài PT-TH Lâm Đồng' })
  await insertSite(ch, {
    agency_id: 'hanoitimes',
    site_id: 'hanoitimes',
    name: 'Hanoi Times',
    language: 'en',
  })
  await insertSite(ch, { agency_id: 'moi', site_id: 'baomoi-tinh', name: 'Báo Mới Tỉnh' })

  const articles: ArticleInput[] = [
    {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'du-lich-1',
      title: 'Đà Lạt mùa dã quỳ',
      section: 'Du lịch',
      author: 'Nguyễn Thị Hoa',
      published_at: vnMidnight(prevDay) + 7 * 3_600_000,
    },
    {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'du-lich-2',
      title: XSS_TITLE,
      section: 'Du lịch',
      author: 'Trần Văn Bình',
      published_at: vnMidnight(prevDay) + 7 * 3_600_000 + 600_000,
    },
    {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'thoi-su-1',
      title: 'Khánh thành cầu mới qua sông Đa Nhim',
      section: 'Thời sự',
      author: 'Trần Văn Bình',
      published_at: vnMidnight(prevDay) + 9 * 3_600_000,
    },
    {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'kinh-te-1',
      title: 'Giá cà phê tăng kỷ lục',
      section: 'Kinh tế',
      author: 'Lê Minh',
      published_at: vnMidnight(prevDay) + 9 * 3_600_000 + 60_000,
    },
    {
      agency_id: 'lamdong',
      site_id: 'lamdongtv',
      article_id: 'tv-1',
      title: 'Bản tin thời sự tối',
      section: 'Thời sự',
      author: 'Phòng Thời sự',
      published_at: vnMidnight(prevDay) + 19 * 3_600_000,
    },
    {
      agency_id: 'hanoitimes',
      site_id: 'hanoitimes',
      article_id: 'en-1',
      title: 'Hanoi opens new metro line',
      section: 'News',
      author: 'Linh Pham',
      published_at: vnMidnight(prevDay) + 8 * 3_600_000,
    },
  ]
  await insertArticles(ch, articles)

  const rows: Array<Record<string, unknown>> = []
  const emit = (
    d: string,
    reader: Reader,
    i: number,
    extra: { agency: string; consented?: boolean; bot?: boolean },
  ) => {
    const ts = vnMidnight(d) + Math.floor(r() * 86_400_000)
    const visitor = `${extra.consented ? 'c' : 'v'}-${d}-${reader.site}-${i % 700}`
    const session = `${visitor}-s${i % 3 === 0 ? 2 : 1}`
    const device = r() < 0.7 ? 'mobile' : r() < 0.85 ? 'desktop' : 'tablet'
    const base = {
      agency_id: extra.agency,
      site_id: reader.site,
      article_id: reader.article,
      section: reader.section,
      visitor_id: extra.consented ? `c-${reader.site}-${i % 150}` : visitor,
      consented: extra.consented ? 1 : 0,
      session_id: session,
      device,
      is_bot: extra.bot ? 1 : 0,
    }
    rows.push(
      anEventRow({
        ...base,
        ts,
        type: 'pageview',
        referrer_class: reader.source[0],
        referrer_source: reader.source[1],
      }),
    )
    if (extra.bot) return
    rows.push(
      anEventRow({
        ...base,
        ts: ts + 15_000,
        type: 'engagement',
        engaged_ms: 5_000 + Math.floor(r() * 40_000),
      }),
    )
    rows.push(anEventRow({ ...base, ts: ts + 20_000, type: 'scroll', scroll_pct: 50 }))
    if (r() < 0.35) rows.push(anEventRow({ ...base, ts: ts + 60_000, type: 'read_complete' }))
  }

  const sources: Array<[string, string]> = [
    ['search', 'google'],
    ['search', 'coccoc'],
    ['aggregator', 'baomoi'],
    ['social', 'facebook'],
    ['direct', ''],
  ]
  const plan = (isDay: boolean) => {
    // Thời sự, Kinh tế: steady. Du lịch: 200 → 320, the extra 120 all from Zalo.
    const list: Reader[] = []
    const add = (n: number, site: string, section: string, article: string, source?: [string, string]) => {
      for (let i = 0; i < n; i++)
        list.push({ site, section, article, source: source ?? sources[i % sources.length] ?? ['direct', ''] })
    }
    add(300, 'baolamdong', 'Thời sự', 'thoi-su-1')
    add(150, 'baolamdong', 'Kinh tế', 'kinh-te-1')
    add(80, 'lamdongtv', 'Thời sự', 'tv-1')
    add(160, 'baolamdong', 'Du lịch', 'du-lich-1')
    add(40, 'baolamdong', 'Du lịch', 'du-lich-2', ['messaging', 'zalo'])
    if (isDay) add(120, 'baolamdong', 'Du lịch', 'du-lich-2', ['messaging', 'zalo'])
    // Home-page views without an article.
    add(60, 'baolamdong', '', '')
    return list
  }
  for (const [d, isDay] of [
    [prevDay, false],
    [day, true],
  ] as const) {
    for (const [i, reader] of plan(isDay).entries())
      emit(d, reader, i, { agency: 'lamdong', consented: i % 10 === 0 })
    for (let i = 0; i < 120; i++)
      emit(d, { site: 'hanoitimes', section: 'News', article: 'en-1', source: ['search', 'google'] }, i, {
        agency: 'hanoitimes',
      })
    // Bots: never counted.
    for (let i = 0; i < 50; i++)
      emit(d, { site: 'baolamdong', section: 'Thời sự', article: 'thoi-su-1', source: ['direct', ''] }, i, {
        agency: 'lamdong',
        bot: true,
      })
  }
  // Paywall funnel on the report day in Kinh tế.
  const kt = vnMidnight(day) + 10 * 3_600_000
  for (let i = 0; i < 40; i++) {
    const base = {
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      article_id: 'kinh-te-1',
      section: 'Kinh tế',
      visitor_id: `pw-${i}`,
      session_id: `pw-${i}-s`,
    }
    rows.push(anEventRow({ ...base, ts: kt + i * 1000, type: 'paywall', name: 'paywall_shown' }))
    if (i < 10)
      rows.push(anEventRow({ ...base, ts: kt + i * 1000 + 500, type: 'subscribe', name: 'subscribe_start' }))
    if (i < 3)
      rows.push(
        anEventRow({ ...base, ts: kt + i * 1000 + 900, type: 'subscribe', name: 'subscribe_complete' }),
      )
  }
  // Events the day after: must not leak into the report.
  emit(
    new Date(vnMidnight(day) + 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10),
    { site: 'baolamdong', section: 'Thời sự', article: 'thoi-su-1', source: ['direct', ''] },
    1,
    { agency: 'lamdong' },
  )
  await insertEvents(ch, rows)
  return { day, prevDay, agencies: { vi: 'lamdong', en: 'hanoitimes', empty: 'moi' } }
}

/** Headline numbers of one agency and Vietnam day computed straight from raw events (bots excluded). */
export async function directHeadline(ch: ClickHouse, agency: string, day: string) {
  const rs = await ch.client.query({
    query: `SELECT countIf(type = 'pageview') AS pageviews,
                   uniqExactIf(visitor_id, type = 'pageview') AS readers,
                   sumIf(engaged_ms, type = 'engagement') AS engaged_ms,
                   countIf(type = 'read_complete' AND article_id != '') / countIf(type = 'pageview' AND article_id != '') AS read_complete_rate
            FROM ${ch.database}.events
            WHERE agency_id = {agency:String} AND day = {day:Date} AND is_bot = 0`,
    query_params: { agency, day },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<Record<string, string | number>>()
  return {
    pageviews: Number(row?.pageviews),
    readers: Number(row?.readers),
    engaged_ms: Number(row?.engaged_ms),
    read_complete_rate: Number(row?.read_complete_rate),
  }
}

/** What `seedRecommendationEvents` wrote, for the assertions. */
export const REC_SEED = {
  /** baolamdong on the report day: impressions, clicks (du-lich-1 × 12, thoi-su-1 × 8). */
  day: { impressions: 400, clicks: 20 },
  prevDay: { impressions: 300, clicks: 6 },
  /** Of the day's impressions, those whose list came from the model (the rest: fallback). */
  dayModel: { impressions: 250, clicks: 20 },
} as const

/**
 * Recommendation block events (tracker `rec_impression` / `rec_click`) for `lamdong`'s baolamdong on the two
 * days of the scenario, plus bot events that must not count. Other agencies get none.
 */
export async function seedRecommendationEvents(ch: ClickHouse, day: string, prevDay: string): Promise<void> {
  const rows: Array<Record<string, unknown>> = []
  const items = 'du-lich-1,thoi-su-1,kinh-te-1,du-lich-2'
  const base = (d: string, i: number, bot = false) => ({
    agency_id: 'lamdong',
    site_id: 'baolamdong',
    article_id: 'du-lich-2',
    section: 'Du lịch',
    visitor_id: `rec-${d}-${i}`,
    session_id: `rec-${d}-${i}-s`,
    is_bot: bot ? 1 : 0,
  })
  const common = (source: string) => ({
    source_article: 'du-lich-2',
    source,
    model_version: '3',
    placement: 'related',
  })
  const plan: Array<[string, { impressions: number; clicks: number }]> = [
    [day, REC_SEED.day],
    [prevDay, REC_SEED.prevDay],
  ]
  for (const [d, n] of plan) {
    const t0 = vnMidnight(d) + 9 * 3_600_000
    for (let i = 0; i < n.impressions; i++) {
      const source = d === day && i >= REC_SEED.dayModel.impressions ? 'fallback' : 'model'
      rows.push(
        anEventRow({
          ...base(d, i),
          ts: t0 + i * 60_000,
          type: 'rec_impression',
          props: { ...common(source), items, count: '4' },
        }),
      )
      if (i < n.clicks) {
        const rec = d === day && i >= 12 ? 'thoi-su-1' : 'du-lich-1'
        // Clicks follow the first impressions, which all came from model lists.
        rows.push(
          anEventRow({
            ...base(d, i),
            ts: t0 + i * 60_000 + 5_000,
            type: 'rec_click',
            props: { ...common(source), rec_article: rec, position: rec === 'du-lich-1' ? '1' : '2' },
          }),
        )
      }
    }
    // Crawlers executing the widget: never counted.
    for (let i = 0; i < 50; i++) {
      rows.push(
        anEventRow({
          ...base(d, i, true),
          ts: t0 + i * 1000,
          type: 'rec_impression',
          props: { ...common('model'), items },
        }),
      )
      rows.push(
        anEventRow({
          ...base(d, i, true),
          ts: t0 + i * 1000 + 1,
          type: 'rec_click',
          props: { ...common('model'), rec_article: 'kinh-te-1', position: '3' },
        }),
      )
    }
  }
  await insertEvents(ch, rows)
}
