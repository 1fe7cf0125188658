// Forecast benchmark: rolling-origin backtests on two real public datasets — Wikipedia daily page views
// (10 pages, horizon 28 days) and M4 hourly (4 series, horizon 48 hours) — and on the platform simulator's
// sites and sections (hourly, 48 h, as the forecast job serves them), comparing the served forecast with the
// seasonal naive measured in the same run (MASE ratio), plus p10–p90 coverage, article potential R² (model vs
// log-linear) on the simulator, and the time of a full forecast run (5 sites × 10 sections + 1 000 articles).
// Run: npm run bench:forecast [-- --folds 3 --ensemble 3 --sim-days 84 --parts wikipedia,m4,sim,run]
// (NHIP_TF_BACKEND=wasm|cpu|tensorflow to force a backend; a partial run writes forecast-partial-<parts>.json)
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  type BacktestOptions,
  type BacktestResult,
  backtestForecast,
  type Freq,
  METHOD_NAMES,
  readSeriesCsv,
  seriesFromObservations,
} from '../models/forecast/index.ts'
import { initTf, matmulGflops, parseTfBackend } from '../models/tf/index.ts'
import { runSimulatorParts, type SimBenchResult } from './lib/forecast-sim-bench.ts'
import { printTable, writeResult } from './lib/harness.ts'

const { values: args } = parseArgs({
  options: {
    folds: { type: 'string', default: '3' },
    ensemble: { type: 'string', default: '3' },
    'sim-days': { type: 'string', default: '84' },
    parts: { type: 'string', default: 'wikipedia,m4,sim,run' },
    datasets: {
      type: 'string',
      default: path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'datasets'),
    },
  },
})

interface Dataset {
  key: 'wikipedia' | 'm4'
  file: string
  seriesCol: string
  freq: Freq
  horizon: number
  /** M4 series sit in different years and are unrelated: folds are counted from each series' end. */
  align: BacktestOptions['align']
}

const DATASETS: Dataset[] = [
  {
    key: 'wikipedia',
    file: 'wikipedia_traffic_daily.csv',
    seriesCol: 'Page',
    freq: 'daily',
    horizon: 28,
    align: 'clock',
  },
  { key: 'm4', file: 'm4_hourly.csv', seriesCol: 'id', freq: 'hourly', horizon: 48, align: 'end' },
]

const t0 = performance.now()
const { tf, backend } = await initTf({ backend: parseTfBackend(process.env.NHIP_TF_BACKEND) })
const gflops = await matmulGflops(tf)
const folds = Number(args.folds)
const ensemble = Number(args.ensemble)
const parts = new Set(args.parts.split(',').map((p) => p.trim()))
const ALL_PARTS = ['wikipedia', 'm4', 'sim', 'run']
const partial = ALL_PARTS.some((p) => !parts.has(p))
const results: Record<string, BacktestResult> = {}
const windowsPerSec: number[] = []

const datasets = DATASETS.filter((d) => parts.has(d.key))
for (const d of datasets) {
  const text = readFileSync(path.join(args.datasets, d.file), 'utf8')
  const obs = readSeriesCsv(text, {
    dateCol: 'date',
    valueCol: 'value',
    seriesCol: d.seriesCol,
    freq: d.freq,
  })
  const series = seriesFromObservations(obs.bySeries, d.freq)
  process.stderr.write(
    `\n${d.key}: ${series.length} series, ${obs.rows} rows, ${d.freq}, horizon ${d.horizon}\n`,
  )
  results[d.key] = await backtestForecast(series, {
    freq: d.freq,
    horizon: d.horizon,
    folds,
    align: d.align,
    tf,
    // These pages and M4 series are not Vietnamese: Vietnamese holiday flags would only add noise.
    model: { holidays: false, ensemble },
    onProgress: (e) => {
      if (e.kind === 'fold')
        process.stderr.write(`  fold ${e.fold}/${e.folds} (${e.role}) origin ${e.origin}\n`)
      else if (e.kind === 'note') process.stderr.write(`  note: ${e.message}\n`)
      else {
        windowsPerSec.push(e.windowsPerSec)
        if (e.epoch % 10 === 0) {
          process.stderr.write(
            `    net ${e.member}/${e.members} ${e.phase} epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} val ${e.valLoss?.toFixed(4) ?? '—'} ${Math.round(e.windowsPerSec)} windows/s\n`,
          )
        }
      }
    },
  })
}

let sim: SimBenchResult | undefined
if (parts.has('sim') || parts.has('run')) {
  sim = await runSimulatorParts({
    tf,
    days: Number(args['sim-days']),
    folds,
    backtest: parts.has('sim'),
    fullRun: parts.has('run'),
    log: (line) => process.stderr.write(`${line}\n`),
    onTrain: (wps) => windowsPerSec.push(wps),
  })
}

const runSeconds = (performance.now() - t0) / 1000
const metrics: Record<string, number> = {}
const round4 = (x: number | null | undefined) =>
  x === null || x === undefined ? null : Math.round(x * 1e4) / 1e4
const put = (key: string, v: number | null | undefined) => {
  if (v !== null && v !== undefined && Number.isFinite(v)) metrics[key] = v
}
let inside = 0
let total = 0
for (const d of datasets) {
  const r = results[d.key] as BacktestResult
  const rows = [...METHOD_NAMES, 'served' as const].map((m) => {
    const x = m === 'served' ? r.served.overall : r.methods[m]
    return {
      method: m,
      MASE: x?.mase ?? Number.NaN,
      sMAPE: x?.smape ?? Number.NaN,
      'p10–p90 coverage': x?.coverage ?? Number.NaN,
      n: x?.n ?? 0,
    }
  })
  printTable(
    `${d.key} (${d.freq}, horizon ${d.horizon}, ${r.folds} scored folds + ${r.selection_folds} for selection)`,
    rows,
  )
  const used = Object.entries(r.served.overall?.methods_used ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  process.stdout.write(
    `served MASE / seasonal naive: ${r.served.overall?.mase_ratio_vs_seasonal_naive ?? '—'}   (served: ${used})\n`,
  )
  put(`mase_ratio_${d.key}`, r.served.overall?.mase_ratio_vs_seasonal_naive)
  put(
    `mase_ratio_model_${d.key}`,
    r.methods.model?.mase != null && r.methods.seasonal_naive?.mase
      ? Math.round((r.methods.model.mase / r.methods.seasonal_naive.mase) * 1e4) / 1e4
      : null,
  )
  for (const m of METHOD_NAMES) {
    put(`mase_${m}_${d.key}`, r.methods[m]?.mase)
    put(`smape_${m}_${d.key}`, r.methods[m]?.smape)
    put(`coverage_${m}_${d.key}`, r.methods[m]?.coverage)
  }
  for (const [m, w] of Object.entries(r.ensemble_weights ?? {})) put(`ensemble_weight_${m}_${d.key}`, w)
  put(`mase_served_${d.key}`, r.served.overall?.mase)
  put(`smape_served_${d.key}`, r.served.overall?.smape)
  put(`coverage_served_${d.key}`, r.served.overall?.coverage)
  put(`train_s_${d.key}`, r.timing.train_seconds)
  put(`run_s_${d.key}`, r.timing.seconds)
  const c = r.served.overall
  if (c?.coverage != null) {
    // Points scored = series×folds × horizon (minus gaps); weight each dataset by its points.
    inside += c.coverage * c.n * d.horizon
    total += c.n * d.horizon
  }
}
if (sim?.hourly) {
  const r = sim.hourly
  const c = r.served.overall
  put('mase_ratio_sim', c?.mase_ratio_vs_seasonal_naive)
  put('mase_served_sim', c?.mase)
  put('coverage_served_sim', c?.coverage)
  for (const m of METHOD_NAMES) {
    put(`mase_${m}_sim`, r.methods[m]?.mase)
    put(`coverage_${m}_sim`, r.methods[m]?.coverage)
  }
  put('train_s_sim', r.timing.train_seconds)
  for (const [m, w] of Object.entries(r.ensemble_weights ?? {})) put(`ensemble_weight_${m}_sim`, w)
  if (c?.coverage != null) {
    inside += c.coverage * c.n * r.horizon
    total += c.n * r.horizon
  }
  printTable(
    `simulator (hourly, horizon ${r.horizon}, ${r.folds} scored folds + ${r.selection_folds} for selection)`,
    [...METHOD_NAMES, 'served' as const].map((m) => {
      const x = m === 'served' ? r.served.overall : r.methods[m]
      return {
        method: m,
        MASE: x?.mase ?? Number.NaN,
        sMAPE: x?.smape ?? Number.NaN,
        'p10–p90 coverage': x?.coverage ?? Number.NaN,
        n: x?.n ?? 0,
      }
    }),
  )
}
if (sim?.daily) {
  put('mase_ratio_sim_daily', sim.daily.served.overall?.mase_ratio_vs_seasonal_naive)
  put('coverage_served_sim_daily', sim.daily.served.overall?.coverage)
}
if (sim?.articles) {
  put('article_r2_model', round4(sim.articles.r2_model_24h))
  put('article_r2_loglinear', round4(sim.articles.r2_loglinear_24h))
  put('article_r2_model_72h', round4(sim.articles.r2_model_72h))
  put('article_r2_loglinear_72h', round4(sim.articles.r2_loglinear_72h))
  put('article_n_train', sim.articles.n_train)
  put('article_n_test', sim.articles.n_test)
}
if (sim?.run) {
  put('run_s', sim.run.serveSeconds)
  put('train_run_s', sim.run.trainSeconds)
  put('run_series', sim.run.series)
  put('run_articles', sim.run.articles)
}
put('sim_days', sim ? Number(args['sim-days']) : null)
put('coverage_p10_p90', total > 0 ? Math.round((inside / total) * 1e4) / 1e4 : null)
put('bench_s', Math.round(runSeconds * 10) / 10)
put(
  'windows_per_s',
  windowsPerSec.length > 0
    ? Math.round(windowsPerSec.reduce((a, b) => a + b, 0) / windowsPerSec.length)
    : null,
)
put('matmul_gflops', Math.round(gflops * 100) / 100)
put('folds', folds)
put('ensemble', ensemble)

const within = (k: string, lo: number, hi: number) =>
  metrics[k] !== undefined && (metrics[k] as number) >= lo && (metrics[k] as number) <= hi
const targets = [
  `target served MASE ≤ 0.9 × seasonal naive on Wikipedia: ${within('mase_ratio_wikipedia', 0, 0.9) ? 'met' : 'NOT met'} (${metrics.mase_ratio_wikipedia ?? '—'})`,
  `target served MASE ≤ 0.9 × seasonal naive on the simulator (hourly, 48 h): ${within('mase_ratio_sim', 0, 0.9) ? 'met' : 'NOT met'} (${metrics.mase_ratio_sim ?? '—'})`,
  `target p10–p90 coverage 70–90 %: ${within('coverage_p10_p90', 0.7, 0.9) ? 'met' : 'NOT met'} (${metrics.coverage_p10_p90 ?? '—'})`,
  `target article R² (log views at 24 h) model > log-linear: ${metrics.article_r2_model !== undefined && metrics.article_r2_loglinear !== undefined && metrics.article_r2_model > metrics.article_r2_loglinear ? 'met' : 'NOT met'} (${metrics.article_r2_model ?? '—'} vs ${metrics.article_r2_loglinear ?? '—'})`,
  `target full forecast run ≤ 120 s: ${within('run_s', 0, 120) ? 'met' : 'NOT met'} (${metrics.run_s ?? '—'} s; nightly training ${metrics.train_run_s ?? '—'} s)`,
]
process.stdout.write(
  `\n${targets.join('\n')}\nbackend ${backend}, matmul ${gflops.toFixed(1)} GFLOP/s, run ${runSeconds.toFixed(1)} s\n`,
)

writeResult(
  partial ? `forecast-partial-${[...parts].sort().join('-')}` : 'forecast',
  metrics,
  [
    `TF.js backend ${backend}. Parts: ${[...parts].join(', ')}. Wikipedia: 10 pages, daily, horizon 28, folds aligned on one clock; M4 hourly: 4 series, horizon 48, folds counted from each series' end (they sit in different years).`,
    `${folds} scored folds + 3 selection folds per dataset; the served method of a series at each scored fold is chosen from earlier folds only (pooled default, per-series switch only on ≥20 % better mean MASE over ≥3 folds, winning most). The default incumbent is the ensemble: the mean of the model's and the three baselines' p10/p50/p90, each weighted by 1 / its mean MASE over all series on the folds before the one forecast (equal weights at the first fold); "ensemble_weights_*" are the weights over all folds, what the job would serve.`,
    'MASE scale: seasonal differences of the in-sample history (7 days / 24 hours, the M4 convention); coverage_p10_p90 = served forecasts, all datasets (Wikipedia, M4, simulator hourly) pooled by points.',
    'Holiday features off for Wikipedia and M4 (not Vietnamese); on for the simulator, as in the job.',
    `Simulator: seed 7, ${args['sim-days']} days from 2026-06-01 at scale 1, generated in process; hourly pageviews (bots excluded) of the 5 sites and each of their sections (33 series), backtested with the forecast job's model settings (models/forecast/suite.ts DEFAULT_SUITE_SETTINGS, lookback by platformModelConfig) over ${folds} scored + 3 selection folds of 48 h: mase_ratio_sim. mase_ratio_sim_daily: the same series summed per day, horizon 14, 2 scored + 2 selection folds (too little history for the daily model: baselines only).`,
    'Article potential: articles published inside the simulation with 72 h of data; first 60 minutes as the job reads them (views, engaged seconds, referrer classes by the pipeline classifier, section, publish hour); trained on the oldest 70 %, R² of log1p views at 24 h (and 72 h) on the latest 30 %.',
    'run_s: one hourly forecast run (serveForecastSuite: 48 h + 14 days per series, anomaly bands over the last 24 h, article potential) for 5 sites × 10 sections (the simulator has 2–8 sections per site; the rest are copies of other sites’ sections under new keys) + 1 000 live articles (the simulator’s last 72 h, padded with copies), every hourly series served by the model (worst case); train_run_s = the nightly training (trainForecastSuite) on the same series with 1 selection + 1 scored fold (the job default is 2 + 2). In-process compute only: the ClickHouse reads and writes of the jobs are not included.',
    ...targets,
  ].join(' '),
)
