// Child process of `fixed-rate-load.ts`: receives one FixedRateJob over IPC, runs autocannon at a fixed overall
// request rate (warm-up, then the measured window) cycling through the given paths, and sends back the result.
import autocannon from 'autocannon'
import type { FixedRateJob, FixedRateResult } from './fixed-rate-load.ts'
import { percentile } from './harness.ts'

function runWindow(job: FixedRateJob, seconds: number) {
  const latencies: number[] = []
  let next = 0
  return new Promise<{ result: autocannon.Result; latencies: number[] }>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        overallRate: job.rate,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: job.paths[next++ % job.paths.length] as string }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, latencies })),
    )
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms)
    })
  })
}

async function run(job: FixedRateJob): Promise<FixedRateResult> {
  if (job.warmupS > 0) await runWindow(job, job.warmupS)
  const { result, latencies } = await runWindow(job, job.durationS)
  return {
    durationS: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: result['2xx'] / Math.max(result.duration, 1e-9),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
  }
}

process.once('disconnect', () => process.exit(1))
process.once('message', (job: FixedRateJob) => {
  run(job).then(
    (result) => process.send?.({ result }, () => process.exit(0)),
    (err: unknown) =>
      process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
        process.exit(1),
      ),
  )
})
