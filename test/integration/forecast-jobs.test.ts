// The forecast jobs on the real embedded engine with simulator traffic written through the production
// transform: nightly training records metrics and a served method per series, the hourly run writes forecasts,
// article potential and anomalies, a failed run's rows are never read, and the daily report shows them.
import { mkdtempSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backfill, SITES, Simulation } from '../../bench/simulator/index.ts'
import { createLogger } from '../../infra/logger.ts'
import { createMetricsRegistry } from '../../infra/metrics.ts'
import { EMBEDDED_TOPICS } from '../../ingest/collector.ts'
import { addSite } from '../../ingest/sites/sites.ts'
import { createForecastJob } from '../../jobs/forecast-hourly.ts'
import { latestTrainingRun } from '../../jobs/forecast-tables.ts'
import { createForecastTrainJob, forecastModelDir } from '../../jobs/forecast-train.ts'
import { createJobRegistry, createScheduler, registerBuiltinJobs } from '../../jobs/index.ts'
import { readForecast, reportPeriod } from '../../jobs/reports/data.ts'
import { vietnamMidnight } from '../../jobs/vietnam-time.ts'
import { METHOD_NAMES } from '../../models/forecast/index.ts'
import { createTransform } from '../../transform/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const START_DAY = '2026-11-10'
const DAYS = 10
const LAST_DAY = '2026-11-19'
/** A small, fast model; one selection and one scored fold so the hourly model can train on 10 days. */
const OPTIONS = {
  tfBackend: 'wasm',
  folds: 1,
  selectionFolds: 1,
  model: { lookback: 48, hidden: [8], epochs: 3, ensemble: 1, minWindows: 16, patience: 2 },
}

const log = createLogger({ level: 'warn' })
let t: TestClickHouse
let dataDir: string

/** A scheduler whose clock reads `at`, with the forecast jobs and one that fails after the real run wrote. */
function scheduler(at: Date) {
  const registry = registerBuiltinJobs(createJobRegistry())
  const real = createForecastJob()
  registry.registerJob({
    ...real,
    name: 'forecast-broken',
    retry: { attempts: 1, backoffMs: 0 },
    run: async (ctx) => {
      await real.run(ctx)
      throw new Error('killed after writing its rows')
    },
  })
  const train = createForecastTrainJob()
  registry.registerJob({
    ...train,
    name: 'forecast-train-broken',
    retry: { attempts: 1, backoffMs: 0 },
    run: async (ctx) => {
      await train.run(ctx)
      throw new Error('killed after saving')
    },
  })
  return createScheduler({ ch: t.ch, log, dataDir, registry, now: () => at, jobOptions: OPTIONS })
}

beforeAll(async () => {
  t = await freshClickHouse()
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-forecast-'))
  for (const s of SITES)
    await addSite(t.ch, {
      agency_id: s.agency_id,
      site_id: s.site_id,
      name: s.name,
      domains: [s.domain],
      language: s.language,
    })
  const transform = await createTransform({ ch: t.ch, log, metrics: createMetricsRegistry() })
  try {
    await backfill({
      simulation: new Simulation({ seed: 7, startDay: START_DAY, days: DAYS, scale: 0.4 }),
      deliver: (records) => transform.deliverInProcess(records, EMBEDDED_TOPICS),
      topics: EMBEDDED_TOPICS,
    })
  } finally {
    await transform.close()
  }
}, 600_000)

afterAll(async () => {
  await t?.cleanup()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

// The runs happen on the evening before the last simulated day, 23:05 Vietnam time (cutoff 23:00); the first,
// before any training, an hour earlier.
const EARLIER = new Date(vietnamMidnight(LAST_DAY).getTime() - 115 * 60_000)
const EVENING = new Date(vietnamMidnight(LAST_DAY).getTime() - 55 * 60_000)
const NEXT_MORNING = new Date(vietnamMidnight('2026-11-20').getTime() + 5 * 60_000)

describe('forecast jobs', () => {
  let trainRun = ''
  let eveningRun = ''

  it('before any training, the hourly run serves baselines with a note and never NaN', async () => {
    const outcome = await scheduler(EARLIER).runJob('forecast', { scheduledFor: EARLIER })
    expect(outcome.status, outcome.error).toBe('succeeded')
    expect(outcome.keyFigures?.trained_suite).toBe(0)
    expect(outcome.keyFigures?.hourly_model_series).toBe(0)
    const [bad] = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.forecasts WHERE run_id = '${outcome.runId}'
         AND NOT (isFinite(p10) AND isFinite(p50) AND isFinite(p90) AND p10 <= p50 AND p50 <= p90 AND p10 >= 0)`,
    )
    expect(bad?.n).toBe('0')
  }, 300_000)

  it('forecast-train backtests every site and section and records one served method per series', async () => {
    const outcome = await scheduler(EVENING).runJob('forecast-train', { scheduledFor: EVENING })
    expect(outcome.status, outcome.error).toBe('succeeded')
    trainRun = outcome.runId ?? ''
    const f = outcome.keyFigures ?? {}
    expect(f.series).toBeGreaterThan(SITES.length)
    expect(f.metric_rows).toBeGreaterThan(0)
    const served = await rows<{
      granularity: string
      kind: string
      key: string
      site: string
      n: string
      m: string
    }>(
      t.ch,
      `SELECT granularity, series_kind AS kind, series_key AS key, site_id AS site, count() AS n, any(method) AS m
       FROM nhip.v_forecast_metrics WHERE served = 1 AND series_kind IN ('site', 'section')
       GROUP BY granularity, kind, key, site`,
    )
    // Every series of both granularities has exactly one served method, one the backtest knows.
    expect(served.filter((r) => r.granularity === 'hour').length).toBe(f.series)
    expect(served.filter((r) => r.granularity === 'day').length).toBe(f.series)
    expect(served.every((r) => r.n === '1' && (METHOD_NAMES as readonly string[]).includes(r.m))).toBe(true)
    // The hourly backtest scored the model beside the baselines.
    const methods = await rows<{ method: string }>(
      t.ch,
      "SELECT DISTINCT method FROM nhip.v_forecast_metrics WHERE granularity = 'hour' ORDER BY method",
    )
    expect(methods.map((r) => r.method)).toEqual(expect.arrayContaining(['model', 'seasonal_naive']))
    // Article potential was scored against log-linear on the latest articles.
    const art = await rows<{ method: string; r2: number | null }>(
      t.ch,
      "SELECT method, r2 FROM nhip.v_forecast_metrics WHERE series_kind = 'article_potential' ORDER BY method",
    )
    expect(art.map((r) => r.method)).toEqual(['loglinear', 'model'])
    await expect(
      readFile(path.join(forecastModelDir(dataDir, trainRun), 'suite.json'), 'utf8'),
    ).resolves.toContain('"hourly"')
    expect((await latestTrainingRun(t.ch))?.runId).toBe(trainRun)
  }, 600_000)

  it('a training run that failed after saving is never served', async () => {
    const outcome = await scheduler(EVENING).runJob('forecast-train-broken', { scheduledFor: EVENING })
    expect(outcome.status).toBe('failed')
    const [written] = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.forecast_metrics WHERE run_id = '${outcome.runId}'`,
    )
    expect(Number(written?.n)).toBeGreaterThan(0)
    expect((await latestTrainingRun(t.ch))?.runId).toBe(trainRun)
  }, 600_000)

  it('the hourly run serves the trained choice: 48 hours and 14 days per series, article potential', async () => {
    const outcome = await scheduler(EVENING).runJob('forecast', { scheduledFor: EVENING })
    expect(outcome.status, outcome.error).toBe('succeeded')
    eveningRun = outcome.runId ?? ''
    const f = outcome.keyFigures ?? {}
    expect(f.trained_suite).toBe(1)
    expect(f.articles).toBeGreaterThan(0)
    const perSeries = await rows<{ g: string; n: string; first: string; methods: string }>(
      t.ch,
      `SELECT granularity AS g, toString(count()) AS n, toString(min(target_time)) AS first,
              arrayStringConcat(groupUniqArray(method), ',') AS methods
       FROM nhip.forecasts WHERE run_id = '${outcome.runId}'
       GROUP BY g, site_id, series_kind, series_key`,
    )
    expect(perSeries.filter((r) => r.g === 'hour').length).toBe(f.series)
    expect(perSeries.filter((r) => r.g === 'hour').every((r) => r.n === '48')).toBe(true)
    expect(perSeries.filter((r) => r.g === 'day').every((r) => r.n === '14')).toBe(true)
    // Hourly forecasts start at the cutoff (the last complete hour + 1), daily at the first day not complete.
    expect(new Set(perSeries.filter((r) => r.g === 'hour').map((r) => r.first))).toEqual(
      new Set(['2026-11-18 23:00:00']),
    )
    expect(new Set(perSeries.filter((r) => r.g === 'day').map((r) => r.first))).toEqual(
      new Set(['2026-11-18 00:00:00']),
    )
    // The model version of the training run is on every row.
    const [v] = await rows<{ v: string }>(
      t.ch,
      `SELECT arrayStringConcat(groupUniqArray(model_version), ',') AS v FROM nhip.forecasts WHERE run_id = '${outcome.runId}'`,
    )
    expect(v?.v).toMatch(/^fc-20261118-/)
    const pot = await rows<{ n: string; bad: string }>(
      t.ch,
      `SELECT count() AS n, countIf(NOT (isFinite(p50_24h) AND p50_72h >= 0)) AS bad
       FROM nhip.article_potential WHERE run_id = '${outcome.runId}'`,
    )
    expect(Number(pot[0]?.n)).toBe(f.articles)
    expect(pot[0]?.bad).toBe('0')
  }, 300_000)

  it('rows of a failed hourly run are invisible to the report and the analyst views', async () => {
    const before = await readForecast(t.ch, 'baolamdong', reportPeriod('daily', LAST_DAY))
    const outcome = await scheduler(NEXT_MORNING).runJob('forecast-broken', { scheduledFor: NEXT_MORNING })
    expect(outcome.status).toBe('failed')
    const [written] = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.forecasts WHERE run_id = '${outcome.runId}'`,
    )
    expect(Number(written?.n)).toBeGreaterThan(0)
    const [seen] = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.v_forecasts WHERE run_id = '${outcome.runId}'`,
    )
    expect(seen?.n).toBe('0')
    expect(await readForecast(t.ch, 'baolamdong', reportPeriod('daily', LAST_DAY))).toEqual(before)
  }, 300_000)

  it('the daily report shows actual vs forecast, the coming days and the forecast section', async () => {
    // The morning run checks the whole last day for anomalies.
    const morning = await scheduler(NEXT_MORNING).runJob('forecast', { scheduledFor: NEXT_MORNING })
    expect(morning.status, morning.error).toBe('succeeded')
    const fc = await readForecast(t.ch, 'baolamdong', reportPeriod('daily', LAST_DAY))
    // The latest forecast made before the day began (the evening run): the day's total of the site series.
    const [site] = await rows<{ s: number }>(
      t.ch,
      `SELECT sum(p50) AS s FROM nhip.v_forecasts WHERE agency_id = 'baolamdong' AND granularity = 'day'
         AND series_kind = 'site' AND toDate(target_time) = '${LAST_DAY}' AND run_id = '${eveningRun}'`,
    )
    expect(fc?.pageviews).toBeCloseTo(Number(site?.s), 6)
    expect(fc?.pageviewsP10).toBeLessThanOrEqual(fc?.pageviews ?? 0)
    expect(fc?.outlook?.map((d) => d.day)).toEqual([
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
    ])
    const out = mkdtempSync(path.join(os.tmpdir(), 'nhip-forecast-report-'))
    try {
      const report = await scheduler(NEXT_MORNING).runJob('daily-report', {
        day: LAST_DAY,
        options: { outDir: out, agency: 'baolamdong' },
      })
      expect(report.status, report.error).toBe('succeeded')
      const html = await readFile(path.join(out, `baolamdong-daily-${LAST_DAY}.vi.html`), 'utf8')
      expect(html).toContain('data-vs-forecast')
      expect(html).toContain('So với dự báo')
      expect(html).toContain('data-outlook')
      expect(html).toContain('Dự báo lượt đọc những ngày tới')
      expect(html).toContain('Bất thường so với dự báo')
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  }, 300_000)
})
