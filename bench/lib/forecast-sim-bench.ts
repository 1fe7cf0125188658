// The simulator parts of the forecast benchmark: backtests of the served forecast on the simulator's site and
// section series (hourly 48 h as the job serves them; daily 14 days), article potential R² against log-linear,
// and the time of a full nightly training and hourly forecast run for 5 sites × 10 sections + 1 000 articles.
import {
  type ArticlePotentialEvaluation,
  type BacktestResult,
  backtestForecast,
  DEFAULT_SUITE_SETTINGS,
  dailyFromHourly,
  disposeForecastSuite,
  evaluateArticlePotential,
  type LiveArticle,
  platformModelConfig,
  serveForecastSuite,
  type TrafficSeries,
  trafficSeriesId,
  trainForecastSuite,
} from '../../models/forecast/index.ts'
import type { Tf } from '../../models/tf/index.ts'
import { articleExamples, collectSimulatorForecastData, liveArticles } from './forecast-sim.ts'

export interface SimBenchResult {
  hourly?: BacktestResult
  daily?: BacktestResult
  articles?: ArticlePotentialEvaluation
  run?: { trainSeconds: number; serveSeconds: number; series: number; articles: number }
}

export interface SimBenchOptions {
  tf: Tf
  days: number
  folds: number
  backtest: boolean
  fullRun: boolean
  log: (line: string) => void
  onTrain?: (windowsPerSec: number) => void
}

const SELECTION_FOLDS = 3
const SECTIONS_PER_SITE = 10
const RUN_ARTICLES = 1000

/** Every site with 10 section series: its own, then copies of other sites' sections under new keys. */
export function tenSectionsPerSite(series: readonly TrafficSeries[]): TrafficSeries[] {
  const sites = [...new Set(series.map((s) => s.siteId))].sort()
  const sections = series.filter((s) => s.kind === 'section')
  const out = series.filter((s) => s.kind === 'site')
  for (const site of sites) {
    const own = sections.filter((s) => s.siteId === site)
    out.push(...own)
    const others = sections.filter((s) => s.siteId !== site)
    for (let k = 0; own.length + k < SECTIONS_PER_SITE && others.length > 0; k++) {
      const src = others[k % others.length] as TrafficSeries
      const key = `${src.key} (${src.siteId} ${k + 1})`
      out.push({
        ...src,
        siteId: site,
        key,
        hourly: { ...src.hourly, id: trafficSeriesId('section', site, key) },
      })
    }
  }
  return out
}

function padArticles(live: readonly LiveArticle[], n: number): LiveArticle[] {
  const out = [...live]
  for (let k = 0; out.length < n && live.length > 0; k++) {
    const a = live[k % live.length] as LiveArticle
    out.push({ ...a, articleId: `${a.articleId}-copy${Math.floor(k / live.length) + 1}` })
  }
  return out.slice(0, n)
}

const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10

/** Runs the simulator, then the backtests and/or the full-run timing. */
export async function runSimulatorParts(opts: SimBenchOptions): Promise<SimBenchResult> {
  const { tf, log } = opts
  const t0 = performance.now()
  const sim = collectSimulatorForecastData({
    seed: 7,
    startDay: '2026-06-01',
    days: opts.days,
    onDay: (d) => {
      if (d.endsWith('1') || d.endsWith('5')) log(`  simulating ${d}`)
    },
  })
  log(
    `simulator: ${opts.days} days, ${sim.events} events, ${sim.series.length} series, ${sim.articles.length} articles in ${seconds(t0)} s`,
  )
  const result: SimBenchResult = {}
  const onProgress = (
    e: Parameters<NonNullable<Parameters<typeof backtestForecast>[1]['onProgress']>>[0],
  ) => {
    if (e.kind === 'fold') log(`  fold ${e.fold}/${e.folds} (${e.role}) origin ${e.origin}`)
    else if (e.kind === 'note') log(`  note: ${e.message}`)
    else {
      opts.onTrain?.(e.windowsPerSec)
      if (e.epoch % 10 === 0)
        log(
          `    net ${e.member}/${e.members} ${e.phase} epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)}`,
        )
    }
  }
  if (opts.backtest) {
    const hourly = sim.series.map((s) => s.hourly)
    const longest = Math.max(...hourly.map((s) => s.values.length))
    const hc = platformModelConfig(
      'hourly',
      48,
      longest,
      opts.folds + SELECTION_FOLDS,
      DEFAULT_SUITE_SETTINGS.model,
    )
    log(`simulator hourly: ${'cfg' in hc ? `model lookback ${hc.cfg.lookback}` : hc.reason}`)
    result.hourly = await backtestForecast(hourly, {
      freq: 'hourly',
      horizon: 48,
      folds: opts.folds,
      selectionFolds: SELECTION_FOLDS,
      model: 'cfg' in hc ? hc.cfg : false,
      tf,
      onProgress,
    })
    const daily = hourly.map(dailyFromHourly)
    const dc = platformModelConfig(
      'daily',
      14,
      Math.max(...daily.map((s) => s.values.length)),
      4,
      DEFAULT_SUITE_SETTINGS.model,
    )
    log(`simulator daily: ${'cfg' in dc ? `model lookback ${dc.cfg.lookback}` : dc.reason}`)
    result.daily = await backtestForecast(daily, {
      freq: 'daily',
      horizon: 14,
      folds: 2,
      selectionFolds: 2,
      model: 'cfg' in dc ? dc.cfg : false,
      tf,
      onProgress,
    })
    const examples = articleExamples(sim)
    const cut = Math.floor(examples.length * 0.7)
    result.articles = await evaluateArticlePotential(tf, examples.slice(0, cut), examples.slice(cut))
    log(
      `article potential: ${examples.length} articles, R² 24 h model ${result.articles.r2_model_24h?.toFixed(4)} vs log-linear ${result.articles.r2_loglinear_24h?.toFixed(4)}`,
    )
  }
  if (opts.fullRun) {
    const series = tenSectionsPerSite(sim.series)
    const live = padArticles(liveArticles(sim), RUN_ARTICLES)
    const examples = articleExamples(sim)
    log(
      `full run: ${series.length} series, ${live.length} live articles, ${examples.length} training articles`,
    )
    const t1 = performance.now()
    // One selection and one scored fold (the job runs 2 + 2): on this shared 2-core machine the job's nightly
    // settings take tens of minutes; the served model (2 networks, ≤ 4 000 windows) is the job's own.
    const suite = await trainForecastSuite(series, examples, {
      tf,
      version: 'bench',
      settings: { folds: 1, selectionFolds: 1 },
      onProgress: (p) => {
        if (p.kind === 'stage') log(`  training: ${p.message}`)
        else opts.onTrain?.(p.windowsPerSec)
      },
    })
    const trainSeconds = seconds(t1)
    // Worst case for the hourly run: every series served by the ensemble (the networks and every baseline run for
    // all of them), or by the model alone when there are no ensemble weights.
    if (suite.hourly.model) {
      const worst = suite.hourly.ensembleWeights ? 'ensemble' : 'model'
      for (const id of Object.keys(suite.hourly.served)) suite.hourly.served[id] = worst
    }
    try {
      const t2 = performance.now()
      const out = await serveForecastSuite(suite, series, live, { tf, anomalyHours: 24 })
      const serveSeconds = seconds(t2)
      log(
        `full run: training ${trainSeconds} s, forecast run ${serveSeconds} s (${out.hourly.length} series, ${out.articles.length} articles, ${out.anomalies.length} anomalies)`,
      )
      result.run = { trainSeconds, serveSeconds, series: series.length, articles: out.articles.length }
    } finally {
      disposeForecastSuite(suite)
    }
  }
  return result
}
