// Child process of `load.ts`: receives one LoadJob over IPC, runs autocannon (warm-up, then the measured
// window) with a fresh tracker batch per request, and sends back a LoadResult. Not run directly.
import autocannon from 'autocannon'
import { aReaderHeaders, aTrackerBatch } from './browser-traffic.ts'
import type { LoadJob, LoadResult } from './load.ts'
import { percentile } from './harness.ts'

interface Window {
  result: autocannon.Result
  latencies: number[]
}

function runWindow(job: LoadJob, seconds: number): Promise<Window> {
  const latencies: number[] = []
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        pipelining: job.pipelining,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/e',
            // Called for every request: a new body (fresh event ids) and a new reader. Building it here
            // costs the generator the same for both servers under comparison.
            setupRequest: (req) => ({
              ...req,
              headers: aReaderHeaders(job.site),
              body: aTrackerBatch(job.site, job.eventsPerRequest).body,
            }),
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

async function run(job: LoadJob): Promise<LoadResult> {
  const warm = job.warmupS > 0 ? await runWindow(job, job.warmupS) : undefined
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const { result, latencies } = await runWindow(job, job.durationS)
  const cpu = process.cpuUsage(cpu0)
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const statusCodes: Record<string, number> = {}
  for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = s.count ?? 0
  return {
    durationS: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    sent: result.requests.sent,
    warmupOk: warm?.result['2xx'] ?? 0,
    warmupSent: warm?.result.requests.sent ?? 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    generatorCpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / wall,
    statusCodes,
  }
}

// The parent went away (finished, crashed or interrupted): stop loading its servers.
process.once('disconnect', () => process.exit(1))

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ result }, () => process.exit(0)),
    (err: unknown) =>
      process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
        process.exit(1),
      ),
  )
})
