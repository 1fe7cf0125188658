// The hourly `forecast` job: the next 48 hours (hourly) and 14 days (daily) of every site's and section's
// pageviews with p10/p50/p90 from the method the latest succeeded `forecast-train` run chose (baselines with a
// note before any training), anomalies over the last 24 hours with their likely driver, and the potential of
// articles past their first hour. Outputs carry the run_id; readers see only succeeded runs.
import { errorMessage } from '../infra/errors.ts'
import {
  disposeForecastSuite,
  loadForecastSuite,
  type ServedSuiteOutput,
  type ServingSuite,
  serveForecastSuite,
  type TrafficAnomaly,
} from '../models/forecast/index.ts'
import { initTf, type Tf } from '../models/tf/index.ts'
import { likelyDriver } from './forecast-drivers.ts'
import {
  type AnomalyRow,
  type ForecastRow,
  forecastCutoff,
  insertForecastOutputs,
  latestTrainingRun,
  localHourText,
  type PotentialRow,
  readArticleHours,
  readLiveArticles,
  readReferrerBreakdown,
  readTrafficSeries,
} from './forecast-tables.ts'
import { forecastModelDir, parseForecastJobOptions } from './forecast-train.ts'
import type { JobContext, JobDefinition, KeyFigures } from './job.ts'

/** Every hour at :05 Vietnam time (the previous hour's rollups are complete by then). */
export const FORECAST_SCHEDULE = '5 * * * *'
/** Hours checked for anomalies at each run. */
export const ANOMALY_HOURS = 24
/** Week of hours whose referrer mix is a series' usual mix. */
const USUAL_MIX_HOURS = 7 * 24

/** The suite before any training run: baselines for every series (seasonal naive, with notes saying why). */
export function baselineSuite(): ServingSuite {
  return {
    version: '',
    hourly: { freq: 'hourly', horizon: 48, served: {}, defaultMethod: 'seasonal_naive' },
    daily: { freq: 'daily', horizon: 14, served: {}, defaultMethod: 'seasonal_naive' },
  }
}

async function attributeDrivers(
  ctx: JobContext,
  anomalies: readonly TrafficAnomaly[],
  cutoff: number,
): Promise<Map<TrafficAnomaly, ReturnType<typeof likelyDriver>>> {
  const out = new Map<TrafficAnomaly, ReturnType<typeof likelyDriver>>()
  if (anomalies.length === 0) return out
  const siteIds = [...new Set(anomalies.map((a) => a.series.siteId))]
  const windowStart = cutoff - ANOMALY_HOURS
  const [refs, arts] = await Promise.all([
    readReferrerBreakdown(ctx.ch, { siteIds, from: windowStart - USUAL_MIX_HOURS, to: cutoff }),
    readArticleHours(ctx.ch, { siteIds, from: windowStart - 1, to: cutoff }),
  ])
  for (const a of anomalies) {
    const inSeries = (site: string, sec: string) =>
      site === a.series.siteId && (a.series.kind === 'site' || sec === a.series.key)
    const usual = new Map<string, number>()
    const now = new Map<string, number>()
    for (const r of refs) {
      if (!inSeries(r.site, r.sec)) continue
      if (r.h < windowStart) usual.set(r.cls, (usual.get(r.cls) ?? 0) + r.pv)
      else if (r.h === a.hour) now.set(r.cls, (now.get(r.cls) ?? 0) + r.pv)
    }
    const usualTotal = [...usual.values()].reduce((s, v) => s + v, 0)
    const classes = [...new Set([...usual.keys(), ...now.keys()])]
    const articles = new Map<string, { article: string; title: string; actual: number; expected: number }>()
    for (const r of arts) {
      if (!inSeries(r.site, r.sec) || (r.h !== a.hour && r.h !== a.hour - 1)) continue
      const x = articles.get(r.article) ?? { article: r.article, title: r.title, actual: 0, expected: 0 }
      if (r.h === a.hour) x.actual += r.pv
      else x.expected += r.pv
      articles.set(r.article, x)
    }
    out.set(
      a,
      likelyDriver({
        deviation: a.flag.deviation,
        p50: a.p50,
        referrers: classes.map((cls) => ({
          cls,
          actual: now.get(cls) ?? 0,
          share: usualTotal > 0 ? (usual.get(cls) ?? 0) / usualTotal : 0,
        })),
        articles: [...articles.values()],
      }),
    )
  }
  return out
}

function forecastRows(
  out: ServedSuiteOutput,
  meta: Map<string, { agency: string; site: string; kind: 'site' | 'section'; key: string }>,
  version: string,
): ForecastRow[] {
  const rows: ForecastRow[] = []
  for (const [granularity, list] of [
    ['hour', out.hourly],
    ['day', out.daily],
  ] as const) {
    for (const f of list) {
      const m = meta.get(f.id)
      if (!m) continue
      const notes = f.notes.join('; ').slice(0, 2000)
      for (let j = 0; j < f.p50.length; j++) {
        rows.push({
          agency_id: m.agency,
          site_id: m.site,
          series_kind: m.kind,
          series_key: m.key,
          granularity,
          target_hour: granularity === 'hour' ? f.start + j : (f.start + j) * 24,
          p10: f.p10[j] as number,
          p50: f.p50[j] as number,
          p90: f.p90[j] as number,
          method: f.method,
          model_version: version,
          notes,
        })
      }
    }
  }
  return rows
}

async function runForecast(ctx: JobContext): Promise<KeyFigures> {
  const opts = parseForecastJobOptions(ctx.options)
  const t0 = performance.now()
  const at = new Date(Math.min(ctx.scheduledFor.getTime(), ctx.now().getTime()))
  const cutoff = await forecastCutoff(ctx.ch, at)
  if (cutoff === undefined) {
    ctx.progress('no traffic yet: nothing to forecast')
    return { series: 0 }
  }
  const series = await readTrafficSeries(ctx.ch, { cutoff, days: opts.historyDays })
  const articles = await readLiveArticles(ctx.ch, { cutoff })
  ctx.progress(
    `forecasting ${series.length} series and ${articles.length} articles from ${localHourText(cutoff)} (Vietnam time)`,
    { series: series.length, articles: articles.length },
  )
  const training = await latestTrainingRun(ctx.ch)
  let suite = baselineSuite()
  let tf: Tf | undefined
  let modelMissing = 0
  if (!training) ctx.progress('no succeeded forecast-train run yet: serving baselines')
  else {
    try {
      // The TF.js backend is set up before loading: the networks are created on it.
      tf = (
        await initTf({
          ...(opts.tfBackend ? { backend: opts.tfBackend } : {}),
          log: (msg, fields) => ctx.log.info(fields ?? {}, msg),
        })
      ).tf
      suite = await loadForecastSuite(tf, forecastModelDir(ctx.dataDir, training.runId))
    } catch (err) {
      // The forecasts must still come out: baselines, with the reason in the log and the key figures.
      modelMissing = 1
      ctx.log.warn(
        { err: errorMessage(err), training_run: training.runId },
        'forecast suite not loadable; serving baselines',
      )
    }
  }
  if (ctx.signal.aborted) throw ctx.signal.reason
  try {
    const out = await serveForecastSuite(suite, series, articles, {
      ...(tf ? { tf } : {}),
      anomalyHours: ANOMALY_HOURS,
    })
    const version = suite.version
    const meta = new Map(
      series.map((s) => [s.hourly.id, { agency: s.agencyId, site: s.siteId, kind: s.kind, key: s.key }]),
    )
    const forecasts = forecastRows(out, meta, version)
    ctx.progress(
      `${forecasts.length} forecast rows; checking ${out.anomalies.length} anomalous hours for drivers`,
    )
    const drivers = await attributeDrivers(ctx, out.anomalies, cutoff)
    const anomalies: AnomalyRow[] = out.anomalies.map((a) => {
      const d = drivers.get(a)
      return {
        agency_id: a.series.agencyId,
        site_id: a.series.siteId,
        series_kind: a.series.kind,
        series_key: a.series.key,
        granularity: 'hour',
        target_hour: a.hour,
        actual: a.actual,
        p10: a.p10,
        p50: a.p50,
        p90: a.p90,
        direction: a.flag.direction ?? 'above',
        size: a.flag.size,
        size_in_bands: a.flag.sizeInBands,
        driver_kind: d?.kind ?? '',
        driver: d?.key ?? '',
        driver_share: d?.share ?? null,
        title: d?.title ?? '',
        model_version: version,
      }
    })
    const potential: PotentialRow[] = []
    for (const p of out.articles) {
      const a = p.article
      potential.push({
        agency_id: a.agencyId,
        site_id: a.siteId,
        article_id: a.articleId,
        title: a.title,
        section: a.signals.section,
        published_ms: a.publishedMs,
        views_60m: a.signals.views60,
        engaged_s_60m: a.signals.engagedSeconds60,
        views_so_far: a.viewsSoFar,
        p10_24h: p.p10_24h,
        p50_24h: p.p50_24h,
        p90_24h: p.p90_24h,
        p50_72h: p.p50_72h,
        loglinear_24h: p.loglinear24h,
        method: p.method,
        model_version: version,
      })
      if (p.anomaly && a.views24h !== undefined) {
        anomalies.push({
          agency_id: a.agencyId,
          site_id: a.siteId,
          series_kind: 'article',
          series_key: a.articleId,
          granularity: 'first_24h',
          target_hour: Math.floor(a.publishedMs / 3_600_000) + 7,
          actual: a.views24h,
          p10: p.p10_24h,
          p50: p.p50_24h,
          p90: p.p90_24h,
          direction: p.anomaly.direction ?? 'above',
          size: p.anomaly.size,
          size_in_bands: p.anomaly.sizeInBands,
          driver_kind: '',
          driver: '',
          driver_share: null,
          title: a.title,
          model_version: version,
        })
      }
    }
    if (ctx.signal.aborted) throw ctx.signal.reason
    await insertForecastOutputs(
      ctx.ch,
      { runId: ctx.runId, at: ctx.now() },
      { forecasts, anomalies, potential },
    )
    for (const n of out.notes) ctx.log.info({ job: ctx.job }, n)
    const served = (m: string) => out.hourly.filter((f) => f.method === m).length
    return {
      series: series.length,
      forecast_rows: forecasts.length,
      hourly_model_series: served('model'),
      hourly_ensemble_series: served('ensemble'),
      hourly_baseline_series: out.hourly.length - served('model') - served('ensemble'),
      anomalies: anomalies.length,
      articles: potential.length,
      articles_model: out.articles.filter((p) => p.method === 'model').length,
      trained_suite: training && !modelMissing ? 1 : 0,
      model_missing: modelMissing,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    }
  } finally {
    disposeForecastSuite(suite)
  }
}

/**
 * The `forecast` job definition (hourly).
 * @example registry.registerJob(createForecastJob())
 */
export function createForecastJob(): JobDefinition {
  return {
    name: 'forecast',
    schedule: FORECAST_SCHEDULE,
    description:
      'next 48 h and 14 days of pageviews per site/section (p10–p90), anomalies, article potential',
    catchUp: 1,
    retry: { attempts: 2, backoffMs: 30_000 },
    run: runForecast,
  }
}
