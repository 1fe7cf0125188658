// Soak: steady tracker traffic through the real path — `nhip serve` (collector) → Kafka → `nhip transform`
// (worker) → embedded ClickHouse — for a long time, sampling every 10 s the RSS and CPU of each process and the
// consumer lag. At the end every acknowledged event is accounted for in ClickHouse by its numbered id.
//
//   npm run bench:soak [-- --minutes 30 --rate 2000]
//
// Writes bench/results/soak.json (metrics rss_start_mb, rss_end_mb, max_lag, events_lost, events_duplicated,
// error_log_lines, … and the sampled curves under `series`). Exits non-zero on loss, duplicates, error-level
// log lines of the services, or a failed check.
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Drill, type EventAccount, errorLines, rssMb, writeResultWith } from './chaos/lib.ts'
import { processCpuSeconds } from './lib/cpu.ts'
import { median, printTable } from './lib/harness.ts'
import { loadAverage, progress, sleep } from './lib/progress.ts'
import { codeRevision } from './lib/revision.ts'
import { Teardown } from './lib/teardown.ts'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '2000' },
  },
})
const MINUTES = Number(args.minutes)
const RATE = Number(args.rate)
if (!(MINUTES > 0) || !(RATE > 0)) {
  process.stderr.write('--minutes and --rate must be positive numbers\n')
  process.exit(2)
}
const SAMPLE_MS = 10_000

interface Sample {
  t_s: number
  rss_collector_mb: number
  rss_worker_mb: number
  rss_broker_mb: number
  rss_load_mb: number
  cpu_collector_pct: number
  cpu_worker_pct: number
  cpu_broker_pct: number
  cpu_load_pct: number
  lag: number
  spool_records: number
  /** Events the generator has scheduled so far (accepted + waiting): above `accepted` when it cannot keep the pace. */
  scheduled: number
  accepted: number
  accepted_per_s: number
  pending_batches: number
  load_average_1m: number
}

const round1 = (x: number) => Math.round(x * 10) / 10

async function main(): Promise<void> {
  const teardown = new Teardown()
  const d = new Drill('soak', { brokers: 1 }, teardown)
  const loadStart = loadAverage()
  progress(`soak: ${RATE} events/s for ${MINUTES} min; load average ${loadStart}`)
  const samples: Sample[] = []
  let account: EventAccount | undefined
  let failure: string | undefined
  const started = Date.now()
  try {
    await d.setUp()
    const collector = d.collector
    const worker = d.worker
    if (!collector || !worker) throw new Error('services not started')
    const load = d.startLoad(RATE)
    const t0 = Date.now()
    const pids = () => ({
      collector: collector.pid,
      worker: worker.pid,
      broker: d.kafka.nodes[0]?.pid,
      load: process.pid,
    })
    let cpuBefore = Object.fromEntries(
      Object.entries(pids()).map(([k, pid]) => [k, pid ? processCpuSeconds(pid) : undefined]),
    )
    let lastAt = Date.now()
    let lastAccepted = 0
    while (Date.now() - t0 < MINUTES * 60_000) {
      await sleep(Math.min(SAMPLE_MS, MINUTES * 60_000 - (Date.now() - t0)))
      if (!collector.running() || !worker.running())
        throw new Error(`a service died: collector ${collector.running()}, worker ${worker.running()}`)
      const now = Date.now()
      const cpuNow = Object.fromEntries(
        Object.entries(pids()).map(([k, pid]) => [k, pid ? processCpuSeconds(pid) : undefined]),
      )
      const cpu = (k: string) => {
        const a = cpuBefore[k]
        const b = cpuNow[k]
        return a === undefined || b === undefined
          ? Number.NaN
          : round1((100 * (b - a)) / ((now - lastAt) / 1000))
      }
      const health = await d.collectorHealth()
      const s: Sample = {
        t_s: Math.round((now - t0) / 1000),
        rss_collector_mb: round1(rssMb(collector.pid)),
        rss_worker_mb: round1(rssMb(worker.pid)),
        rss_broker_mb: round1(rssMb(d.kafka.nodes[0]?.pid)),
        rss_load_mb: round1(process.memoryUsage().rss / 1_048_576),
        cpu_collector_pct: cpu('collector'),
        cpu_worker_pct: cpu('worker'),
        cpu_broker_pct: cpu('broker'),
        cpu_load_pct: cpu('load'),
        lag: await d.lag(),
        spool_records: health?.spool?.records ?? -1,
        scheduled: load.stats.sent,
        accepted: load.stats.accepted,
        accepted_per_s: Math.round(((load.stats.accepted - lastAccepted) * 1000) / (now - lastAt)),
        pending_batches: load.stats.pending,
        load_average_1m: round1(os.loadavg()[0] ?? Number.NaN),
      }
      samples.push(s)
      cpuBefore = cpuNow
      lastAt = now
      lastAccepted = load.stats.accepted
      progress(
        `t=${s.t_s}s accepted ${s.accepted} (${s.accepted_per_s}/s), lag ${s.lag}, spool ${s.spool_records}, RSS collector ${s.rss_collector_mb} / worker ${s.rss_worker_mb} / broker ${s.rss_broker_mb} / load ${s.rss_load_mb} MB, CPU ${s.cpu_collector_pct}/${s.cpu_worker_pct}/${s.cpu_broker_pct}/${s.cpu_load_pct} %, load avg ${s.load_average_1m}`,
      )
    }
    account = await d.finish({ acceptMs: 1_200_000, catchUpMs: 1_200_000 })
  } catch (err) {
    failure = err instanceof Error ? (err.stack ?? err.message) : String(err)
    progress(`soak FAILED: ${failure}`)
  } finally {
    await teardown.run()
  }

  const errors = d.logs.map((f) => ({ file: path.basename(f), ...errorLines(f) }))
  const errorCount = errors.reduce((n, e) => n + e.count, 0)
  const first = samples[0]
  const last = samples.at(-1)
  const half = samples.slice(Math.floor(samples.length / 2))
  // RSS growth over the second half, MB per minute (a leak shows as a steady positive slope).
  const slope = (key: 'rss_collector_mb' | 'rss_worker_mb') => {
    const a = half[0]
    const b = half.at(-1)
    return a && b && b.t_s > a.t_s ? round1(((b[key] - a[key]) * 60) / (b.t_s - a.t_s)) : Number.NaN
  }
  const services = (s: Sample | undefined) => (s ? round1(s.rss_collector_mb + s.rss_worker_mb) : Number.NaN)
  const elapsedS = last?.t_s ?? 0
  const metrics: Record<string, number> = {
    minutes: MINUTES,
    target_events_per_s: RATE,
    achieved_events_per_s: elapsedS ? Math.round((last?.accepted ?? 0) / elapsedS) : 0,
    median_events_per_s: samples.length ? median(samples.map((s) => s.accepted_per_s)) : 0,
    rss_start_mb: services(first),
    rss_end_mb: services(last),
    rss_collector_start_mb: first?.rss_collector_mb ?? Number.NaN,
    rss_collector_end_mb: last?.rss_collector_mb ?? Number.NaN,
    rss_collector_max_mb: Math.max(...samples.map((s) => s.rss_collector_mb)),
    rss_collector_slope_mb_per_min_2nd_half: slope('rss_collector_mb'),
    rss_worker_start_mb: first?.rss_worker_mb ?? Number.NaN,
    rss_worker_end_mb: last?.rss_worker_mb ?? Number.NaN,
    rss_worker_max_mb: Math.max(...samples.map((s) => s.rss_worker_mb)),
    rss_worker_slope_mb_per_min_2nd_half: slope('rss_worker_mb'),
    rss_broker_start_mb: first?.rss_broker_mb ?? Number.NaN,
    rss_broker_end_mb: last?.rss_broker_mb ?? Number.NaN,
    backlog_at_end_events: last ? last.scheduled - last.accepted : Number.NaN,
    max_lag: Math.max(0, ...samples.map((s) => s.lag)),
    median_lag: samples.length ? median(samples.map((s) => s.lag)) : 0,
    max_spool_records: Math.max(0, ...samples.map((s) => s.spool_records)),
    events_accepted: account?.accepted ?? -1,
    events_lost: account ? account.lost : -1,
    events_duplicated: account ? account.duplicates : -1,
    error_log_lines: errorCount,
    load_average_1m_end: round1(os.loadavg()[0] ?? Number.NaN),
  }
  const checksOk = d.checks.every((c) => c.ok)
  const ok =
    failure === undefined &&
    account !== undefined &&
    account.lost === 0 &&
    account.duplicates === 0 &&
    errorCount === 0 &&
    checksOk

  printTable(`Soak — ${MINUTES} min at ${RATE} events/s (samples every ${SAMPLE_MS / 1000} s)`, [
    { metric: 'achieved events/s (accepted / time)', value: metrics.achieved_events_per_s ?? 0 },
    {
      metric: 'RSS collector start → end (max) MB',
      value: `${metrics.rss_collector_start_mb} → ${metrics.rss_collector_end_mb} (${metrics.rss_collector_max_mb})`,
    },
    {
      metric: 'RSS worker start → end (max) MB',
      value: `${metrics.rss_worker_start_mb} → ${metrics.rss_worker_end_mb} (${metrics.rss_worker_max_mb})`,
    },
    {
      metric: 'RSS broker start → end MB',
      value: `${metrics.rss_broker_start_mb} → ${metrics.rss_broker_end_mb}`,
    },
    {
      metric: 'RSS slope, 2nd half, collector / worker MB/min',
      value: `${metrics.rss_collector_slope_mb_per_min_2nd_half} / ${metrics.rss_worker_slope_mb_per_min_2nd_half}`,
    },
    { metric: 'consumer lag max / median', value: `${metrics.max_lag} / ${metrics.median_lag}` },
    {
      metric: 'events accepted / lost / duplicated',
      value: `${metrics.events_accepted} / ${metrics.events_lost} / ${metrics.events_duplicated}`,
    },
    { metric: 'error-level log lines', value: errorCount },
    { metric: 'verdict', value: ok ? 'PASS' : 'FAIL' },
  ])
  for (const c of d.checks.filter((x) => !x.ok)) process.stdout.write(`  FAILED ${c.name}: ${c.detail}\n`)
  for (const e of errors.filter((x) => x.count))
    process.stdout.write(`  ${e.file}: ${e.count} error lines, e.g. ${e.samples.join(' | ')}\n`)

  const file = writeResultWith(
    'soak',
    metrics,
    `Code ${codeRevision()}. ${MINUTES} min at ${RATE} events/s of tracker batches (20 events, numbered ids, retried with the same ids ` +
      'when not acknowledged) from this process to `nhip serve` (collector, Kafka mode) → one local KRaft broker (3 partitions) → ' +
      '`nhip transform` (one worker, embedded chDB). rss_start_mb / rss_end_mb = collector + worker RSS at the first and last ' +
      `sample (first sample 10 s into the traffic); per-process curves under series. Shared 2-core VM (~6 sessions): load average ${loadStart} ` +
      `at start, ${loadAverage()} at end. Run took ${Math.round((Date.now() - started) / 1000)} s.${failure ? ` FAILED: ${failure.split('\n')[0]}` : ''}`,
    {
      verdict: ok ? 'pass' : 'fail',
      checks: d.checks,
      error_samples: errors.flatMap((e) => e.samples),
      series: samples,
    },
  )
  process.stdout.write(`\nresults written to ${path.relative(process.cwd(), file)}\n`)
  if (ok) (await import('node:fs')).rmSync(d.dir, { recursive: true, force: true })
  process.exitCode = ok ? 0 : 1
}

await main()
