// The platform's forecasting suite. Nightly (`trainForecastSuite`): per frequency a rolling-origin backtest of
// the model against the baselines, the served method of every site / section series, and the global model
// trained on all history; plus the article-potential model. Hourly (`serveForecastSuite`): next 48 h hourly
// and next 14 days daily from each series' served method, bands over the last hours for anomaly flags, and
// article potential. Pure apart from TF.js; the jobs do the reading and writing.
import type { Tf } from '../tf/index.ts'
import { type AnomalyFlag, flagAnomaly } from './anomaly.ts'
import {
  type ArticleEarlySignals,
  type ArticleExample,
  type ArticlePotentialModel,
  evaluateArticlePotential,
  fitLogLinear,
  trainArticlePotential,
} from './article-potential.ts'
import { type BacktestResult, backtestForecast, type MethodName } from './backtest.ts'
import { baselineForecast } from './baselines.ts'
import { type Freq, stepsPerWeek } from './calendar.ts'
import type { EnsembleWeights } from './ensemble.ts'
import { forecastAhead, type ServedForecast } from './forecast-ahead.ts'
import {
  defaultModelConfig,
  disposeForecastModel,
  type ForecastModel,
  type ForecastModelConfig,
  type TrainProgress,
  trainForecastModel,
} from './model.ts'
import { historyBefore, type Series } from './series.ts'

export type TrafficKind = 'site' | 'section'

/** One site's or section's hourly pageviews. */
export interface TrafficSeries {
  kind: TrafficKind
  agencyId: string
  siteId: string
  /** The section for a section series, '' for a whole site. */
  key: string
  /** Hourly pageviews on local (Vietnam) hour numbers; its id is {@link trafficSeriesId}. */
  hourly: Series
}

/** The id a traffic series carries everywhere (backtests, served methods, the model store). */
export const trafficSeriesId = (kind: TrafficKind, siteId: string, key: string) => `${kind}|${siteId}|${key}`

/** Hours a day must have observed to count as observed in the daily series. */
const MIN_OBSERVED_HOURS = 20

/** Daily sums of the complete days of an hourly series (a partial first or last day is left out). */
export function dailyFromHourly(h: Series): Series {
  const end = h.start + h.values.length
  const first = Math.ceil(h.start / 24)
  const last = Math.floor(end / 24) // exclusive
  const values: number[] = []
  const observed: boolean[] = []
  for (let d = first; d < last; d++) {
    let sum = 0
    let seen = 0
    for (let k = 0; k < 24; k++) {
      const i = d * 24 + k - h.start
      sum += h.values[i] as number
      if (h.observed[i]) seen++
    }
    values.push(sum)
    observed.push(seen >= MIN_OBSERVED_HOURS)
  }
  return { id: h.id, freq: 'daily', start: first, values, observed, notes: [...h.notes] }
}

export interface SuiteSettings {
  hourlyHorizon: number
  dailyHorizon: number
  /** Scored backtest folds per frequency (their metrics go to forecast_metrics). */
  folds: number
  /** Earlier folds that only choose the served method for the first scored fold. */
  selectionFolds: number
  /** Model settings for both frequencies (the lookback is chosen from the history unless given here). */
  model?: Partial<ForecastModelConfig>
}

export const DEFAULT_SUITE_SETTINGS: SuiteSettings = {
  hourlyHorizon: 48,
  dailyHorizon: 14,
  folds: 2,
  selectionFolds: 2,
  // Two networks on at most 4 000 windows per frequency: the nightly run must finish on a small 2-core server
  // shared with the rest of the platform (hourly windows one hour apart overlap almost entirely anyway).
  model: { ensemble: 2, maxWindows: 4000 },
}

/**
 * The model configuration for a platform series set, or why there is none. The lookback is the default (8 weeks
 * daily, 2 weeks hourly) when the longest history leaves room for it in every backtest fold, else half of it,
 * else no model (baselines only) — a rule on history length, never on results.
 */
export function platformModelConfig(
  freq: Freq,
  horizon: number,
  longest: number,
  foldsTotal: number,
  overrides: Partial<ForecastModelConfig> = {},
): { cfg: ForecastModelConfig } | { reason: string } {
  const base = defaultModelConfig(freq, horizon, overrides)
  const lookbacks =
    overrides.lookback !== undefined ? [overrides.lookback] : [base.lookback, base.lookback / 2]
  // The first fold's history must hold a lookback, a horizon and a few more windows.
  const needed = (L: number) => foldsTotal * horizon + L + horizon + 8
  for (const L of lookbacks) if (longest >= needed(L)) return { cfg: { ...base, lookback: L } }
  const min = needed(lookbacks.at(-1) as number)
  const unit = freq === 'daily' ? 'days' : 'hours'
  return {
    reason: `history too short for the model (${longest} ${unit}, needs ≥ ${min}): baselines only`,
  }
}

/** What serving needs for one frequency. */
export interface ServingFrequency {
  freq: Freq
  horizon: number
  /** Series id → served method, from the backtest. */
  served: Record<string, MethodName>
  /** For series the backtest did not see (new sections): the method most series are served. */
  defaultMethod: MethodName
  /** Why a series is served what it is (short history, model lost, …), from the backtest; copied to its forecasts. */
  seriesNotes?: Record<string, string[]>
  /** Weights of the 'ensemble' method (inverse backtest MASE of the model and each baseline). */
  ensembleWeights?: EnsembleWeights
  model?: ForecastModel
}

export interface ServingSuite {
  version: string
  hourly: ServingFrequency
  daily: ServingFrequency
  article?: ArticlePotentialModel
  /** The Szabo–Huberman baseline, served when there is no trained article model. */
  articleLogLinear?: { logR24: number; logR72: number }
}

export interface TrainedFrequency extends ServingFrequency {
  backtest: BacktestResult
  notes: string[]
}

export interface ArticleMetrics {
  n_train: number
  n_test: number
  r2_model_24h: number | null
  r2_loglinear_24h: number | null
  r2_model_72h: number | null
  r2_loglinear_72h: number | null
}

export interface TrainedSuite extends ServingSuite {
  hourly: TrainedFrequency
  daily: TrainedFrequency
  /** Article potential scored on the latest 20 % of articles by publication (trained on the rest). */
  articleMetrics?: ArticleMetrics
  notes: string[]
}

export type SuiteProgress =
  | { kind: 'stage'; message: string }
  | ({ kind: 'train'; freq: Freq; stage: 'backtest' | 'final' } & TrainProgress)

export interface TrainSuiteOptions {
  tf: Tf
  version: string
  settings?: Partial<SuiteSettings>
  onProgress?: (p: SuiteProgress) => void
}

function majority(methods: Iterable<MethodName>): MethodName | undefined {
  const n = new Map<MethodName, number>()
  for (const m of methods) n.set(m, (n.get(m) ?? 0) + 1)
  return [...n.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
}

async function trainFrequency(
  series: readonly Series[],
  freq: Freq,
  horizon: number,
  settings: SuiteSettings,
  opts: TrainSuiteOptions,
): Promise<TrainedFrequency> {
  const notes: string[] = []
  const longest = Math.max(0, ...series.map((s) => s.values.length))
  const choice = platformModelConfig(
    freq,
    horizon,
    longest,
    settings.folds + settings.selectionFolds,
    settings.model,
  )
  if ('reason' in choice) notes.push(`${freq}: ${choice.reason}`)
  const cfg = 'cfg' in choice ? choice.cfg : undefined
  opts.onProgress?.({ kind: 'stage', message: `${freq} backtest of ${series.length} series` })
  const backtest = await backtestForecast(series, {
    freq,
    horizon,
    folds: settings.folds,
    selectionFolds: settings.selectionFolds,
    model: cfg ?? false,
    tf: opts.tf,
    onProgress: (e) => {
      if (e.kind === 'train') opts.onProgress?.({ ...e, kind: 'train', freq, stage: 'backtest' })
      else if (e.kind === 'note') notes.push(`${freq}: ${e.message}`)
    },
  })
  const served: Record<string, MethodName> = {}
  const seriesNotes: Record<string, string[]> = {}
  const lengths = new Map(series.map((s) => [s.id, s.values.length]))
  for (const [id, s] of Object.entries(backtest.served.per_series)) {
    const scored = Object.values(s.metrics).some((m) => m)
    if (!scored && (lengths.get(id) ?? 0) >= stepsPerWeek(freq)) {
      // No fold could be scored (history shorter than the folds): the seasonal naive is the standard reference
      // for weekly-patterned traffic, a better default than the backtest's last-value fallback.
      served[id] = 'seasonal_naive'
      seriesNotes[id] = [
        ...s.notes.filter((n) => !n.startsWith('too short to backtest')),
        `too short to backtest (${lengths.get(id)} ${freq === 'daily' ? 'days' : 'hours'}): serving seasonal naive`,
      ]
      continue
    }
    if (s.method) served[id] = s.method
    if (s.notes.length > 0) seriesNotes[id] = s.notes
  }
  const defaultMethod = majority(Object.values(served)) ?? 'seasonal_naive'
  let model: ForecastModel | undefined
  const ensembleWeights = backtest.ensemble_weights ?? undefined
  const usesModel = Object.values(served).some(
    (m) => m === 'model' || (m === 'ensemble' && (ensembleWeights?.model ?? 0) > 0),
  )
  if (cfg && usesModel) {
    opts.onProgress?.({ kind: 'stage', message: `${freq} model on all history` })
    model = await trainForecastModel(opts.tf, series, cfg, {
      onProgress: (p) => opts.onProgress?.({ kind: 'train', freq, stage: 'final', ...p }),
    })
    if (!model) notes.push(`${freq}: too few windows to train the final model; its series fall back`)
  }
  return {
    freq,
    horizon,
    served,
    defaultMethod,
    seriesNotes,
    backtest,
    notes,
    ...(ensembleWeights ? { ensembleWeights } : {}),
    ...(model ? { model } : {}),
  }
}

/** Articles needed to train (and to hold out a fifth for scoring) the article-potential network. */
export const MIN_ARTICLES_FOR_MODEL = 50

/**
 * The nightly training. Articles are examples with a known 72 h outcome, in publication order.
 * @example const suite = await trainForecastSuite(series, articles, { tf, version: 'fc-20261126-ab12cd34' })
 */
export async function trainForecastSuite(
  series: readonly TrafficSeries[],
  articles: readonly ArticleExample[],
  opts: TrainSuiteOptions,
): Promise<TrainedSuite> {
  const settings: SuiteSettings = {
    ...DEFAULT_SUITE_SETTINGS,
    ...opts.settings,
    model: { ...DEFAULT_SUITE_SETTINGS.model, ...opts.settings?.model },
  }
  const hourlySeries = series.map((s) => s.hourly)
  const dailySeries = hourlySeries.map(dailyFromHourly)
  const hourly = await trainFrequency(hourlySeries, 'hourly', settings.hourlyHorizon, settings, opts)
  const daily = await trainFrequency(dailySeries, 'daily', settings.dailyHorizon, settings, opts)
  const notes = [...hourly.notes, ...daily.notes]
  const suite: TrainedSuite = { version: opts.version, hourly, daily, notes }
  if (articles.length > 0) suite.articleLogLinear = fitLogLinear(articles)
  if (articles.length >= MIN_ARTICLES_FOR_MODEL) {
    opts.onProgress?.({ kind: 'stage', message: `article potential on ${articles.length} articles` })
    const cut = Math.floor(articles.length * 0.8)
    const e = await evaluateArticlePotential(opts.tf, articles.slice(0, cut), articles.slice(cut))
    suite.articleMetrics = {
      n_train: e.n_train,
      n_test: e.n_test,
      r2_model_24h: e.r2_model_24h,
      r2_loglinear_24h: e.r2_loglinear_24h,
      r2_model_72h: e.r2_model_72h,
      r2_loglinear_72h: e.r2_loglinear_72h,
    }
    // Serve the network only where it beat the baseline on the held-out (latest) articles.
    if ((e.r2_model_24h ?? -1) > (e.r2_loglinear_24h ?? -1))
      suite.article = await trainArticlePotential(opts.tf, articles)
    else
      notes.push(
        'article potential: the network did not beat log-linear on the latest articles; serving log-linear',
      )
  } else if (articles.length > 0) {
    notes.push(
      `article potential: ${articles.length} articles with a 72 h outcome (< ${MIN_ARTICLES_FOR_MODEL}); serving log-linear`,
    )
  } else notes.push('article potential: no article with a first hour and a 72 h outcome yet')
  return suite
}

/** Frees every network of a suite. */
export function disposeForecastSuite(suite: ServingSuite): void {
  if (suite.hourly.model) disposeForecastModel(suite.hourly.model)
  if (suite.daily.model) disposeForecastModel(suite.daily.model)
  suite.article?.dispose()
}

/** An article past its first hour, as the hourly run sees it. */
export interface LiveArticle {
  agencyId: string
  siteId: string
  articleId: string
  title: string
  signals: ArticleEarlySignals
  /** Publication instant (ms). */
  publishedMs: number
  /** Hours since publication at the cutoff. */
  ageHours: number
  /** Views from publication to the cutoff. */
  viewsSoFar: number
  /** Actual views in its first 24 h, once it is that old. */
  views24h?: number
}

export interface ArticlePotentialOutput {
  article: LiveArticle
  method: 'model' | 'loglinear'
  p10_24h: number
  p50_24h: number
  p90_24h: number
  p50_72h: number
  /** Log-linear views at 24 h, for "above what its first hour suggests". */
  loglinear24h: number
  /** Actual 24 h views outside the interval (only for articles at least 24 h old and with an interval). */
  anomaly?: AnomalyFlag
}

export interface TrafficAnomaly {
  series: TrafficSeries
  /** Local hour number of the flagged hour. */
  hour: number
  actual: number
  p10: number
  p50: number
  p90: number
  flag: AnomalyFlag
}

export interface ServedSuiteOutput {
  hourly: ServedForecast[]
  daily: ServedForecast[]
  anomalies: TrafficAnomaly[]
  articles: ArticlePotentialOutput[]
  notes: string[]
}

/** A point is an anomaly when it is outside p10–p90 by at least half the band's width … */
export const ANOMALY_MIN_BANDS = 0.5
/** … and the actual or the p90 is at least this many views (small counts are noise). */
export const ANOMALY_MIN_VIEWS = 20

export interface ServeOptions {
  tf?: Tf
  /** Hours before the end of the series checked for anomalies (each against a forecast made before them). */
  anomalyHours?: number
}

const finite = (f: { p10: number[]; p50: number[]; p90: number[] }) =>
  [f.p10, f.p50, f.p90].every((a) => a.every(Number.isFinite))

/**
 * Replaces a non-finite forecast (never expected) by the naive one with a note, so the tables never hold NaN, and
 * orders the quantiles exactly (a log1p round trip can leave p10 a few ulps above p50).
 */
function sanitize(f: ServedForecast, s: Series, horizon: number): ServedForecast {
  if (finite(f))
    return {
      ...f,
      p10: f.p10.map((v, j) => Math.min(v, f.p50[j] as number)),
      p90: f.p90.map((v, j) => Math.max(v, f.p50[j] as number)),
    }
  const b = baselineForecast('naive', s.values, horizon, s.freq) ?? {
    p10: Array(horizon).fill(0),
    p50: Array(horizon).fill(0),
    p90: Array(horizon).fill(0),
    notes: [],
  }
  return { ...f, ...b, method: 'naive', notes: [...f.notes, 'non-finite forecast replaced by naive'] }
}

async function serveFrequency(
  series: readonly Series[],
  f: ServingFrequency,
  horizon: number,
  tf: Tf | undefined,
): Promise<ServedForecast[]> {
  const methods: Record<string, MethodName> = {}
  for (const s of series) methods[s.id] = f.served[s.id] ?? f.defaultMethod
  const out = await forecastAhead(series, {
    freq: f.freq,
    horizon,
    methods,
    ...(f.ensembleWeights ? { ensembleWeights: f.ensembleWeights } : {}),
    ...(f.model ? { trained: f.model } : {}),
    ...(tf ? { tf } : {}),
  })
  const byId = new Map(series.map((s) => [s.id, s]))
  return out.map((o) => {
    const s = byId.get(o.id) as Series
    const notes = [...(f.seriesNotes?.[o.id] ?? []), ...o.notes]
    if (!(o.id in f.served)) notes.push(`new series: served ${f.defaultMethod}, the method most series get`)
    if (s.values.every((v) => v === 0)) notes.push('all values are zero')
    return sanitize({ ...o, notes: [...new Set(notes)] }, s, horizon)
  })
}

/**
 * The hourly run: forecasts, anomaly flags over the last `anomalyHours` and article potential.
 * @example const out = await serveForecastSuite(suite, series, liveArticles, { tf })
 */
export async function serveForecastSuite(
  suite: ServingSuite,
  series: readonly TrafficSeries[],
  articles: readonly LiveArticle[],
  opts: ServeOptions = {},
): Promise<ServedSuiteOutput> {
  const notes: string[] = []
  const hourlySeries = series.map((s) => s.hourly).filter((s) => s.values.length > 0)
  const dailySeries = hourlySeries.map(dailyFromHourly).filter((s) => s.values.length > 0)
  const hourly = await serveFrequency(hourlySeries, suite.hourly, suite.hourly.horizon, opts.tf)
  const daily = await serveFrequency(dailySeries, suite.daily, suite.daily.horizon, opts.tf)

  // Anomalies: the last hours against what the served method forecast from the history before them.
  const A = Math.max(1, Math.min(opts.anomalyHours ?? 24, suite.hourly.horizon))
  const cut = hourlySeries
    .filter((s) => s.values.length > A)
    .map((s) => historyBefore(s, s.start + s.values.length - A))
  const recent = await serveFrequency(cut, suite.hourly, A, opts.tf)
  const bySeries = new Map(series.map((s) => [s.hourly.id, s]))
  const anomalies: TrafficAnomaly[] = []
  for (const f of recent) {
    const ts = bySeries.get(f.id)
    if (!ts) continue
    const s = ts.hourly
    for (let j = 0; j < A; j++) {
      const i = f.start + j - s.start
      if (i < 0 || i >= s.values.length || !s.observed[i]) continue
      const actual = s.values[i] as number
      const band = { p10: f.p10[j] as number, p50: f.p50[j] as number, p90: f.p90[j] as number }
      const flag = flagAnomaly(actual, band)
      if (!flag.flagged || Math.max(actual, band.p90) < ANOMALY_MIN_VIEWS) continue
      if (flag.sizeInBands !== null && flag.sizeInBands < ANOMALY_MIN_BANDS) continue
      anomalies.push({ series: ts, hour: f.start + j, actual, ...band, flag })
    }
  }

  // Article potential: the network when the nightly run trained one that beat log-linear, else log-linear.
  const outputs: ArticlePotentialOutput[] = []
  const ll = suite.article?.baseline ?? suite.articleLogLinear
  if (articles.length > 0 && !ll) notes.push('article potential: no trained model or baseline yet')
  if (articles.length > 0 && ll) {
    const preds = suite.article ? suite.article.predict(articles.map((a) => a.signals)) : undefined
    articles.forEach((a, i) => {
      const x = Math.log1p(Math.max(0, a.signals.views60))
      const loglinear24h = Math.expm1(Math.max(0, x + ll.logR24))
      const p = preds?.[i]
      const out: ArticlePotentialOutput = p
        ? {
            article: a,
            method: 'model',
            p10_24h: p.p10_24h ?? p.views24h,
            p50_24h: p.views24h,
            p90_24h: p.p90_24h ?? p.views24h,
            p50_72h: p.views72h,
            loglinear24h,
          }
        : {
            article: a,
            method: 'loglinear',
            p10_24h: loglinear24h,
            p50_24h: loglinear24h,
            p90_24h: loglinear24h,
            p50_72h: Math.expm1(Math.max(0, x + ll.logR72)),
            loglinear24h,
          }
      if (a.views24h !== undefined && out.p90_24h > out.p10_24h) {
        const flag = flagAnomaly(a.views24h, { p10: out.p10_24h, p50: out.p50_24h, p90: out.p90_24h })
        if (flag.flagged && Math.max(a.views24h, out.p90_24h) >= ANOMALY_MIN_VIEWS) out.anomaly = flag
      }
      outputs.push(out)
    })
  }
  return { hourly, daily, anomalies, articles: outputs, notes }
}
