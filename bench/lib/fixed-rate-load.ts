// GET load at a fixed overall request rate from a separate process (autocannon `overallRate`), so latency is
// measured at a given throughput rather than at saturation, and the generator never shares the server's
// event loop. Used by bench/recommend.ts for GET /v1/recommendations and its /healthz baseline.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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
  return new Promise((resolve, reject) => {
    const child = fork(GENERATOR, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let result: FixedRateResult | undefined
    child.on('message', (m: { result?: FixedRateResult; error?: string }) => {
      if (m.error) reject(new Error(`load generator: ${m.error}`))
      else result = m.result
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (result) resolve(result)
      else reject(new Error(`load generator exited (code ${code}, signal ${signal}) without a result`))
    })
    child.send(job)
  })
}
