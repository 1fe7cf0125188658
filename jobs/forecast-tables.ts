// ClickHouse side of the forecast jobs: reading the hourly traffic series and articles' first hours, writing
// forecasts, forecast_metrics, forecast_anomalies and article_potential (every row with the run's run_id; only
// succeeded runs are read back), and finding the latest succeeded training run.

import { z } from 'zod'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { selectRows } from '../infra/clickhouse/select.ts'
import {
  type ArticleEarlySignals,
  type ArticleExample,
  buildSeries,
  type LiveArticle,
  REFERRER_CLASSES,
  type ReferrerClass,
  type TrafficSeries,
  trafficSeriesId,
} from '../models/forecast/index.ts'
import { chTime, succeededRunIdsSql } from './runs-table.ts'

const HOUR_MS = 3_600_000
const OFFSET_H = 7

/** Local (Vietnam) hour number of an instant in ms — the step numbering of models/forecast hourly series. */
export const localHourOf = (ms: number) => Math.floor(ms / HOUR_MS) + OFFSET_H
/** The instant (ms) a local hour number starts. */
export const instantOfLocalHour = (h: number) => (h - OFFSET_H) * HOUR_MS
/** `YYYY-MM-DD HH:00:00` in Vietnam time: how DateTime('Asia/Ho_Chi_Minh') columns take a local hour. */
export const localHourText = (h: number) => new Date(h * HOUR_MS).toISOString().replace('T', ' ').slice(0, 19)

const num = z.coerce.number()
const str = z.string()

const select = selectRows

/** Data that stops this many hours after a Vietnam midnight ends at that midnight (sessions spilling over). */
const SPILL_HOURS = 2

/**
 * The hour the run forecasts from: the run's instant (floored to the hour, so the hour in progress is not read
 * as a full one), or the end of the data when no traffic came in since (e.g. a back-fill or an import). Such
 * data usually ends at a day boundary plus the last sessions' spill-over into the next hour or two, which would
 * read as a collapse of traffic: then it ends at that midnight. Undefined when there is no traffic at all.
 */
export async function forecastCutoff(ch: ClickHouse, at: Date): Promise<number | undefined> {
  const [row] = await select(
    ch,
    `SELECT toUnixTimestamp(max(hour)) AS last, count() AS n FROM ${ch.database}.rollup_site_hourly
     WHERE hour < toDateTime({at:UInt32})`,
    { at: Math.floor(at.getTime() / 1000) },
    { last: num, n: num },
  )
  if (!row || row.n === 0) return undefined
  const runHour = localHourOf(at.getTime())
  const dataEnd = localHourOf(row.last * 1000) + 1
  if (dataEnd >= runHour) return runHour
  return dataEnd % 24 <= SPILL_HOURS ? dataEnd - (dataEnd % 24) : dataEnd
}

/**
 * Hourly pageviews of every live site and of each of its sections over the `days` before the cutoff (local hour
 * number, exclusive). A series starts at its first hour with a pageview and runs to the cutoff; hours without a
 * row had no pageview (rollups only hold hours with events), so they are zeros, not gaps.
 */
export async function readTrafficSeries(
  ch: ClickHouse,
  opts: { cutoff: number; days: number },
): Promise<TrafficSeries[]> {
  const from = opts.cutoff - opts.days * 24
  const rows = await select(
    ch,
    `SELECT r.agency_id AS agency, r.site_id AS site, r.section AS sec, toUnixTimestamp(r.hour) AS h, sum(r.pageviews) AS pv
     FROM ${ch.database}.rollup_site_hourly AS r
     WHERE r.hour >= toDateTime({from:UInt32}) AND r.hour < toDateTime({to:UInt32})
       AND r.site_id IN (SELECT site_id FROM ${ch.database}.sites FINAL WHERE deleted = 0)
     GROUP BY agency, site, sec, h
     HAVING pv > 0`,
    {
      from: instantOfLocalHour(from) / 1000,
      to: instantOfLocalHour(opts.cutoff) / 1000,
    },
    { agency: str, site: str, sec: str, h: num, pv: num },
  )
  const groups = new Map<
    string,
    { kind: 'site' | 'section'; agency: string; site: string; key: string; points: Map<number, number> }
  >()
  const add = (kind: 'site' | 'section', agency: string, site: string, key: string, t: number, v: number) => {
    const id = trafficSeriesId(kind, site, key)
    let g = groups.get(id)
    if (!g) {
      g = { kind, agency, site, key, points: new Map() }
      groups.set(id, g)
    }
    g.points.set(t, (g.points.get(t) ?? 0) + v)
  }
  for (const r of rows) {
    const t = localHourOf(r.h * 1000)
    add('site', r.agency, r.site, '', t, r.pv)
    // Pages outside any section (home, lists) count for the site, not as a section of their own.
    if (r.sec !== '') add('section', r.agency, r.site, r.sec, t, r.pv)
  }
  const out: TrafficSeries[] = []
  for (const [id, g] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const first = Math.min(...g.points.keys())
    const points = Array.from({ length: opts.cutoff - first }, (_, i) => ({
      t: first + i,
      value: g.points.get(first + i) ?? 0,
    }))
    const hourly = buildSeries(id, 'hourly', points)
    out.push({ kind: g.kind, agencyId: g.agency, siteId: g.site, key: g.key, hourly })
  }
  return out
}

const CLASS_COLUMNS = REFERRER_CLASSES.map((c) => `r_${c}`)

interface ArticleRow {
  agency: string
  site: string
  article: string
  title: string
  sec: string
  pub_ms: number
  v60: number
  eng60: number
  v24: number
  v72: number
  so_far: number
  classes: Record<ReferrerClass, number>
}

/**
 * Articles published in [from, to) (ms) whose first hour lies inside the platform's data (after the site's first
 * hourly rollup), with their first 60 minutes, views at 24 h and 72 h and views up to the cutoff — bots excluded.
 */
async function readArticles(
  ch: ClickHouse,
  opts: { from: number; to: number; cutoffMs: number },
): Promise<ArticleRow[]> {
  const db = ch.database
  const classCounts = REFERRER_CLASSES.map((c) =>
    c === 'other'
      ? `countIf(e.type = 'pageview' AND e.ts < a.pub + INTERVAL 60 MINUTE AND e.referrer_class NOT IN (${REFERRER_CLASSES.filter(
          (x) => x !== 'other',
        )
          .map((x) => `'${x}'`)
          .join(', ')})) AS r_other`
      : `countIf(e.type = 'pageview' AND e.ts < a.pub + INTERVAL 60 MINUTE AND e.referrer_class = '${c}') AS r_${c}`,
  )
  const rows = await select(
    ch,
    `SELECT a.agency_id AS agency, a.site_id AS site, a.article_id AS article, any(a.title) AS title, any(a.section) AS sec,
            toUnixTimestamp64Milli(any(a.pub)) AS pub_ms,
            countIf(e.type = 'pageview' AND e.ts < a.pub + INTERVAL 60 MINUTE) AS v60,
            sumIf(e.engaged_ms, e.type = 'engagement' AND e.ts < a.pub + INTERVAL 60 MINUTE) / 1000 AS eng60,
            countIf(e.type = 'pageview' AND e.ts < a.pub + INTERVAL 24 HOUR) AS v24,
            countIf(e.type = 'pageview' AND e.ts < a.pub + INTERVAL 72 HOUR) AS v72,
            countIf(e.type = 'pageview') AS so_far,
            ${classCounts.join(',\n            ')}
     FROM ${db}.events AS e
     INNER JOIN (
       SELECT ar.agency_id AS agency_id, ar.site_id AS site_id, ar.article_id AS article_id, ar.title AS title,
              ar.section AS section, ar.published_at AS pub
       FROM ${db}.articles AS ar FINAL
       INNER JOIN (SELECT site_id, min(hour) AS first_hour FROM ${db}.rollup_site_hourly GROUP BY site_id) AS f
         ON f.site_id = ar.site_id
       WHERE ar.published_at >= fromUnixTimestamp64Milli({from:Int64}) AND ar.published_at < fromUnixTimestamp64Milli({to:Int64})
         AND ar.published_at >= f.first_hour
     ) AS a ON e.agency_id = a.agency_id AND e.site_id = a.site_id AND e.article_id = a.article_id
     WHERE e.is_bot = 0 AND e.article_id != ''
       AND e.day >= toDate(fromUnixTimestamp64Milli({from:Int64}), 'Asia/Ho_Chi_Minh') - 1
       AND e.ts >= a.pub AND e.ts < fromUnixTimestamp64Milli({cutoff:Int64})
     GROUP BY agency, site, article
     ORDER BY pub_ms, site, article`,
    { from: opts.from, to: opts.to, cutoff: opts.cutoffMs },
    {
      agency: str,
      site: str,
      article: str,
      title: str,
      sec: str,
      pub_ms: num,
      v60: num,
      eng60: num,
      v24: num,
      v72: num,
      so_far: num,
      ...Object.fromEntries(CLASS_COLUMNS.map((c) => [c, num])),
    },
  )
  return rows.map((r) => {
    const row = r as unknown as Record<string, number>
    return {
      agency: r.agency,
      site: r.site,
      article: r.article,
      title: r.title,
      sec: r.sec,
      pub_ms: r.pub_ms,
      v60: r.v60,
      eng60: r.eng60,
      v24: r.v24,
      v72: r.v72,
      so_far: r.so_far,
      classes: Object.fromEntries(REFERRER_CLASSES.map((c) => [c, row[`r_${c}`] ?? 0])) as Record<
        ReferrerClass,
        number
      >,
    }
  })
}

function signalsOf(r: ArticleRow): ArticleEarlySignals {
  return {
    views60: r.v60,
    engagedSeconds60: r.eng60,
    referrers: r.classes,
    section: r.sec,
    publishHour: new Date(r.pub_ms + OFFSET_H * HOUR_MS).getUTCHours(),
  }
}

/** Training examples: articles published in the `days` before the cutoff that are at least 72 h old, oldest first. */
export async function readArticleExamples(
  ch: ClickHouse,
  opts: { cutoff: number; days: number },
): Promise<ArticleExample[]> {
  const cutoffMs = instantOfLocalHour(opts.cutoff)
  const rows = await readArticles(ch, {
    from: cutoffMs - opts.days * 24 * HOUR_MS,
    to: cutoffMs - 72 * HOUR_MS,
    cutoffMs,
  })
  return rows.map((r) => ({ signals: signalsOf(r), outcome: { views24h: r.v24, views72h: r.v72 } }))
}

/** Articles between 60 minutes and 72 hours old at the cutoff, for the hourly run. */
export async function readLiveArticles(ch: ClickHouse, opts: { cutoff: number }): Promise<LiveArticle[]> {
  const cutoffMs = instantOfLocalHour(opts.cutoff)
  const rows = await readArticles(ch, {
    from: cutoffMs - 72 * HOUR_MS,
    to: cutoffMs - HOUR_MS,
    cutoffMs,
  })
  return rows.map((r) => {
    const ageHours = (cutoffMs - r.pub_ms) / HOUR_MS
    return {
      agencyId: r.agency,
      siteId: r.site,
      articleId: r.article,
      title: r.title,
      signals: signalsOf(r),
      ageHours,
      viewsSoFar: r.so_far,
      publishedMs: r.pub_ms,
      ...(ageHours >= 24 ? { views24h: r.v24 } : {}),
    }
  })
}

/** Pageviews by referrer class of the given site (and section) hours, and the class shares over the week before. */
export async function readReferrerBreakdown(
  ch: ClickHouse,
  opts: { siteIds: string[]; from: number; to: number },
): Promise<Array<{ site: string; sec: string; h: number; cls: string; pv: number }>> {
  if (opts.siteIds.length === 0) return []
  const cols = ['search', 'social', 'messaging', 'aggregator', 'direct', 'internal', 'campaign', 'other']
  const rows = await select(
    ch,
    `SELECT site_id AS site, section AS sec, toUnixTimestamp(hour) AS h, ${cols.map((c) => `sum(pv_${c}) AS ${c}`).join(', ')}
     FROM ${ch.database}.rollup_site_hourly
     WHERE site_id IN {sites:Array(String)} AND hour >= toDateTime({from:UInt32}) AND hour < toDateTime({to:UInt32})
     GROUP BY site, sec, h`,
    {
      sites: opts.siteIds,
      from: instantOfLocalHour(opts.from) / 1000,
      to: instantOfLocalHour(opts.to) / 1000,
    },
    { site: str, sec: str, h: num, ...Object.fromEntries(cols.map((c) => [c, num])) },
  )
  return rows.flatMap((r) => {
    const row = r as unknown as Record<string, number>
    return cols.map((cls) => ({
      site: r.site,
      sec: r.sec,
      h: localHourOf(r.h * 1000),
      cls,
      pv: row[cls] ?? 0,
    }))
  })
}

/** Pageviews per article and hour of the given sites over [from, to) (local hour numbers). */
export async function readArticleHours(
  ch: ClickHouse,
  opts: { siteIds: string[]; from: number; to: number },
): Promise<Array<{ site: string; sec: string; article: string; title: string; h: number; pv: number }>> {
  if (opts.siteIds.length === 0) return []
  const rows = await select(
    ch,
    `SELECT r.site_id AS site, r.section AS sec, r.article_id AS article, toUnixTimestamp(r.hour) AS h, sum(r.pageviews) AS pv,
            any(v.title) AS title
     FROM ${ch.database}.rollup_article_hourly AS r
     LEFT JOIN (SELECT site_id, article_id, argMax(title, updated_at) AS title FROM ${ch.database}.articles
                WHERE site_id IN {sites:Array(String)} GROUP BY site_id, article_id) AS v
       ON v.site_id = r.site_id AND v.article_id = r.article_id
     WHERE r.site_id IN {sites:Array(String)} AND r.hour >= toDateTime({from:UInt32}) AND r.hour < toDateTime({to:UInt32})
     GROUP BY site, sec, article, h
     HAVING pv > 0`,
    {
      sites: opts.siteIds,
      from: instantOfLocalHour(opts.from) / 1000,
      to: instantOfLocalHour(opts.to) / 1000,
    },
    { site: str, sec: str, article: str, h: num, pv: num, title: str },
  )
  return rows.map((r) => ({ ...r, h: localHourOf(r.h * 1000) }))
}

export interface ForecastRow {
  agency_id: string
  site_id: string
  series_kind: 'site' | 'section'
  series_key: string
  granularity: 'hour' | 'day'
  /** Local hour number of the target hour, or of the target day's midnight. */
  target_hour: number
  p10: number
  p50: number
  p90: number
  method: string
  model_version: string
  notes: string
}

export interface MetricRow {
  agency_id: string
  site_id: string
  series_kind: string
  series_key: string
  granularity: 'hour' | 'day' | 'article'
  method: string
  mase: number | null
  smape: number | null
  coverage: number | null
  r2: number | null
  folds: number
  served: boolean
  notes: string
  model_version: string
}

export interface AnomalyRow {
  agency_id: string
  site_id: string
  series_kind: 'site' | 'section' | 'article'
  series_key: string
  granularity: 'hour' | 'first_24h'
  /** Local hour number (for articles: the publication hour). */
  target_hour: number
  actual: number
  p10: number
  p50: number
  p90: number
  direction: 'above' | 'below'
  size: number
  size_in_bands: number | null
  driver_kind: '' | 'referrer' | 'article'
  driver: string
  driver_share: number | null
  title: string
  model_version: string
}

export interface PotentialRow {
  agency_id: string
  site_id: string
  article_id: string
  title: string
  section: string
  published_ms: number
  views_60m: number
  engaged_s_60m: number
  views_so_far: number
  p10_24h: number
  p50_24h: number
  p90_24h: number
  p50_72h: number
  loglinear_24h: number
  method: string
  model_version: string
}

const INSERT_CHUNK = 20_000
const fin = (x: number) => (Number.isFinite(x) ? x : 0)
const finOrNull = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null)

async function insertRows(ch: ClickHouse, table: string, values: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < values.length; i += INSERT_CHUNK) {
    await ch.client.insert({
      table: `${ch.database}.${table}`,
      format: 'JSONEachRow',
      values: values.slice(i, i + INSERT_CHUNK),
    })
  }
}

/** Writes the run's outputs; every row carries `runId` and `at`. */
export async function insertForecastOutputs(
  ch: ClickHouse,
  run: { runId: string; at: Date },
  out: {
    forecasts?: ForecastRow[]
    metrics?: MetricRow[]
    anomalies?: AnomalyRow[]
    potential?: PotentialRow[]
  },
): Promise<void> {
  const stamp = chTime(run.at)
  await insertRows(
    ch,
    'forecasts',
    (out.forecasts ?? []).map(({ target_hour, ...r }) => ({
      ...r,
      target_time: localHourText(target_hour),
      p10: fin(r.p10),
      p50: fin(r.p50),
      p90: fin(r.p90),
      run_id: run.runId,
      generated_at: stamp,
    })),
  )
  await insertRows(
    ch,
    'forecast_metrics',
    (out.metrics ?? []).map((r) => ({
      ...r,
      mase: finOrNull(r.mase),
      smape: finOrNull(r.smape),
      coverage: finOrNull(r.coverage),
      r2: finOrNull(r.r2),
      served: r.served ? 1 : 0,
      run_id: run.runId,
      generated_at: stamp,
    })),
  )
  await insertRows(
    ch,
    'forecast_anomalies',
    (out.anomalies ?? []).map(({ target_hour, ...r }) => ({
      ...r,
      target_time: localHourText(target_hour),
      size: fin(r.size),
      size_in_bands: finOrNull(r.size_in_bands),
      driver_share: finOrNull(r.driver_share),
      run_id: run.runId,
      detected_at: stamp,
    })),
  )
  await insertRows(
    ch,
    'article_potential',
    (out.potential ?? []).map(({ published_ms, ...r }) => ({
      ...r,
      published_at: chTime(new Date(published_ms)),
      run_id: run.runId,
      generated_at: stamp,
    })),
  )
}

/** The latest succeeded `forecast-train` run: its run id (the model directory) and model version. */
export async function latestTrainingRun(
  ch: ClickHouse,
): Promise<{ runId: string; modelVersion: string; generatedAt: Date } | undefined> {
  const [row] = await select(
    ch,
    `SELECT toString(run_id) AS run, any(model_version) AS version, toUnixTimestamp64Milli(max(generated_at)) AS at
     FROM ${ch.database}.forecast_metrics
     WHERE run_id IN (${succeededRunIdsSql(ch.database)})
     GROUP BY run_id ORDER BY at DESC LIMIT 1`,
    {},
    { run: str, version: str, at: num },
  )
  return row ? { runId: row.run, modelVersion: row.version, generatedAt: new Date(row.at) } : undefined
}
