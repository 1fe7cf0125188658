// The platform suite: nightly training + hourly serving on site/section series. Short, gappy and all-zero
// series get a baseline and a note (never NaN, never a throw); a saved suite serves exactly as the trained one.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildSeries,
  dailyFromHourly,
  defaultModelConfig,
  disposeForecastSuite,
  type LiveArticle,
  loadForecastSuite,
  type ServingSuite,
  saveForecastSuite,
  serveForecastSuite,
  type TrafficSeries,
  trafficSeriesId,
  trainForecastModel,
  trainForecastSuite,
} from '../../../models/forecast/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { seeded, TINY_MODEL } from './builders.ts'

let tf: Tf
const dirs: string[] = []
beforeAll(async () => {
  ;({ tf } = await initTf({ backend: 'wasm', log: () => {} }))
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const START = 20_400 * 24 // a local hour number at midnight (2025-11-07)

/** Hourly pageviews with a daily shape and noise; `skip` hours are missing, `zero` makes it all zeros. */
function aTrafficSeries(
  opts: {
    kind?: 'site' | 'section'
    site?: string
    key?: string
    hours?: number
    level?: number
    seed?: number
    skip?: number[]
    zero?: boolean
  } = {},
): TrafficSeries {
  const kind = opts.kind ?? 'site'
  const site = opts.site ?? 'baolamdong'
  const key = opts.key ?? ''
  const rand = seeded(opts.seed ?? 3)
  const level = opts.level ?? 200
  const skip = new Set(opts.skip ?? [])
  const points = Array.from({ length: opts.hours ?? 72 }, (_, i) => ({
    t: START + i,
    value: opts.zero
      ? 0
      : Math.round(level * (1.2 + Math.sin((2 * Math.PI * (i % 24)) / 24)) * (0.8 + 0.4 * rand())),
  })).filter((p) => !skip.has(p.t - START))
  return {
    kind,
    agencyId: 'baolamdong',
    siteId: site,
    key,
    hourly: buildSeries(trafficSeriesId(kind, site, key), 'hourly', points),
  }
}

const baselines = (): ServingSuite => ({
  version: '',
  hourly: { freq: 'hourly', horizon: 48, served: {}, defaultMethod: 'seasonal_naive' },
  daily: { freq: 'daily', horizon: 14, served: {}, defaultMethod: 'seasonal_naive' },
})

const allFinite = (xs: number[]) => xs.every(Number.isFinite)

describe('dailyFromHourly', () => {
  it('sums complete Vietnam days only and marks days with many missing hours unobserved', () => {
    const s = aTrafficSeries({ hours: 24 * 3 + 5, skip: [30, 31, 32, 33, 34] })
    const d = dailyFromHourly(s.hourly)
    expect(d.start).toBe(START / 24)
    expect(d.values).toHaveLength(3)
    expect(d.values[0]).toBe(s.hourly.values.slice(0, 24).reduce((a, b) => a + b, 0))
    expect(d.observed).toEqual([true, false, true])
  })
})

describe('trainForecastSuite and serveForecastSuite on short series', () => {
  it('three days of history, gaps and zeros: baselines with notes, finite 48 h and 14-day forecasts', async () => {
    const series = [
      aTrafficSeries({ hours: 72, skip: [10, 11, 12] }),
      aTrafficSeries({ kind: 'section', key: 'Du lịch', hours: 72, level: 20 }),
      aTrafficSeries({ kind: 'section', key: 'Thể thao', hours: 72, zero: true }),
    ]
    const suite = await trainForecastSuite(series, [], { tf, version: 'fc-test' })
    try {
      expect(suite.hourly.model).toBeUndefined()
      expect(suite.notes.join(' ')).toMatch(/history too short for the model/)
      expect(Object.values(suite.hourly.served).every((m) => m !== 'model')).toBe(true)
      const out = await serveForecastSuite(suite, series, [], { tf })
      expect(out.hourly).toHaveLength(3)
      expect(out.daily).toHaveLength(3)
      for (const f of [...out.hourly, ...out.daily]) {
        expect(allFinite([...f.p10, ...f.p50, ...f.p90])).toBe(true)
        expect(f.notes.length).toBeGreaterThan(0)
      }
      expect(out.hourly.every((f) => f.p50.length === 48)).toBe(true)
      expect(out.daily.every((f) => f.p50.length === 14)).toBe(true)
      expect(out.hourly[0]?.notes.join(' ')).toMatch(/shorter than a week/)
      const zero = out.hourly.find((f) => f.id.endsWith('Thể thao'))
      expect(zero?.notes).toContain('all values are zero')
      expect(zero?.p90.every((v) => v === 0)).toBe(true)
    } finally {
      disposeForecastSuite(suite)
    }
  })

  it('a new series the training never saw gets the default method, with a note', async () => {
    const out = await serveForecastSuite(baselines(), [aTrafficSeries({ hours: 24 * 9 })], [])
    expect(out.hourly[0]?.method).toBe('seasonal_naive')
    expect(out.hourly[0]?.notes.join(' ')).toMatch(/new series/)
  })
})

describe('anomalies and article potential', () => {
  it('flags an hour far above its band and no ordinary hour', async () => {
    const s = aTrafficSeries({ hours: 24 * 15, seed: 9 })
    const spike = s.hourly.values.length - 5
    const ordinary = await serveForecastSuite(baselines(), [s], [])
    s.hourly.values[spike] = (s.hourly.values[spike] as number) * 8
    const out = await serveForecastSuite(baselines(), [s], [])
    const flagged = out.anomalies.filter((a) => !ordinary.anomalies.some((o) => o.hour === a.hour))
    expect(flagged.map((a) => a.hour)).toEqual([s.hourly.start + spike])
    expect(flagged[0]?.flag.direction).toBe('above')
  })

  it('serves log-linear without a trained network and leaves articles without an interval unflagged', async () => {
    const article: LiveArticle = {
      agencyId: 'baolamdong',
      siteId: 'baolamdong',
      articleId: 'a1',
      title: 'Đà Lạt đón khách',
      signals: {
        views60: 99,
        engagedSeconds60: 3000,
        referrers: { social: 50 },
        section: 'Du lịch',
        publishHour: 8,
      },
      publishedMs: 0,
      ageHours: 30,
      viewsSoFar: 5000,
      views24h: 5000,
    }
    const none = await serveForecastSuite(baselines(), [], [article])
    expect(none.articles).toEqual([])
    expect(none.notes.join(' ')).toMatch(/no trained model or baseline/)
    const out = await serveForecastSuite(
      { ...baselines(), articleLogLinear: { logR24: 1, logR72: 1.5 } },
      [],
      [article],
    )
    expect(out.articles[0]?.method).toBe('loglinear')
    expect(out.articles[0]?.p50_24h).toBeCloseTo(Math.expm1(Math.log(100) + 1), 6)
    expect(out.articles[0]?.anomaly).toBeUndefined()
  })
})

describe('the model store', () => {
  it('a saved and loaded suite serves exactly what the trained one serves', async () => {
    const series = [
      aTrafficSeries({ hours: 24 * 12, seed: 1 }),
      aTrafficSeries({ kind: 'section', key: 'Kinh tế', hours: 24 * 12, level: 60, seed: 2 }),
    ]
    const cfg = defaultModelConfig('hourly', 48, { ...TINY_MODEL, lookback: 48, minWindows: 8 })
    const model = await trainForecastModel(
      tf,
      series.map((s) => s.hourly),
      cfg,
    )
    expect(model).toBeDefined()
    // One series served by the model, one by the ensemble (its weights must survive the store too).
    const served = Object.fromEntries(
      series.map((s, i) => [s.hourly.id, i === 0 ? ('model' as const) : ('ensemble' as const)]),
    )
    const suite: ServingSuite = {
      ...baselines(),
      version: 'fc-store',
      hourly: {
        freq: 'hourly',
        horizon: 48,
        served,
        defaultMethod: 'model',
        seriesNotes: { [(series[0] as TrafficSeries).hourly.id]: ['a note'] },
        ensembleWeights: { model: 0.5, seasonal_naive: 0.25, weekday_mean_8w: 0.15, naive: 0.1 },
        ...(model ? { model } : {}),
      },
      articleLogLinear: { logR24: 1.2, logR72: 1.6 },
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-fc-store-'))
    dirs.push(dir)
    try {
      await saveForecastSuite(dir, suite)
      const loaded = await loadForecastSuite(tf, dir)
      try {
        const a = await serveForecastSuite(suite, series, [], { tf })
        const b = await serveForecastSuite(loaded, series, [], { tf })
        expect(b.hourly).toEqual(a.hourly)
        expect(b.daily).toEqual(a.daily)
        expect(a.hourly.map((f) => f.method)).toEqual(['model', 'ensemble'])
        expect(loaded.hourly.ensembleWeights).toEqual(suite.hourly.ensembleWeights)
        expect(b.hourly[0]?.notes).toContain('a note')
        expect(loaded.articleLogLinear).toEqual(suite.articleLogLinear)
      } finally {
        disposeForecastSuite(loaded)
      }
    } finally {
      disposeForecastSuite(suite)
    }
    await expect(loadForecastSuite(tf, path.join(dir, 'missing'))).rejects.toThrow(/suite\.json/)
  })
})
