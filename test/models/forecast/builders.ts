// Small synthetic series for forecast tests: weekly shape × level × multiplicative noise, seeded.
import { buildSeries, dayNumber, type Series } from '../../../models/forecast/index.ts'

export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

export interface DailySeriesSpec {
  id?: string
  days?: number
  start?: number
  level?: number
  /** Amplitude of the weekly pattern (share of the level). */
  weekly?: number
  /** Std-like spread of the multiplicative noise (log scale). */
  noise?: number
  /** Daily growth rate. */
  trend?: number
  seed?: number
}

export function aDailySeries(spec: DailySeriesSpec = {}): Series {
  const days = spec.days ?? 200
  const start = spec.start ?? dayNumber(2024, 1, 1)
  const rand = seeded(spec.seed ?? 1)
  const level = spec.level ?? 1000
  const weekly = spec.weekly ?? 0.4
  const noise = spec.noise ?? 0.3
  const points = Array.from({ length: days }, (_, i) => {
    const shape = 1 + weekly * Math.sin((2 * Math.PI * (i % 7)) / 7)
    const value =
      level * shape * (1 + (spec.trend ?? 0)) ** i * Math.exp(noise * (rand() + rand() + rand() - 1.5))
    return { t: start + i, value: Math.round(value) }
  })
  return buildSeries(spec.id ?? 'a', 'daily', points)
}

/** A tiny, fast model configuration for tests. */
export const TINY_MODEL = {
  lookback: 21,
  hidden: [16],
  epochs: 6,
  ensemble: 1,
  minWindows: 16,
  patience: 3,
  batchSize: 64,
}
