// Everything a report shows, read from ClickHouse for one agency and two adjacent periods (this one and
// the one before it), following docs/analysts.md: Vietnam days, bots excluded, rollups read with
// sum/uniqMerge, counts added before dividing. The result is plain data; narrative and HTML are pure code.

import { z } from 'zod'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { selectRows } from '../../infra/clickhouse/select.ts'
import { succeededRunIdsSql } from '../runs-table.ts'
import { addDays, daysBetween } from '../vietnam-time.ts'
import type { Lang, ReportKind } from './i18n.ts'

export interface SiteInfo {
  site_id: string
  agency_id: string
  name: string
  language: Lang
  created_at: string
}

export interface ReportPeriod {
  kind: ReportKind
  /** First and last Vietnam day of the period (inclusive). */
  from: string
  to: string
  prevFrom: string
  prevTo: string
}

export interface Totals {
  pageviews: number
  /** Daily report: distinct readers of the day. Weekly: average of the daily distinct readers. */
  readers: number
  engagedMs: number
  /** Pageviews of article pages and their read_complete events: the read-complete rate's parts. */
  articleViews: number
  readCompletes: number
}

export interface ArticleRow {
  site_id: string
  article_id: string
  title: string
  section: string
  author: string
  pageviews: number
  prevPageviews: number
  engagedMs: number
  readCompletes: number
  /** Pageviews by referrer class in this period, for the "mostly from" explanation. */
  byClass: Record<string, number>
}

export interface SectionRow {
  section: string
  pageviews: number
  prevPageviews: number
  engagedMs: number
  readCompletes: number
}

export interface SourceRow {
  section: string
  referrerClass: string
  source: string
  pageviews: number
  prevPageviews: number
}

export interface PaywallRow {
  section: string
  shown: number
  started: number
  completed: number
  prevShown: number
  prevCompleted: number
}

export interface PublishingRow {
  section: string
  /** Vietnam hour with the best average engaged time per article, when ≥ 2 articles were published then. */
  bestHour: number | null
  bestHourArticles: number
  bestHourEngagedMs: number
  /** Vietnam hour with the most engaged time in the last 28 days. */
  peakHour: number | null
}

/** Recommendation block counts (tracker events `rec_impression` / `rec_click`, bots excluded). */
export interface RecBlockCounts {
  impressions: number
  clicks: number
}

export interface RecommendationReport {
  /** Per site with any block activity in either period: this period and the previous one. */
  bySite: Array<{ site_id: string; current: RecBlockCounts; previous: RecBlockCounts }>
  /** This period by where the block's list came from (`model`, `precomputed`, `fallback`; '' = unknown). */
  bySource: Array<RecBlockCounts & { source: string }>
  /** The most-clicked recommended articles of this period, with how many shown blocks listed them. */
  topClicked: Array<{
    site_id: string
    article_id: string
    title: string
    section: string
    clicks: number
    /** Impressions of blocks that listed the article (its own click-through denominator). */
    shown: number
  }>
}

export interface ReportData {
  agency: string
  sites: SiteInfo[]
  period: ReportPeriod
  current: Totals
  previous: Totals
  /** What the forecast jobs said (see readForecast); absent when no succeeded forecast run covers the report. */
  forecast?: ForecastSummary
  bySite: Array<{ site_id: string; name: string; current: Totals; previous: Totals }>
  /** Daily: 24 hours; weekly: 7 days (index 0 = first day). */
  timeline: Array<{ index: number; current: number; previous: number }>
  articles: ArticleRow[]
  sections: SectionRow[]
  sources: SourceRow[]
  devices: Array<{ device: string; pageviews: number; prevPageviews: number }>
  returning: {
    consentedReaders: number
    consentedReturning: number
    readerDays: number
    multiSessionReaderDays: number
  }
  paywall: PaywallRow[]
  publishing: PublishingRow[]
  recommendations: RecommendationReport
  /** Days with any pageview in each period (of `days`): a comparison with a partly empty period is not made. */
  coverage: { days: number; current: number; previous: number }
}

/** The period a report covers: the day `day`, or the 7 days ending on `day`, and the period before. */
export function reportPeriod(kind: ReportKind, day: string): ReportPeriod {
  const len = kind === 'daily' ? 1 : 7
  const from = addDays(day, -(len - 1))
  return { kind, from, to: day, prevFrom: addDays(from, -len), prevTo: addDays(from, -1) }
}

const num = z.coerce.number()
const str = z.string()

const select = selectRows

/** Live sites (latest version of each), optionally of one agency. */
export async function listReportSites(ch: ClickHouse, agency?: string): Promise<SiteInfo[]> {
  const rows = await select(
    ch,
    `SELECT site_id, agency_id, name, language, toString(toDate(created_at, 'Asia/Ho_Chi_Minh')) AS created_day
     FROM ${ch.database}.sites FINAL
     WHERE deleted = 0 AND ({agency:String} = '' OR agency_id = {agency:String})
     ORDER BY agency_id, site_id`,
    { agency: agency ?? '' },
    { site_id: str, agency_id: str, name: str, language: str, created_day: str },
  )
  return rows.map((r) => ({
    site_id: r.site_id,
    agency_id: r.agency_id,
    name: r.name,
    language: r.language === 'en' ? 'en' : 'vi',
    created_at: r.created_day,
  }))
}

/** English only when every site of the agency says so; Vietnamese otherwise. */
export function agencyLanguage(sites: Pick<SiteInfo, 'language'>[]): Lang {
  return sites.length > 0 && sites.every((s) => s.language === 'en') ? 'en' : 'vi'
}

const emptyTotals = (): Totals => ({
  pageviews: 0,
  readers: 0,
  engagedMs: 0,
  articleViews: 0,
  readCompletes: 0,
})

/**
 * Reads every number of one agency's report.
 * @example const data = await loadReportData(ch, { agency: 'lamdong', sites, period: reportPeriod('daily', '2026-03-01') })
 */
export async function loadReportData(
  ch: ClickHouse,
  opts: { agency: string; sites: SiteInfo[]; period: ReportPeriod },
): Promise<ReportData> {
  const db = ch.database
  const { agency, period } = opts
  const p = {
    agency,
    from: period.from,
    to: period.to,
    prevFrom: period.prevFrom,
    // Hour bounds of [prevFrom, to]: lets the primary key (agency, site, hour) prune.
    lo: `${period.prevFrom} 00:00:00`,
    hi: `${addDays(period.to, 1)} 00:00:00`,
    pubFrom: `${addDays(period.to, -27)} 00:00:00`,
    peakLo: `${addDays(period.to, -27)} 00:00:00`,
    consentFrom: addDays(period.from, -28),
  }
  const hourRange = `agency_id = {agency:String}
    AND hour >= toDateTime({lo:String}, 'Asia/Ho_Chi_Minh') AND hour < toDateTime({hi:String}, 'Asia/Ho_Chi_Minh')`
  const days = daysBetween(period.from, period.to) + 1

  const [
    siteTotals,
    articleTotals,
    readerDays,
    timelineRows,
    articleRows,
    sectionRows,
    sourceRows,
    deviceRows,
    consent,
    multi,
    paywallRows,
    pubRows,
    peakRows,
    recSiteRows,
    recSourceRows,
    recTopRows,
  ] = await Promise.all([
    select(
      ch,
      `SELECT site_id, toDate(hour) >= {from:Date} AS cur, sum(pageviews) AS pv, sum(engaged_ms) AS eng
         FROM ${db}.rollup_site_hourly WHERE ${hourRange} GROUP BY site_id, cur`,
      p,
      { site_id: str, cur: num, pv: num, eng: num },
    ),
    select(
      ch,
      `SELECT site_id, toDate(hour) >= {from:Date} AS cur, sum(pageviews) AS av, sum(read_completes) AS rc
         FROM ${db}.rollup_article_hourly WHERE ${hourRange} GROUP BY site_id, cur`,
      p,
      { site_id: str, cur: num, av: num, rc: num },
    ),
    // Distinct readers per day: per site, and for the whole agency (ids are per site, but uniqMerge over
    // the agency's rows is the honest agency count all the same).
    select(
      ch,
      `SELECT site_id, toString(d) AS d, r FROM (
           SELECT site_id, toDate(hour) AS d, uniqMerge(visitors) AS r FROM ${db}.rollup_site_hourly
           WHERE ${hourRange} GROUP BY site_id, d
           UNION ALL
           SELECT '' AS site_id, toDate(hour) AS d, uniqMerge(visitors) AS r FROM ${db}.rollup_site_hourly
           WHERE ${hourRange} GROUP BY d)`,
      p,
      { site_id: str, d: str, r: num },
    ),
    select(
      ch,
      `SELECT toString(toDate(hour)) AS d, toHour(hour) AS h, sum(pageviews) AS pv
         FROM ${db}.rollup_site_hourly WHERE ${hourRange} GROUP BY d, h`,
      p,
      { d: str, h: num, pv: num },
    ),
    select(
      ch,
      `SELECT site_id, article_id, any(title) AS t, any(section) AS s, any(author) AS a,
                sumIf(pageviews, day >= {from:Date}) AS pv, sumIf(pageviews, day < {from:Date}) AS ppv,
                sumIf(engaged_ms, day >= {from:Date}) AS eng, sumIf(read_completes, day >= {from:Date}) AS rc,
                sumIf(pageviews * ifNull(share_search, 0), day >= {from:Date}) AS c_search,
                sumIf(pageviews * ifNull(share_social, 0), day >= {from:Date}) AS c_social,
                sumIf(pageviews * ifNull(share_messaging, 0), day >= {from:Date}) AS c_messaging,
                sumIf(pageviews * ifNull(share_aggregator, 0), day >= {from:Date}) AS c_aggregator,
                sumIf(pageviews * ifNull(share_direct, 0), day >= {from:Date}) AS c_direct,
                sumIf(pageviews * ifNull(share_internal, 0), day >= {from:Date}) AS c_internal
         FROM ${db}.v_article_daily
         WHERE agency_id = {agency:String} AND day BETWEEN {prevFrom:Date} AND {to:Date}
         GROUP BY site_id, article_id
         HAVING pv + ppv > 0`,
      p,
      {
        site_id: str,
        article_id: str,
        t: str,
        s: str,
        a: str,
        pv: num,
        ppv: num,
        eng: num,
        rc: num,
        c_search: num,
        c_social: num,
        c_messaging: num,
        c_aggregator: num,
        c_direct: num,
        c_internal: num,
      },
    ),
    select(
      ch,
      `SELECT section AS sec, sumIf(pageviews, day >= {from:Date}) AS pv, sumIf(pageviews, day < {from:Date}) AS ppv,
                sumIf(engaged_ms, day >= {from:Date}) AS eng, sumIf(read_completes, day >= {from:Date}) AS rc
         FROM ${db}.v_engagement
         WHERE agency_id = {agency:String} AND day BETWEEN {prevFrom:Date} AND {to:Date}
         GROUP BY sec`,
      p,
      { sec: str, pv: num, ppv: num, eng: num, rc: num },
    ),
    select(
      ch,
      `SELECT section AS sec, referrer_class AS cls, referrer_source AS src,
                sumIf(pageviews, day >= {from:Date}) AS pv, sumIf(pageviews, day < {from:Date}) AS ppv
         FROM ${db}.v_traffic_sources
         WHERE agency_id = {agency:String} AND day BETWEEN {prevFrom:Date} AND {to:Date}
         GROUP BY sec, cls, src`,
      p,
      { sec: str, cls: str, src: str, pv: num, ppv: num },
    ),
    select(
      ch,
      `SELECT device AS dev, countIf(day >= {from:Date}) AS pv, countIf(day < {from:Date}) AS ppv
         FROM ${db}.events
         WHERE agency_id = {agency:String} AND day BETWEEN {prevFrom:Date} AND {to:Date} AND type = 'pageview' AND is_bot = 0
         GROUP BY dev`,
      p,
      { dev: str, pv: num, ppv: num },
    ),
    select(
      ch,
      `SELECT uniqExact(visitor_id) AS readers,
                uniqExactIf(visitor_id, visitor_id IN (
                  SELECT visitor_id FROM ${db}.events
                  WHERE agency_id = {agency:String} AND consented = 1 AND is_bot = 0 AND type = 'pageview'
                    AND day BETWEEN {consentFrom:Date} AND {from:Date} - 1)) AS returning
         FROM ${db}.events
         WHERE agency_id = {agency:String} AND consented = 1 AND is_bot = 0 AND type = 'pageview'
           AND day BETWEEN {from:Date} AND {to:Date}`,
      p,
      { readers: num, returning: num },
    ),
    select(
      ch,
      `SELECT count() AS reader_days, countIf(n >= 2) AS multi FROM (
           SELECT day, site_id, visitor_id, count() AS n FROM ${db}.v_sessions
           WHERE agency_id = {agency:String} AND day BETWEEN {from:Date} AND {to:Date} AND pageviews > 0
           GROUP BY day, site_id, visitor_id)`,
      p,
      { reader_days: num, multi: num },
    ),
    select(
      ch,
      `SELECT section AS sec,
                sumIf(paywall_shown, day >= {from:Date}) AS shown, sumIf(subscribe_start, day >= {from:Date}) AS started,
                sumIf(subscribe_complete, day >= {from:Date}) AS completed,
                sumIf(paywall_shown, day < {from:Date}) AS prev_shown, sumIf(subscribe_complete, day < {from:Date}) AS prev_completed
         FROM ${db}.v_paywall_funnel
         WHERE agency_id = {agency:String} AND day BETWEEN {prevFrom:Date} AND {to:Date}
         GROUP BY sec`,
      p,
      { sec: str, shown: num, started: num, completed: num, prev_shown: num, prev_completed: num },
    ),
    select(
      ch,
      `SELECT sec, ph, count() AS n, avg(eng) AS avg_eng FROM (
           SELECT site_id, article_id, any(section) AS sec,
                  toHour(toTimeZone(assumeNotNull(any(published_at)), 'Asia/Ho_Chi_Minh')) AS ph, sum(engaged_ms) AS eng
           FROM ${db}.v_article_daily
           WHERE agency_id = {agency:String} AND published_at IS NOT NULL
             AND published_at >= toDateTime({pubFrom:String}, 'Asia/Ho_Chi_Minh')
             AND published_at < toDateTime({hi:String}, 'Asia/Ho_Chi_Minh')
             AND day <= toDate(published_at, 'Asia/Ho_Chi_Minh') + 2
           GROUP BY site_id, article_id)
         GROUP BY sec, ph`,
      p,
      { sec: str, ph: num, n: num, avg_eng: num },
    ),
    select(
      ch,
      `SELECT section AS sec, toHour(hour) AS hh, sum(engaged_ms) AS eng
         FROM ${db}.rollup_site_hourly
         WHERE agency_id = {agency:String}
           AND hour >= toDateTime({peakLo:String}, 'Asia/Ho_Chi_Minh') AND hour < toDateTime({hi:String}, 'Asia/Ho_Chi_Minh')
         GROUP BY sec, hh`,
      p,
      { sec: str, hh: num, eng: num },
    ),
    ...recommendationQueries(ch, p),
  ])

  // Totals per site and for the agency.
  const siteNames = new Map(opts.sites.map((s) => [s.site_id, s.name]))
  const siteIds = new Set([...opts.sites.map((s) => s.site_id), ...siteTotals.map((r) => r.site_id)])
  const perSite = new Map<string, { current: Totals; previous: Totals }>()
  for (const id of ['', ...siteIds]) perSite.set(id, { current: emptyTotals(), previous: emptyTotals() })
  const bucket = (site: string, cur: number) => {
    const s = perSite.get(site)
    if (!s) throw new Error(`unknown site ${site}`)
    return cur ? s.current : s.previous
  }
  for (const r of siteTotals) {
    for (const id of [r.site_id, '']) {
      const t = bucket(id, r.cur)
      t.pageviews += r.pv
      t.engagedMs += r.eng
    }
  }
  for (const r of articleTotals) {
    for (const id of [r.site_id, '']) {
      if (!perSite.has(id)) continue
      const t = bucket(id, r.cur)
      t.articleViews += r.av
      t.readCompletes += r.rc
    }
  }
  const covered = { current: new Set<string>(), previous: new Set<string>() }
  for (const r of readerDays) {
    if (r.site_id === '' && r.r > 0) (r.d >= period.from ? covered.current : covered.previous).add(r.d)
    if (!perSite.has(r.site_id)) continue
    const t = bucket(r.site_id, r.d >= period.from ? 1 : 0)
    t.readers += r.r / days
  }
  for (const s of perSite.values()) {
    s.current.readers = Math.round(s.current.readers)
    s.previous.readers = Math.round(s.previous.readers)
  }
  const agencyTotals = perSite.get('') ?? { current: emptyTotals(), previous: emptyTotals() }

  // Timeline: hours of the day (daily) or days of the week (weekly), this period vs the previous one.
  const timeline = Array.from({ length: period.kind === 'daily' ? 24 : 7 }, (_, index) => ({
    index,
    current: 0,
    previous: 0,
  }))
  for (const r of timelineRows) {
    const cur = r.d >= period.from
    const index = period.kind === 'daily' ? r.h : daysBetween(cur ? period.from : period.prevFrom, r.d)
    const slot = timeline[index]
    if (!slot) continue
    if (cur) slot.current += r.pv
    else slot.previous += r.pv
  }

  const articles: ArticleRow[] = articleRows.map((r) => ({
    site_id: r.site_id,
    article_id: r.article_id,
    title: r.t,
    section: r.s,
    author: r.a,
    pageviews: r.pv,
    prevPageviews: r.ppv,
    engagedMs: r.eng,
    readCompletes: r.rc,
    byClass: {
      search: r.c_search,
      social: r.c_social,
      messaging: r.c_messaging,
      aggregator: r.c_aggregator,
      direct: r.c_direct,
      internal: r.c_internal,
    },
  }))

  const publishing = buildPublishing(pubRows, peakRows)
  const [consentRow] = consent
  const [multiRow] = multi
  const data: ReportData = {
    agency,
    sites: opts.sites,
    period,
    current: agencyTotals.current,
    previous: agencyTotals.previous,
    bySite: [...siteIds].sort().map((id) => ({
      site_id: id,
      name: siteNames.get(id) ?? id,
      ...(perSite.get(id) ?? { current: emptyTotals(), previous: emptyTotals() }),
    })),
    timeline,
    articles,
    sections: sectionRows.map((r) => ({
      section: r.sec,
      pageviews: r.pv,
      prevPageviews: r.ppv,
      engagedMs: r.eng,
      readCompletes: r.rc,
    })),
    sources: sourceRows.map((r) => ({
      section: r.sec,
      referrerClass: r.cls,
      source: r.src,
      pageviews: r.pv,
      prevPageviews: r.ppv,
    })),
    devices: deviceRows.map((r) => ({ device: r.dev, pageviews: r.pv, prevPageviews: r.ppv })),
    returning: {
      consentedReaders: consentRow?.readers ?? 0,
      consentedReturning: consentRow?.returning ?? 0,
      readerDays: multiRow?.reader_days ?? 0,
      multiSessionReaderDays: multiRow?.multi ?? 0,
    },
    paywall: paywallRows.map((r) => ({
      section: r.sec,
      shown: r.shown,
      started: r.started,
      completed: r.completed,
      prevShown: r.prev_shown,
      prevCompleted: r.prev_completed,
    })),
    publishing,
    recommendations: {
      bySite: [...new Set(recSiteRows.map((r) => r.site_id))].sort().map((site_id) => {
        const counts = (cur: number): RecBlockCounts => {
          const r = recSiteRows.find((x) => x.site_id === site_id && x.cur === cur)
          return { impressions: r?.imp ?? 0, clicks: r?.clk ?? 0 }
        }
        return { site_id, current: counts(1), previous: counts(0) }
      }),
      bySource: recSourceRows.map((r) => ({ source: r.src, impressions: r.imp, clicks: r.clk })),
      topClicked: recTopRows.map((r) => ({
        site_id: r.site_id,
        article_id: r.rec,
        title: r.title,
        section: r.section,
        clicks: r.clicks,
        shown: r.shown,
      })),
    },
    coverage: { days, current: covered.current.size, previous: covered.previous.size },
  }
  const forecast = await readForecast(ch, agency, period)
  if (forecast) data.forecast = forecast
  return data
}

/** How many recommended articles the report lists by clicks. */
export const TOP_RECOMMENDED = 10

/**
 * The recommendation block's numbers: impressions and clicks per site (both periods), by source, and the
 * most-clicked recommended articles with how often blocks listed them (the impression's `items` prop).
 */
function recommendationQueries(ch: ClickHouse, p: Record<string, string>) {
  const db = ch.database
  const recEvents = `agency_id = {agency:String} AND type IN ('rec_impression', 'rec_click') AND is_bot = 0`
  return [
    select(
      ch,
      `SELECT site_id, day >= {from:Date} AS cur, countIf(type = 'rec_impression') AS imp, countIf(type = 'rec_click') AS clk
         FROM ${db}.events
         WHERE ${recEvents} AND day BETWEEN {prevFrom:Date} AND {to:Date}
         GROUP BY site_id, cur`,
      p,
      { site_id: str, cur: num, imp: num, clk: num },
    ),
    select(
      ch,
      `SELECT props['source'] AS src, countIf(type = 'rec_impression') AS imp, countIf(type = 'rec_click') AS clk
         FROM ${db}.events
         WHERE ${recEvents} AND day BETWEEN {from:Date} AND {to:Date}
         GROUP BY src ORDER BY imp DESC, src`,
      p,
      { src: str, imp: num, clk: num },
    ),
    // Aliases differ from the events columns on purpose: an alias named like a column shadows it in WHERE.
    select(
      ch,
      `SELECT c.site_id AS site_id, c.rec AS rec, c.clicks AS clicks, ifNull(s.shown, 0) AS shown,
              ifNull(a.t, '') AS title, ifNull(a.sec, '') AS section
         FROM (
           SELECT site_id, props['rec_article'] AS rec, count() AS clicks FROM ${db}.events
           WHERE ${recEvents} AND type = 'rec_click' AND day BETWEEN {from:Date} AND {to:Date} AND rec != ''
           GROUP BY site_id, rec ORDER BY clicks DESC, site_id, rec LIMIT ${TOP_RECOMMENDED}) AS c
         LEFT JOIN (
           SELECT site_id, arrayJoin(splitByChar(',', props['items'])) AS rec, count() AS shown FROM ${db}.events
           WHERE ${recEvents} AND type = 'rec_impression' AND day BETWEEN {from:Date} AND {to:Date}
           GROUP BY site_id, rec) AS s ON s.site_id = c.site_id AND s.rec = c.rec
         LEFT JOIN (
           SELECT site_id, article_id AS aid, argMax(title, updated_at) AS t, argMax(section, updated_at) AS sec
           FROM ${db}.articles WHERE agency_id = {agency:String}
           GROUP BY site_id, aid) AS a ON a.site_id = c.site_id AND a.aid = c.rec
         ORDER BY clicks DESC, site_id, rec`,
      p,
      { site_id: str, rec: str, clicks: num, shown: num, title: str, section: str },
    ),
  ] as const
}

function buildPublishing(
  pubRows: Array<{ sec: string; ph: number; n: number; avg_eng: number }>,
  peakRows: Array<{ sec: string; hh: number; eng: number }>,
): PublishingRow[] {
  const sections = new Set([...pubRows.map((r) => r.sec), ...peakRows.map((r) => r.sec)])
  const out: PublishingRow[] = []
  for (const section of sections) {
    const best = pubRows
      .filter((r) => r.sec === section && r.n >= 2)
      .sort((a, b) => b.avg_eng - a.avg_eng || a.ph - b.ph)[0]
    const peak = peakRows
      .filter((r) => r.sec === section && r.eng > 0)
      .sort((a, b) => b.eng - a.eng || a.hh - b.hh)[0]
    if (!best && !peak) continue
    out.push({
      section,
      bestHour: best?.ph ?? null,
      bestHourArticles: best?.n ?? 0,
      bestHourEngagedMs: best?.avg_eng ?? 0,
      peakHour: peak?.hh ?? null,
    })
  }
  return out.sort((a, b) => a.section.localeCompare(b.section))
}

/** The forecast part of a report, read from the tables of the `forecast` job (succeeded runs only). */
export interface ForecastSummary {
  /**
   * The period's pageviews as forecast before it began (sum of the sites' daily p50 from the latest run generated
   * before the period's first day); only when every day of the period was forecast for those sites.
   */
  pageviews?: number
  pageviewsP10?: number
  pageviewsP90?: number
  readers?: number
  /** Days after the period (agency total, from the latest run generated by the end of the day after it). */
  outlook?: Array<{ day: string; p10: number; p50: number; p90: number }>
  /** Sections expected to lead on the first outlook day. */
  outlookSections?: Array<{ section: string; p50: number }>
  /** Hours (site/section) or articles' first 24 h outside the forecast band during the period, largest first. */
  anomalies?: ForecastAnomaly[]
  /** Articles of the period with the largest expected views (article potential), largest first. */
  potential?: ArticlePotentialRow[]
  modelVersion?: string
}

export interface ForecastAnomaly {
  site_id: string
  kind: 'site' | 'section' | 'article'
  key: string
  /** Vietnam time `YYYY-MM-DD HH:00` (articles: the publication hour). */
  time: string
  actual: number
  p10: number
  p50: number
  p90: number
  direction: 'above' | 'below'
  size: number
  driverKind: '' | 'referrer' | 'article'
  driver: string
  /** Title of the article (article anomalies and article drivers). */
  title: string
}

export interface ArticlePotentialRow {
  site_id: string
  article_id: string
  title: string
  section: string
  viewsSoFar: number
  p50_24h: number
  p90_24h: number
  p50_72h: number
  loglinear24h: number
  method: string
}

const ANOMALY_ROWS = 8
const POTENTIAL_ROWS = 8
const OUTLOOK_DAYS = 7

/**
 * The forecast part of a report for one agency, from the forecast job's tables (rows of succeeded runs only):
 * the day-ahead forecast of the period (for "vs forecast"), the next days after it, the anomalies flagged in
 * it and the articles with the highest potential. Undefined when no forecast run left anything for it.
 */
export async function readForecast(
  ch: ClickHouse,
  agency: string,
  period: ReportPeriod,
): Promise<ForecastSummary | undefined> {
  const db = ch.database
  const ok = `run_id IN (${succeededRunIdsSql(db)})`
  const days = daysBetween(period.from, period.to) + 1
  const p = {
    agency,
    from: period.from,
    to: period.to,
    // Day-ahead: generated before the period's first Vietnam midnight.
    before: `${period.from} 00:00:00`,
    // Outlook: generated by the end of the day after the period (the report is read that morning).
    by: `${addDays(period.to, 2)} 00:00:00`,
    next: addDays(period.to, 1),
    last: addDays(period.to, OUTLOOK_DAYS),
  }
  const [ahead, outlook, sections, anomalies, potential] = await Promise.all([
    select(
      ch,
      `SELECT site_id AS site, toString(toDate(target_time)) AS d, argMax(p10, generated_at) AS f10,
              argMax(p50, generated_at) AS f50, argMax(p90, generated_at) AS f90
       FROM ${db}.forecasts
       WHERE agency_id = {agency:String} AND granularity = 'day' AND series_kind = 'site'
         AND toDate(target_time) BETWEEN {from:Date} AND {to:Date}
         AND generated_at < toDateTime64({before:String}, 3, 'Asia/Ho_Chi_Minh') AND ${ok}
       GROUP BY site, d`,
      p,
      { site: str, d: str, f10: num, f50: num, f90: num },
    ),
    select(
      ch,
      `SELECT toString(toDate(target_time)) AS d, sum(f10) AS s10, sum(f50) AS s50, sum(f90) AS s90, any(v) AS version
       FROM (
         SELECT site_id, target_time, argMax(p10, generated_at) AS f10, argMax(p50, generated_at) AS f50,
                argMax(p90, generated_at) AS f90, argMax(model_version, generated_at) AS v
         FROM ${db}.forecasts
         WHERE agency_id = {agency:String} AND granularity = 'day' AND series_kind = 'site'
           AND toDate(target_time) BETWEEN {next:Date} AND {last:Date}
           AND generated_at < toDateTime64({by:String}, 3, 'Asia/Ho_Chi_Minh') AND ${ok}
         GROUP BY site_id, target_time)
       GROUP BY d ORDER BY d`,
      p,
      { d: str, s10: num, s50: num, s90: num, version: str },
    ),
    select(
      ch,
      `SELECT series_key AS sec, sum(f50) AS s50 FROM (
         SELECT site_id, series_key, argMax(p50, generated_at) AS f50
         FROM ${db}.forecasts
         WHERE agency_id = {agency:String} AND granularity = 'day' AND series_kind = 'section'
           AND toDate(target_time) = {next:Date}
           AND generated_at < toDateTime64({by:String}, 3, 'Asia/Ho_Chi_Minh') AND ${ok}
         GROUP BY site_id, series_key)
       GROUP BY sec ORDER BY s50 DESC LIMIT 5`,
      p,
      { sec: str, s50: num },
    ),
    select(
      ch,
      `SELECT site_id AS site, series_kind AS kind, series_key AS k, formatDateTime(target_time, '%Y-%m-%d %H:00') AS t,
              actual AS a, p10 AS q10, p50 AS q50, p90 AS q90, direction AS dir, size AS sz, driver_kind AS dk,
              driver AS dr, title AS ti
       FROM ${db}.forecast_anomalies
       WHERE agency_id = {agency:String} AND toDate(target_time) BETWEEN {from:Date} AND {to:Date} AND ${ok}
       ORDER BY detected_at DESC
       LIMIT 1 BY site_id, series_kind, series_key, target_time`,
      p,
      {
        site: str,
        kind: str,
        k: str,
        t: str,
        a: num,
        q10: num,
        q50: num,
        q90: num,
        dir: str,
        sz: num,
        dk: str,
        dr: str,
        ti: str,
      },
    ),
    select(
      ch,
      `SELECT site_id AS site, article_id AS art, title AS ti, section AS sec, views_so_far AS sofar, p50_24h AS a50,
              p90_24h AS a90, p50_72h AS b50, loglinear_24h AS ll, method AS m
       FROM ${db}.article_potential
       WHERE agency_id = {agency:String} AND ${ok}
         AND generated_at < toDateTime64({by:String}, 3, 'Asia/Ho_Chi_Minh')
         AND toDate(published_at, 'Asia/Ho_Chi_Minh') BETWEEN {from:Date} AND {to:Date}
       ORDER BY generated_at DESC
       LIMIT 1 BY site_id, article_id`,
      p,
      { site: str, art: str, ti: str, sec: str, sofar: num, a50: num, a90: num, b50: num, ll: num, m: str },
    ),
  ])
  const out: ForecastSummary = {}
  // "vs forecast" only where each forecast site has every day of the period.
  const perSite = new Map<string, { n: number; p10: number; p50: number; p90: number }>()
  for (const r of ahead) {
    const x = perSite.get(r.site) ?? { n: 0, p10: 0, p50: 0, p90: 0 }
    x.n++
    x.p10 += r.f10
    x.p50 += r.f50
    x.p90 += r.f90
    perSite.set(r.site, x)
  }
  const complete = [...perSite.values()].filter((x) => x.n === days)
  if (complete.length > 0 && complete.length === perSite.size) {
    out.pageviews = complete.reduce((s, x) => s + x.p50, 0)
    out.pageviewsP10 = complete.reduce((s, x) => s + x.p10, 0)
    out.pageviewsP90 = complete.reduce((s, x) => s + x.p90, 0)
  }
  if (outlook.length > 0) {
    out.outlook = outlook.map((r) => ({ day: r.d, p10: r.s10, p50: r.s50, p90: r.s90 }))
    out.modelVersion = outlook[0]?.version ?? ''
  }
  if (sections.length > 0) out.outlookSections = sections.map((r) => ({ section: r.sec, p50: r.s50 }))
  if (anomalies.length > 0) {
    // Largest first by views outside the band: what an editor notices (a relative size favours tiny counts).
    const excess = (r: (typeof anomalies)[number]) => (r.a > r.q90 ? r.a - r.q90 : r.q10 - r.a)
    out.anomalies = anomalies
      .sort((a, b) => excess(b) - excess(a))
      .slice(0, ANOMALY_ROWS)
      .map((r) => ({
        site_id: r.site,
        kind: r.kind === 'article' ? 'article' : r.kind === 'section' ? 'section' : 'site',
        key: r.k,
        time: r.t,
        actual: r.a,
        p10: r.q10,
        p50: r.q50,
        p90: r.q90,
        direction: r.dir === 'below' ? 'below' : 'above',
        size: r.sz,
        driverKind: r.dk === 'article' ? 'article' : r.dk === 'referrer' ? 'referrer' : '',
        driver: r.dr,
        title: r.ti,
      }))
  }
  if (potential.length > 0) {
    out.potential = potential
      .sort((a, b) => Math.max(b.b50, b.sofar) - Math.max(a.b50, a.sofar))
      .slice(0, POTENTIAL_ROWS)
      .map((r) => ({
        site_id: r.site,
        article_id: r.art,
        title: r.ti,
        section: r.sec,
        viewsSoFar: r.sofar,
        p50_24h: r.a50,
        p90_24h: r.a90,
        p50_72h: r.b50,
        loglinear24h: r.ll,
        method: r.m,
      }))
  }
  return Object.keys(out).length > 0 ? out : undefined
}
