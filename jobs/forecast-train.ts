// The nightly `forecast-train` job: reads every site's and section's hourly pageviews and the articles with a
// known 72 h outcome, backtests the global TF.js model against the baselines per series (hourly 48 h, daily
// 14 days), records forecast_metrics with the method served per series, and saves the trained suite under
// `<dataDir>/models/forecast/<run_id>` for the hourly `forecast` job.
import { readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import {
  type ArticleMetrics,
  disposeForecastSuite,
  type SuiteSettings,
  saveForecastSuite,
  type TrafficSeries,
  type TrainedFrequency,
  type TrainedSuite,
  trafficSeriesId,
  trainForecastSuite,
} from '../models/forecast/index.ts'
import { initTf, TF_BACKENDS } from '../models/tf/index.ts'
import {
  forecastCutoff,
  insertForecastOutputs,
  localHourText,
  type MetricRow,
  readArticleExamples,
  readTrafficSeries,
} from './forecast-tables.ts'
import type { JobContext, JobDefinition, KeyFigures } from './job.ts'

/** Nightly at 02:20 Vietnam time (after the day's data is in, before the 06:00 report). */
export const FORECAST_TRAIN_SCHEDULE = '20 2 * * *'

/** Suites kept on disk: the newest few training runs (the hourly job serves the latest succeeded one). */
export const KEPT_SUITES = 7

/** Removes suite directories beyond the newest {@link KEPT_SUITES} (by modification time), never `keep`. */
async function pruneSuites(dataDir: string, keep: string): Promise<number> {
  const root = path.join(path.resolve(dataDir), 'models', 'forecast')
  const entries = await readdir(root, { withFileTypes: true })
  const dirs = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && e.name !== keep)
      .map(async (e) => ({ name: e.name, mtime: (await stat(path.join(root, e.name))).mtimeMs })),
  )
  const old = dirs.sort((a, b) => b.mtime - a.mtime).slice(KEPT_SUITES - 1)
  for (const d of old) await rm(path.join(root, d.name), { recursive: true, force: true })
  return old.length
}

/** Where a training run keeps its suite. */
export function forecastModelDir(dataDir: string, runId: string): string {
  return path.join(path.resolve(dataDir), 'models', 'forecast', runId)
}

/** Job options (from the caller; tests shrink the model). Unknown keys (e.g. report e-mail settings) are ignored. */
export const ForecastJobOptions = z.object({
  tfBackend: z.enum(TF_BACKENDS).optional(),
  /** Days of hourly history read. */
  historyDays: z.number().int().min(3).max(730).default(182),
  /** Days of articles the article-potential model learns from. */
  articleDays: z.number().int().min(4).max(365).default(60),
  folds: z.number().int().min(1).max(12).optional(),
  selectionFolds: z.number().int().min(0).max(12).optional(),
  model: z
    .object({
      lookback: z.number().int().min(2).optional(),
      hidden: z.array(z.number().int().positive()).optional(),
      epochs: z.number().int().positive().optional(),
      ensemble: z.number().int().min(1).max(10).optional(),
      minWindows: z.number().int().min(1).optional(),
      maxWindows: z.number().int().min(1).optional(),
      patience: z.number().int().min(1).optional(),
    })
    .optional(),
})
export type ForecastJobOptions = z.infer<typeof ForecastJobOptions>

export function parseForecastJobOptions(options: Readonly<Record<string, unknown>>): ForecastJobOptions {
  const parsed = ForecastJobOptions.safeParse(options)
  if (!parsed.success)
    throw new Error(
      `forecast job options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  return parsed.data
}

/** The model version a run's outputs carry: the cutoff day and the run. */
export function forecastModelVersion(cutoff: number, runId: string): string {
  return `fc-${localHourText(cutoff).slice(0, 10).replaceAll('-', '')}-${runId.slice(0, 8)}`
}

const FREQ_GRANULARITY = { hourly: 'hour', daily: 'day' } as const

function metricRows(f: TrainedFrequency, series: readonly TrafficSeries[], version: string): MetricRow[] {
  const rows: MetricRow[] = []
  for (const s of series) {
    const id = trafficSeriesId(s.kind, s.siteId, s.key)
    const per = f.backtest.served.per_series[id]
    if (!per) continue
    const served = f.served[id]
    const base = {
      agency_id: s.agencyId,
      site_id: s.siteId,
      series_kind: s.kind,
      series_key: s.key,
      granularity: FREQ_GRANULARITY[f.freq],
      r2: null,
      model_version: version,
    }
    const methods = Object.entries(per.metrics).filter(([, m]) => m)
    for (const [method, m] of methods) {
      rows.push({
        ...base,
        method,
        mase: m?.mase ?? null,
        smape: m?.smape ?? null,
        coverage: m?.coverage ?? null,
        folds: m?.n ?? 0,
        served: method === served,
        notes: method === served ? per.notes.join('; ').slice(0, 2000) : '',
      })
    }
    // A series too short to score still records what it is served, and why.
    if (served && !methods.some(([m]) => m === served)) {
      rows.push({
        ...base,
        method: served,
        mase: null,
        smape: null,
        coverage: null,
        folds: 0,
        served: true,
        notes: per.notes.join('; ').slice(0, 2000),
      })
    }
  }
  return rows
}

function articleRows(
  m: ArticleMetrics | undefined,
  servedModel: boolean,
  version: string,
  notes: string[],
): MetricRow[] {
  if (!m) return []
  const base = {
    agency_id: '',
    site_id: '',
    series_kind: 'article_potential',
    series_key: '',
    granularity: 'article' as const,
    mase: null,
    smape: null,
    coverage: null,
    folds: m.n_test,
    model_version: version,
  }
  return [
    { ...base, method: 'model', r2: m.r2_model_24h, served: servedModel, notes: '' },
    {
      ...base,
      method: 'loglinear',
      r2: m.r2_loglinear_24h,
      served: !servedModel,
      notes: notes.join('; ').slice(0, 2000),
    },
  ]
}

const round = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? undefined : Math.round(x * 10 ** d) / 10 ** d

async function runTraining(ctx: JobContext): Promise<KeyFigures> {
  const opts = parseForecastJobOptions(ctx.options)
  const t0 = performance.now()
  const at = new Date(Math.min(ctx.scheduledFor.getTime(), ctx.now().getTime()))
  const cutoff = await forecastCutoff(ctx.ch, at)
  if (cutoff === undefined) {
    ctx.progress('no traffic yet: nothing to train on')
    return { series: 0 }
  }
  const version = forecastModelVersion(cutoff, ctx.runId)
  const series = await readTrafficSeries(ctx.ch, { cutoff, days: opts.historyDays })
  const articles = await readArticleExamples(ctx.ch, { cutoff, days: opts.articleDays })
  ctx.progress(
    `training on ${series.length} series and ${articles.length} articles up to ${localHourText(cutoff)} (Vietnam time)`,
    { series: series.length, articles: articles.length },
  )
  if (series.length === 0) return { series: 0 }
  if (ctx.signal.aborted) throw ctx.signal.reason
  const { tf, backend } = await initTf({
    ...(opts.tfBackend ? { backend: opts.tfBackend } : {}),
    log: (msg, fields) => ctx.log.info(fields ?? {}, msg),
  })
  const settings: Partial<SuiteSettings> = {
    ...(opts.folds !== undefined ? { folds: opts.folds } : {}),
    ...(opts.selectionFolds !== undefined ? { selectionFolds: opts.selectionFolds } : {}),
    ...(opts.model ? { model: opts.model } : {}),
  }
  let suite: TrainedSuite | undefined
  try {
    suite = await trainForecastSuite(series, articles, {
      tf,
      version,
      settings,
      onProgress: (p) => {
        if (ctx.signal.aborted) throw ctx.signal.reason
        if (p.kind === 'stage') ctx.progress(p.message)
        else if (p.epoch === 1 || p.epoch % 10 === 0)
          ctx.progress(
            `${p.freq} ${p.stage} net ${p.member}/${p.members} ${p.phase} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}`,
            { windows_per_s: Math.round(p.windowsPerSec) },
          )
      },
    })
    for (const n of suite.notes) ctx.log.info({ job: ctx.job }, n)
    const dir = forecastModelDir(ctx.dataDir, ctx.runId)
    await saveForecastSuite(dir, suite)
    const metrics = [
      ...metricRows(suite.hourly, series, version),
      ...metricRows(suite.daily, series, version),
      ...articleRows(
        suite.articleMetrics,
        suite.article !== undefined,
        version,
        suite.notes.filter((n) => n.startsWith('article')),
      ),
    ]
    await insertForecastOutputs(ctx.ch, { runId: ctx.runId, at: ctx.now() }, { metrics })
    const pruned = await pruneSuites(ctx.dataDir, ctx.runId)
    ctx.progress(`saved ${version} to ${dir}; ${metrics.length} metric rows; ${pruned} old suites removed`)
    const count = (f: TrainedFrequency, m: string) => Object.values(f.served).filter((x) => x === m).length
    const figures: KeyFigures = {
      series: series.length,
      articles: articles.length,
      metric_rows: metrics.length,
      hourly_model_series: count(suite.hourly, 'model'),
      daily_model_series: count(suite.daily, 'model'),
      hourly_ensemble_series: count(suite.hourly, 'ensemble'),
      daily_ensemble_series: count(suite.daily, 'ensemble'),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      tf_wasm: backend === 'wasm' ? 1 : 0,
    }
    const put = (k: string, v: number | undefined) => {
      if (v !== undefined) figures[k] = v
    }
    put('hourly_mase_ratio', round(suite.hourly.backtest.served.overall?.mase_ratio_vs_seasonal_naive))
    put('daily_mase_ratio', round(suite.daily.backtest.served.overall?.mase_ratio_vs_seasonal_naive))
    put('hourly_coverage', round(suite.hourly.backtest.served.overall?.coverage))
    put('article_r2_model', round(suite.articleMetrics?.r2_model_24h))
    put('article_r2_loglinear', round(suite.articleMetrics?.r2_loglinear_24h))
    return figures
  } finally {
    if (suite) disposeForecastSuite(suite)
  }
}

/**
 * The `forecast-train` job definition (nightly).
 * @example registry.registerJob(createForecastTrainJob())
 */
export function createForecastTrainJob(): JobDefinition {
  return {
    name: 'forecast-train',
    schedule: FORECAST_TRAIN_SCHEDULE,
    description:
      'backtest and train the traffic forecast model per site/section, pick the served method, article potential',
    catchUp: 1,
    retry: { attempts: 2, backoffMs: 60_000 },
    run: runTraining,
  }
}
