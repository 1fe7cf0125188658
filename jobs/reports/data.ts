// Everything a report shows, read from ClickHouse for one agency and two adjacent periods (this one and
// the one before it), following docs/analysts.md: Vietnam days, bots excluded, rollups read with
// sum/uniqMerge, counts added before dividing. The result is plain data; narrative and HTML are pure code.
import { z } from 'zod'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
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

export interface ReportData {
  agency: string
  sites: SiteInfo[]
  period: ReportPeriod
  current: Totals
  previous: Totals
  /** Present only when a `forecasts` table exists and could be read for this agency. */
  forecast?: { pageviews?: number; readers?: number }
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

async function select<T extends z.ZodRawShape>(
  ch: ClickHouse,
  query: string,
  params: Record<string, unknown>,
  shape: T,
): Promise<Array<z.infer<z.ZodObject<T>>>> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })
  return z.array(z.object(shape)).parse(await rs.json())
}

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
    coverage: { days, current: covered.current.size, previous: covered.previous.size },
  }
  const forecast = await readForecast(ch, agency, period)
  if (forecast) data.forecast = forecast
  return data
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

const DAY_COLUMNS = ['day', 'target_day', 'forecast_day', 'date', 'ds']
const VALUE_COLUMNS = ['value', 'yhat', 'predicted', 'prediction', 'forecast', 'expected']
const METRIC_NAMES: Record<string, 'pageviews' | 'readers'> = {
  pageviews: 'pageviews',
  views: 'pageviews',
  page_views: 'pageviews',
  readers: 'readers',
  visitors: 'readers',
}

/**
 * Forecast totals for the period from a `forecasts` table written by the forecast job, when it exists and
 * has a shape we can read (agency_id, a day column, and metric + value or a pageviews column).
 * Duplicate forecasts of one day (several model runs) are averaged, not added. Undefined otherwise.
 */
export async function readForecast(
  ch: ClickHouse,
  agency: string,
  period: ReportPeriod,
): Promise<{ pageviews?: number; readers?: number } | undefined> {
  const cols = await select(
    ch,
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}',
    { db: ch.database, t: 'forecasts' },
    { name: str, type: str },
  )
  if (!cols.length) return undefined
  const has = (n: string) => cols.some((c) => c.name === n)
  const dayCol = DAY_COLUMNS.find(has)
  if (!has('agency_id') || !dayCol) return undefined
  const dayExpr = cols.find((c) => c.name === dayCol)?.type.includes('DateTime')
    ? `toDate(${dayCol}, 'Asia/Ho_Chi_Minh')`
    : dayCol
  const siteExpr = has('site_id') ? 'site_id' : "''"
  const runFilter = has('run_id') ? `AND run_id IN (${succeededRunIdsSql(ch.database)})` : ''
  const where = `agency_id = {agency:String} AND ${dayExpr} BETWEEN {from:Date} AND {to:Date} ${runFilter}`
  const params = { agency, from: period.from, to: period.to }
  try {
    const valueCol = VALUE_COLUMNS.find(has)
    if (has('metric') && valueCol) {
      const rows = await select(
        ch,
        `SELECT m, sum(v) AS total FROM (
           SELECT toString(metric) AS m, ${dayExpr} AS fd, ${siteExpr} AS fs, avg(toFloat64(${valueCol})) AS v
           FROM ${ch.database}.forecasts WHERE ${where} GROUP BY m, fd, fs)
         GROUP BY m`,
        params,
        { m: str, total: num },
      )
      const out: { pageviews?: number; readers?: number } = {}
      for (const r of rows) {
        const key = METRIC_NAMES[r.m.toLowerCase()]
        if (key) out[key] = r.total
      }
      return Object.keys(out).length ? out : undefined
    }
    const pvCol = ['pageviews', 'predicted_pageviews', 'pageviews_forecast', 'yhat'].find(has)
    if (!pvCol) return undefined
    const rows = await select(
      ch,
      `SELECT sum(v) AS total, count() AS n FROM (
         SELECT ${dayExpr} AS fd, ${siteExpr} AS fs, avg(toFloat64(${pvCol})) AS v
         FROM ${ch.database}.forecasts WHERE ${where} GROUP BY fd, fs)`,
      params,
      { total: num, n: num },
    )
    const [r] = rows
    return r && r.n > 0 ? { pageviews: r.total } : undefined
  } catch {
    // A forecasts table of another shape than expected: the report goes on without the column.
    return undefined
  }
}
