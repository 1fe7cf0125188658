// GET load at a fixed overall request rate from a separate process (autocannon `overallRate`), so latency is
// measured at a given throughput rather than at saturation, and the generator never shares the server's
// event loop. Used by bench/recommend.ts for GET /v1/recommendations and its /healthz baseline.

import { fileURLToPath } from 'node:url'
import { runInGenerator } from './load.ts'

export interface FixedRateJob {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string
  /** Request paths (with query strings), cycled in order. */
  paths: string[]
  /** Requests per second over all connections. */
  rate: number
  connections: number
  warmupS: number
  durationS: number
}

export interface FixedRateResult {
  durationS: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  /** 2xx answers per second in the measured window. */
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

const GENERATOR = fileURLToPath(new URL('./fixed-rate-generator.ts', import.meta.url))

/**
 * @example const r = await runFixedRateLoad({ url, paths: ['/healthz'], rate: 500, connections: 20, warmupS: 3, durationS: 25 })
 */
export function runFixedRateLoad(job: FixedRateJob): Promise<FixedRateResult> {
  return runInGenerator<FixedRateJob, FixedRateResult>(GENERATOR, job)
}
