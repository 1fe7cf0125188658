import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  backtestForecast,
  defaultModelConfig,
  predictForecastModel,
  trainForecastModel,
} from '../../../models/forecast/index.ts'
import { buildWindows, featureSize, windowFeatures } from '../../../models/forecast/model.ts'
import { initTf, loadModel, saveModel, type Tf } from '../../../models/tf/index.ts'
import { aDailySeries, TINY_MODEL } from './builders.ts'

// These tests train real networks: on a shared 2-core machine one can take a minute (20 s is the unit default).
vi.setConfig({ testTimeout: 180_000 })

let tf: Tf
beforeAll(async () => {
  ;({ tf } = await initTf({ backend: 'wasm', log: () => {} }))
})

describe('window features', () => {
  it('normalises lags per window (log1p minus the last week level) and adds calendar flags', () => {
    const cfg = defaultModelConfig('daily', 7, { lookback: 14, holidays: true })
    const values = Array.from({ length: 30 }, (_, i) => (i < 23 ? 100 : 1000))
    const out = new Float32Array(featureSize(cfg))
    const level = windowFeatures(values, 0, 30, cfg, out)
    expect(level).toBeCloseTo(Math.log1p(1000), 5)
    expect(out[13]).toBeCloseTo(0, 5) // last lag at the level
    expect(out[0]).toBeCloseTo(Math.log1p(100) - Math.log1p(1000), 5)
    expect(featureSize(cfg)).toBe(14 + 1 + 7 + 14 + 7)
    // The same window scaled ×100 gives the same normalised lags: one model serves small and large sites.
    const big = new Float32Array(featureSize(cfg))
    windowFeatures(
      values.map((v) => v * 100),
      0,
      30,
      cfg,
      big,
    )
    expect(big[0]).toBeCloseTo(out[0]!, 1)
  })

  it('builds one window per origin with the whole target inside the history', () => {
    const cfg = defaultModelConfig('daily', 7, { lookback: 14 })
    const s = aDailySeries({ days: 40 })
    expect(buildWindows([s], cfg).count).toBe(40 - 14 - 7 + 1)
    expect(buildWindows([aDailySeries({ days: 20 })], cfg).count).toBe(0)
  })
})

describe('trainForecastModel', () => {
  it('learns a weekly pattern better than seasonal naive on noisy data, with non-crossing quantiles', async () => {
    const series = Array.from({ length: 6 }, (_, i) =>
      aDailySeries({ id: `s${i}`, days: 200, seed: 10 + i, level: 200 * (i + 1), weekly: 0.5, noise: 0.5 }),
    )
    const r = await backtestForecast(series, {
      freq: 'daily',
      horizon: 14,
      folds: 2,
      selectionFolds: 0,
      tf,
      model: { ...TINY_MODEL, epochs: 25, patience: 6, hidden: [32] },
    })
    expect(r.methods.model!.mase!).toBeLessThan(r.methods.seasonal_naive!.mase! * 0.85)
    expect(r.methods.model!.coverage!).toBeGreaterThan(0.6)
    expect(r.methods.model!.coverage!).toBeLessThan(0.97)
  })

  it('reports training progress and returns undefined (no throw) when there is too little history', async () => {
    const progress: number[] = []
    const cfg = defaultModelConfig('daily', 7, TINY_MODEL)
    const m = await trainForecastModel(tf, [aDailySeries({ days: 80 })], cfg, {
      onProgress: (p) => progress.push(p.windowsPerSec),
    })
    expect(m).toBeDefined()
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((w) => w > 0)).toBe(true)
    const f = predictForecastModel(tf, m!, [aDailySeries({ days: 80 }), aDailySeries({ days: 5 })])
    expect(f[1]).toBeUndefined()
    for (let j = 0; j < 7; j++) {
      expect(f[0]!.p10[j]!).toBeLessThanOrEqual(f[0]!.p50[j]!)
      expect(f[0]!.p50[j]!).toBeLessThanOrEqual(f[0]!.p90[j]!)
    }
    expect(await trainForecastModel(tf, [aDailySeries({ days: 30 })], cfg)).toBeUndefined()
  })

  it('round-trips through the model store with identical forecasts', async () => {
    const cfg = defaultModelConfig('daily', 7, TINY_MODEL)
    const s = aDailySeries({ days: 80 })
    const m = (await trainForecastModel(tf, [s], cfg))!
    const dir = await mkdtemp(join(tmpdir(), 'nhip-forecast-model-'))
    try {
      await saveModel(m.nets[0]!, dir, { metadata: { config: cfg } })
      const net = await loadModel(dir)
      const again = predictForecastModel(tf, { ...m, nets: [net] }, [s])
      expect(again).toEqual(predictForecastModel(tf, m, [s]))
      expect((net.getUserDefinedMetadata() as { config: { lookback: number } }).config.lookback).toBe(
        cfg.lookback,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
