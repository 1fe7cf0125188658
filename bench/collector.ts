// Collector throughput benchmark: how many tracker events per second the real collector (Kafka mode)
// accepts *and delivers into Kafka*, compared with a bare node:http server that only reads the body —
// the ceiling this machine gives any Node HTTP service — measured in the same run with the same load.
//
//   npm run bench:collector [-- --seconds 10 --warmup 2 --connections 50 --rounds 3 --profile|--no-profile]
//
// Load comes from a separate process (bench/lib/load.ts) with a fresh event id per event and the
// registered Origin. After every collector case the sink's spool must drain and the events topic must
// have grown by exactly what the collector acknowledged; otherwise the run fails (exit 1). Missing a
// performance target is reported, not failed. When a target is missed, a profiled pass shows where the
// collector's time goes.
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { FastifyRequest } from 'fastify'
import type { Admin } from 'kafkajs'
import { Registry } from 'prom-client'
import { loadConfig } from '../infra/config.ts'
import { createKafka } from '../infra/kafka/client.ts'
import { ensureTopics } from '../infra/kafka/topics.ts'
import { createLogger } from '../infra/logger.ts'
import { type Collector, createCollector } from '../ingest/collector.ts'
import { addSite } from '../ingest/sites/sites.ts'
import { buildTracker } from '../ingest/tracker/build.ts'
import type { TrafficSite } from './lib/browser-traffic.ts'
import { cpuStopwatch } from './lib/cpu.ts'
import { median, printTable, writeResult } from './lib/harness.ts'
import { type LoadJob, type LoadResult, runLoad } from './lib/load.ts'
import { metricSum } from './lib/metrics.ts'
import { profilePhase } from './lib/profile.ts'
import { loadAverage, progress, sleep } from './lib/progress.ts'
import { codeRevision } from './lib/revision.ts'
import { openBenchClickHouse, startBenchKafka, topicEnd } from './lib/services.ts'
import { Teardown } from './lib/teardown.ts'
import { StageTimes } from './lib/timing.ts'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    producers: { type: 'string' },
    // Run the producers on the HTTP thread (the pre-thread design), for comparison.
    'in-thread': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
})
const SECONDS = Number(args.seconds)
const WARMUP = Number(args.warmup)
const CONNECTIONS = Number(args.connections)
const ROUNDS = Number(args.rounds)
const BATCH = 20
const TARGET_SINGLE_RATIO = 0.5
const TARGET_BATCHED_EVENTS = 50_000
const SITE: TrafficSite = { site_id: 'bench', domain: 'bench.vn' }

/** A failure of the collector's promise (events lost or duplicated), as opposed to a missed target. */
class DeliveryFailure extends Error {}

type Target = 'bare' | 'collector'

interface CaseRun {
  target: Target
  events: number
  load: LoadResult
  eventsPerS: number
  serverCpuPct: number
  brokerCpuPct: number
  /** Collector only: what the collector acknowledged, what Kafka gained, the largest spool backlog seen. */
  acknowledged?: number
  kafkaDelta?: number
  maxSpooled?: number
  /** Collector only: mean time from request to answer in the collector, ms. */
  handlerMs?: number
  /** Collector only: Produce requests per second, events per request, mean time until acknowledged (ms). */
  produceReqPerS?: number
  eventsPerProduce?: number
  produceMs?: number
}

/** The baseline: reads the whole body (as any service must) and answers 204, nothing else. */
function startBareServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      res.writeHead(body.length > 0 ? 204 : 400)
      res.end()
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function urlOf(address: AddressInfo | string | null): string {
  if (!address || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`)
  return `http://127.0.0.1:${address.port}`
}

async function main(): Promise<void> {
  progress(
    `collector benchmark: ${ROUNDS} round(s) × 4 cases × (${WARMUP}s warm-up + ${SECONDS}s), ${CONNECTIONS} connections; load average ${loadAverage()}`,
  )
  const loadAtStart = os.loadavg()[0] ?? Number.NaN
  const teardown = new Teardown()
  let failure: Error | undefined
  try {
    const broker = await startBenchKafka(process.env.KAFKA_BROKERS)
    teardown.add(() => broker.stop())
    const db = await openBenchClickHouse('bench collector')
    teardown.add(() => db.cleanup())
    await addSite(db.ch, { agency_id: 'bench', site_id: SITE.site_id, domains: [SITE.domain] })

    const config = loadConfig({
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_TOPIC_PREFIX: 'bench-collector.',
    })
    if (!config.kafka) throw new Error('no Kafka config')
    const topics = config.kafka.topics
    const log = createLogger({ level: 'warn', name: 'bench-collector' })
    const kafka = createKafka(config.kafka, log)
    const admin: Admin = kafka.admin()
    await admin.connect()
    teardown.add(() => admin.disconnect())
    await ensureTopics(admin, topics, log)

    const metrics = new Registry()
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-bench-collector-'))
    teardown.add(async () => rmSync(dataDir, { recursive: true, force: true }))
    const collector: Collector = await createCollector({
      ch: db.ch,
      log,
      metrics,
      dataDir,
      spoolMaxBytes: 1024 * 1_048_576,
      trackerPath: '/s/p.js',
      // The production path (`nhip serve`): producers on their own thread, from the settings.
      kafka: {
        ...(args['in-thread'] ? { kafka } : { settings: config.kafka }),
        topics,
        ...(args.producers ? { producers: Number(args.producers) } : {}),
      },
      // Every request comes from one load generator: the abuse limits would measure themselves.
      limits: { ipRatePerSec: 1e9, ipBurst: 1e9, siteRatePerSec: 1e9, siteBurst: 1e9 },
      // Readers' addresses come in X-Forwarded-For, as behind the reverse proxy a deployment runs.
      trustProxy: true,
    })
    teardown.add(() => collector.close())
    const handlerTimes = new StageTimes()
    const started = new WeakMap<FastifyRequest, number>()
    collector.app.addHook('onRequest', async (req) => {
      started.set(req, performance.now())
    })
    collector.app.addHook('onResponse', async (req) => {
      const t0 = started.get(req)
      if (t0 !== undefined) handlerTimes.add('handler', performance.now() - t0)
    })
    const collectorUrl = await collector.app.listen({ host: '127.0.0.1', port: 0 })
    const bare = await startBareServer()
    teardown.add(
      () =>
        new Promise<void>((resolve) => {
          bare.closeAllConnections()
          bare.close(() => resolve())
        }),
    )
    const bareUrl = urlOf(bare.address())
    progress(`collector at ${collectorUrl}, bare node:http at ${bareUrl}`)

    const acceptedSoFar = () => metricSum(metrics, 'nhip_collector_events_accepted_total', { route: '/e' })

    async function runCase(
      target: Target,
      events: number,
      seconds: number,
      warmup: number,
    ): Promise<CaseRun> {
      const job: LoadJob = {
        url: target === 'bare' ? bareUrl : collectorUrl,
        connections: CONNECTIONS,
        pipelining: 1,
        warmupS: warmup,
        durationS: seconds,
        eventsPerRequest: events,
        site: SITE,
      }
      const endBefore = target === 'collector' ? await topicEnd(admin, topics.events) : 0
      const ackBefore = await acceptedSoFar()
      const sentBefore = collector.kafkaStats()
      handlerTimes.reset()
      let maxSpooled = 0
      const sampler = setInterval(() => {
        maxSpooled = Math.max(maxSpooled, collector.sink.backlog().records)
      }, 100)
      // CPU is measured over the whole job (warm-up included): a close enough share for "who was busy".
      const serverCpu = cpuStopwatch(process.pid)
      const brokerCpu = cpuStopwatch(broker.pid)
      const load = await runLoad(job)
      const serverCpuPct = serverCpu.stop()
      const brokerCpuPct = brokerCpu.stop()
      clearInterval(sampler)
      const eventsPerS = (load.ok * events) / load.durationS
      const run: CaseRun = { target, events, load, eventsPerS, serverCpuPct, brokerCpuPct }
      if (target === 'collector') {
        Object.assign(run, await verifyDelivery(endBefore, ackBefore, load, events))
        run.maxSpooled = maxSpooled
        const sent = collector.kafkaStats()
        const sends = sent.sends - sentBefore.sends
        const handled = handlerTimes.samples.get('handler') ?? []
        run.handlerMs = handled.length ? handlerTimes.total('handler') / handled.length : Number.NaN
        // Warm-up included, like the CPU figures: Produce requests are counted over the whole job.
        run.produceReqPerS = sends / (warmup + seconds)
        run.eventsPerProduce = (sent.records - sentBefore.records) / sends
        run.produceMs = (sent.ms - sentBefore.ms) / sends
      }
      const codes = Object.entries(load.statusCodes)
        .map(([c, n]) => `${c}×${n}`)
        .join(' ')
      progress(
        `${target} ${events}-event: ${Math.round(eventsPerS).toLocaleString('en-US')} events/s, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms [${codes}${load.errors ? ` errors×${load.errors}` : ''}] server CPU ${serverCpuPct.toFixed(0)}%, broker CPU ${brokerCpuPct.toFixed(0)}%, generator CPU ${load.generatorCpuPct.toFixed(0)}%`,
      )
      return run
    }

    /**
     * "Accepted" must mean "in Kafka": waits for the spool to drain and the collector's own accepted
     * counter to settle (requests cut off when the generator stops still finish on the server), then
     * requires the topic to have grown by exactly the acknowledged count, and the generator's 2xx count
     * to be covered by it.
     */
    async function verifyDelivery(endBefore: number, ackBefore: number, load: LoadResult, events: number) {
      let ack = await acceptedSoFar()
      for (let stable = 0; stable < 3; ) {
        await sleep(200)
        const now = await acceptedSoFar()
        stable = now === ack ? stable + 1 : 0
        ack = now
      }
      if (!(await collector.sink.drained(120_000))) {
        throw new DeliveryFailure(
          `the collector's spool still holds ${collector.sink.backlog().records} records after 120 s`,
        )
      }
      const acknowledged = ack - ackBefore
      const kafkaDelta = (await topicEnd(admin, topics.events)) - endBefore
      const seenByClient = (load.ok + load.warmupOk) * events
      if (kafkaDelta !== acknowledged) {
        throw new DeliveryFailure(
          `the collector acknowledged ${acknowledged} events but the topic grew by ${kafkaDelta}`,
        )
      }
      if (seenByClient > acknowledged) {
        throw new DeliveryFailure(
          `the load generator got 2xx for ${seenByClient} events but the collector counted only ${acknowledged}`,
        )
      }
      progress(
        `  verified: ${kafkaDelta.toLocaleString('en-US')} events in Kafka = acknowledged (${seenByClient.toLocaleString('en-US')} seen 2xx by the generator)`,
      )
      return { acknowledged, kafkaDelta }
    }

    // A discarded pass first: the broker's JIT and the collector's first Produce requests made round 1's
    // single-event case alone cost the broker ~65 % CPU against ~25 % in later rounds.
    progress('warm-up pass (discarded)')
    for (const events of [1, BATCH]) await runCase('collector', events, WARMUP + 3, 0)

    const runs: CaseRun[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      progress(`round ${round}/${ROUNDS}`)
      for (const events of [1, BATCH]) {
        for (const target of ['bare', 'collector'] as const)
          runs.push(await runCase(target, events, SECONDS, WARMUP))
      }
    }

    const tracker = await buildTracker()
    const pick = (target: Target, events: number) =>
      runs.filter((r) => r.target === target && r.events === events)
    const med = (rs: CaseRun[], f: (r: CaseRun) => number) => median(rs.map(f))
    // Ratios are paired within a round (same minute, same neighbours on the VM), then the median is taken.
    const ratio = (events: number) =>
      median(
        pick('collector', events).map(
          (c, i) => c.eventsPerS / (pick('bare', events)[i]?.eventsPerS ?? Number.NaN),
        ),
      )
    const rows = [1, BATCH].flatMap((events) =>
      (['bare', 'collector'] as const).map((target) => {
        const rs = pick(target, events)
        return {
          case: `${target} ${events === 1 ? 'single' : `${events}-batch`}`,
          'events/s': Math.round(med(rs, (r) => r.eventsPerS)),
          'req/s': Math.round(med(rs, (r) => r.load.ok / r.load.durationS)),
          'p50 ms': med(rs, (r) => r.load.p50Ms),
          'p99 ms': med(rs, (r) => r.load.p99Ms),
          'vs bare': target === 'bare' ? '1.000' : ratio(events).toFixed(3),
          'non-2xx': rs.reduce((n, r) => n + r.load.non2xx + r.load.errors, 0),
          'server CPU %': Math.round(med(rs, (r) => r.serverCpuPct)),
          'broker CPU %': Number.isNaN(med(rs, (r) => r.brokerCpuPct))
            ? 'n/a'
            : Math.round(med(rs, (r) => r.brokerCpuPct)),
          'loadgen CPU %': Math.round(med(rs, (r) => r.load.generatorCpuPct)),
        }
      }),
    )
    printTable(
      `Collector vs bare node:http — medians of ${ROUNDS} round(s), ${SECONDS}s each, ${CONNECTIONS} connections`,
      rows,
    )

    const collectorRows = runs
      .filter((r) => r.target === 'collector')
      .map((r) => ({
        case: `${r.events === 1 ? 'single' : `${r.events}-batch`}`,
        acknowledged: r.acknowledged ?? 0,
        'kafka delta': r.kafkaDelta ?? 0,
        'max spooled': r.maxSpooled ?? 0,
        'handler ms': r.handlerMs ?? Number.NaN,
        'produce req/s': Math.round(r.produceReqPerS ?? 0),
        'events/produce': r.eventsPerProduce ?? Number.NaN,
        'produce ms': r.produceMs ?? Number.NaN,
      }))
    printTable(
      'Collector delivery (every case verified: Kafka delta = acknowledged) and time split per request',
      collectorRows,
    )

    const single = pick('collector', 1)
    const batched = pick('collector', BATCH)
    const singleRatio = ratio(1)
    const batchedEventsPerS = med(batched, (r) => r.eventsPerS)
    const metricsOut: Record<string, number> = {
      single_event_ratio: singleRatio,
      batched_event_ratio: ratio(BATCH),
      single_events_per_s: med(single, (r) => r.eventsPerS),
      batched_events_per_s: batchedEventsPerS,
      bare_single_events_per_s: med(pick('bare', 1), (r) => r.eventsPerS),
      bare_batched_events_per_s: med(pick('bare', BATCH), (r) => r.eventsPerS),
      p99_ms: med(single, (r) => r.load.p99Ms),
      p99_single_ms: med(single, (r) => r.load.p99Ms),
      p99_batched_ms: med(batched, (r) => r.load.p99Ms),
      p50_single_ms: med(single, (r) => r.load.p50Ms),
      p50_batched_ms: med(batched, (r) => r.load.p50Ms),
      handler_single_ms: med(single, (r) => r.handlerMs ?? Number.NaN),
      produce_single_ms: med(single, (r) => r.produceMs ?? Number.NaN),
      handler_batched_ms: med(batched, (r) => r.handlerMs ?? Number.NaN),
      produce_batched_ms: med(batched, (r) => r.produceMs ?? Number.NaN),
      produce_requests_per_s_single: med(single, (r) => r.produceReqPerS ?? Number.NaN),
      produce_requests_per_s_batched: med(batched, (r) => r.produceReqPerS ?? Number.NaN),
      events_per_produce_single: med(single, (r) => r.eventsPerProduce ?? Number.NaN),
      events_per_produce_batched: med(batched, (r) => r.eventsPerProduce ?? Number.NaN),
      server_cpu_single_pct: med(single, (r) => r.serverCpuPct),
      server_cpu_batched_pct: med(batched, (r) => r.serverCpuPct),
      events_verified_in_kafka: runs.reduce((n, r) => n + (r.kafkaDelta ?? 0), 0),
      tracker_gzip_bytes: tracker.gzipBytes,
      load_average_1m_start: loadAtStart,
      load_average_1m_end: os.loadavg()[0] ?? Number.NaN,
    }
    const missed = singleRatio < TARGET_SINGLE_RATIO || batchedEventsPerS < TARGET_BATCHED_EVENTS
    printTable('Targets (reported, not enforced)', [
      {
        metric: 'single_event_ratio',
        value: singleRatio,
        target: `≥ ${TARGET_SINGLE_RATIO}`,
        met: singleRatio >= TARGET_SINGLE_RATIO ? 'yes' : 'NO',
      },
      {
        metric: 'batched_events_per_s',
        value: Math.round(batchedEventsPerS),
        target: `≥ ${TARGET_BATCHED_EVENTS.toLocaleString('en-US')}`,
        met: batchedEventsPerS >= TARGET_BATCHED_EVENTS ? 'yes' : 'NO',
      },
      {
        metric: 'tracker_gzip_bytes',
        value: tracker.gzipBytes,
        target: '≤ 2560',
        met: tracker.gzipBytes <= 2560 ? 'yes' : 'NO',
      },
    ])

    let profileNote = ''
    if ((missed || args.profile) && !args['no-profile']) {
      // A separate pass: the profiler's own cost must not leak into the numbers above.
      for (const events of [1, BATCH]) {
        const file = path.join(os.tmpdir(), `nhip-bench-collector-${events}.cpuprofile`)
        progress(`profiling the collector (${events}-event requests, ${Math.min(SECONDS, 8)}s) → ${file}`)
        const { summary } = await profilePhase(file, () =>
          runCase('collector', events, Math.min(SECONDS, 8), 1),
        )
        printTable(
          `Where the collector process spends its time, ${events === 1 ? 'single' : `${events}-batch`} (self time; idle = waiting)`,
          summary.categories.filter((c) => c.pct >= 0.5).map((c) => ({ category: c.category, '%': c.pct })),
        )
        printTable(
          `Heaviest functions, ${events === 1 ? 'single' : `${events}-batch`}`,
          summary.functions.slice(0, 15).map((f) => ({ function: f.fn, where: f.where, '%': f.pct })),
        )
        const top = summary.categories.filter((c) => !c.category.startsWith('idle')).slice(0, 4)
        profileNote += ` Profile ${events}-event: ${top.map((c) => `${c.category} ${c.pct.toFixed(0)}%`).join(', ')}; idle ${(summary.categories.find((c) => c.category.startsWith('idle'))?.pct ?? 0).toFixed(0)}%.`
      }
    }

    writeResult(
      'collector',
      metricsOut,
      `Code ${codeRevision()}. p99_ms is the collector's single-event p99 (p99_single_ms); p99_batched_ms is the ${BATCH}-event one. ` +
        `Load: autocannon in a separate process, ${CONNECTIONS} connections, pipelining 1, ${WARMUP}s warm-up + ${SECONDS}s per case, ` +
        `${ROUNDS} round(s) (bare/collector × single/${BATCH}-batch), medians; ratios paired per round. Every event has a fresh UUID, ` +
        'the registered Origin, a random Vietnamese X-Forwarded-For (trustProxy) and one of six user agents. ' +
        'Every collector case verified: spool drained and the events topic grew by exactly the acknowledged count. ' +
        `Kafka: ${process.env.KAFKA_BROKERS ? 'KAFKA_BROKERS' : 'one local KRaft broker started by the benchmark'}; chDB embedded. ` +
        `Shared 2-core VM: 1-min load average ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at end.${profileNote}`,
    )
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err))
  } finally {
    await teardown.run()
  }
  if (failure) {
    progress(
      `FAILED: ${failure instanceof DeliveryFailure ? 'delivery check: ' : ''}${failure.stack ?? failure.message}`,
    )
    process.exitCode = 1
  }
}

await main()
