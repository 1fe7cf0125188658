// Drives HTTP load from a separate process, so the load generator never shares an event loop (or a
// garbage collector) with the server under test: the parent forks `load-generator.ts`, sends it a job over
// IPC and gets the measured result back. Both servers of a comparison are loaded the same way.
import { fork, type Serializable } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TrafficSite } from './browser-traffic.ts'

export interface LoadJob {
  /** Base URL of the server, e.g. http://127.0.0.1:41234 */
  url: string
  connections: number
  pipelining: number
  /** Seconds of unmeasured load first (JIT, connection set-up, Kafka producer connect). */
  warmupS: number
  durationS: number
  /** Tracker events per request body (1 = one event per beacon, 20 = a batched flush). */
  eventsPerRequest: number
  site: TrafficSite
}

export interface LoadResult {
  /** Measured seconds (autocannon's own clock). */
  durationS: number
  /** Requests answered 2xx in the measured window. */
  ok: number
  /** Requests answered with anything else, plus socket errors and timeouts. */
  non2xx: number
  errors: number
  timeouts: number
  /** Requests written to a socket in the measured window (some may be in flight when it ends). */
  sent: number
  /** 2xx requests in the warm-up (their events count towards what must reach Kafka). */
  warmupOk: number
  warmupSent: number
  /** Latency of 2xx answers, ms, from the generator's high-resolution per-request timings. */
  p50Ms: number
  p99Ms: number
  /** CPU share of the generator process (100 = one core). */
  generatorCpuPct: number
  /** Status code → count, for the report when something was refused. */
  statusCodes: Record<string, number>
}

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url))

/**
 * Runs one job of a generator module (`process.on('message', job)` → `process.send({ result } | { error })`)
 * in a fresh child process and resolves with its result.
 * @example const r = await runInGenerator<LoadJob, LoadResult>(GENERATOR, job)
 */
export function runInGenerator<J extends Serializable, R>(generator: string, job: J): Promise<R> {
  return new Promise((resolve, reject) => {
    // tsx as a loader, not as a wrapper process: `child.pid` is then the generator itself.
    const child = fork(generator, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let result: R | undefined
    child.on('message', (m: { result?: R; error?: string }) => {
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

/**
 * Runs one load job in a fresh child process and resolves with its result.
 * @example const r = await runLoad({ url, connections: 50, pipelining: 1, warmupS: 2, durationS: 10, eventsPerRequest: 1, site })
 */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return runInGenerator<LoadJob, LoadResult>(GENERATOR, job)
}
