// Transform throughput and end-to-end freshness benchmark, against a real broker and the real chDB engine.
//
//   npm run bench:transform [-- --events 200000 --reps 3 --fresh-seconds 30 --fresh-rate 2000 --profile|--no-profile]
//
// In one run, on the same topic and the same engine:
//   (a) raw consume   — a kafkajs consumer that only counts the messages (the Kafka + client ceiling);
//   (b) raw insert    — the same events, already encoded as the writer encodes them for this engine (Native
//                       blocks embedded, TabSeparated on a server), inserted NHIP_BATCH_ROWS at a time the way the
//                       writer sends them (insertRaw when embedded) into a freshly migrated copy of the schema
//                       (views included) in another database; TabSeparated and JSONEachRow alongside;
//   (c) the pipeline  — startEventConsumer + createTransform, from the first fetch to committed offsets;
//       pipeline_ratio = c / min(a, b): how much of the slower ceiling the pipeline keeps.
//   (d) freshness     — collector (Kafka mode) + transform consumer in this process; tracker batches at a fixed
//                       rate through HTTP; per event, the time from the collector's 202 to the row being
//                       visible in ClickHouse.
// Fails (exit 1) when events go missing; missed targets are reported, and trigger a profiled pass.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { type Admin, CompressionTypes, type Kafka } from 'kafkajs'
import { Registry } from 'prom-client'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { migrate } from '../infra/clickhouse/migrate.ts'
import { type KafkaTopicsConfig, loadConfig } from '../infra/config.ts'
import { createKafka } from '../infra/kafka/client.ts'
import { ensureTopics } from '../infra/kafka/topics.ts'
import { createLogger, type Logger } from '../infra/logger.ts'
import { createCollector } from '../ingest/collector.ts'
import { type EventMessage, eventKey } from '../ingest/contract/index.ts'
import { addSite } from '../ingest/sites/sites.ts'
import { generateEvents, TEST_SITES } from '../test/support/generate-events.ts'
import { createTransform, type EventRow, startEventConsumer } from '../transform/index.ts'
import { EVENT_COLUMNS, encodeEventsNative, encodeEventsTsv } from '../transform/writer.ts'
import { aReaderHeaders, aTrackerBatch, type TrafficSite } from './lib/browser-traffic.ts'
import { processCpuSeconds, threadCpuDelta, threadCpuPerItem, threadCpuSeconds } from './lib/cpu.ts'
import { median, percentile, printTable, writeResult } from './lib/harness.ts'
import { metricSum } from './lib/metrics.ts'
import { profilePhase } from './lib/profile.ts'
import { loadAverage, progress, sleep } from './lib/progress.ts'
import { codeRevision } from './lib/revision.ts'
import { groupLag, openBenchClickHouse, startBenchKafka, topicEnd } from './lib/services.ts'
import { Teardown } from './lib/teardown.ts'
import { StageTimes, timeClickHouse, timeKafka } from './lib/timing.ts'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    reps: { type: 'string', default: '3' },
    'fresh-seconds': { type: 'string', default: '30' },
    'fresh-rate': { type: 'string', default: '2000' },
    profile: { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
})
const N = Number(args.events)
const REPS = Number(args.reps)
const FRESH_SECONDS = Number(args['fresh-seconds'])
const FRESH_RATE = Number(args['fresh-rate'])
const FRESH_BATCH = 20
const TARGET_RATIO = 0.5
const TARGET_EVENTS = 30_000
const TARGET_FRESH_P95_S = 3
const FRESH_SITE: TrafficSite = { site_id: 'fresh', domain: 'fresh.vn' }
// The same consumer settings `nhip transform` runs with (NHIP_BATCH_ROWS, NHIP_FLUSH_MS: defaults unless set), and
// the same fetch shape for the raw consumer, so (a) and (c) read Kafka the same way.
const DEFAULTS = loadConfig({
  ...(process.env.NHIP_BATCH_ROWS && { NHIP_BATCH_ROWS: process.env.NHIP_BATCH_ROWS }),
  ...(process.env.NHIP_FLUSH_MS && { NHIP_FLUSH_MS: process.env.NHIP_FLUSH_MS }),
}).transform
/** Rows per raw insert in (b): the pipeline's chunk size, so that (b) and (c) make inserts of the same size. */
const INSERT_ROWS = DEFAULTS.batchRows
const FETCH = { maxWaitTimeInMs: DEFAULTS.flushMs, minBytes: 1, maxBytesPerPartition: 4 * 1_048_576 }

/** Events missing or duplicated: the run is wrong, not slow. */
class DataFailure extends Error {}

// ---------------------------------------------------------------------------------------------

/** Produces the events as the collector would (keyed by site+visitor, gzip, acks from all replicas). */
async function produceEvents(kafka: Kafka, topic: string, events: EventMessage[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    const chunk = 1000
    for (let i = 0; i < events.length; i += chunk) {
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: events
          .slice(i, i + chunk)
          .map((e) => ({ key: eventKey(e), value: Buffer.from(JSON.stringify(e)) })),
      })
      if ((i / chunk) % 50 === 49)
        progress(
          `  produced ${(i + chunk).toLocaleString('en-US')} / ${events.length.toLocaleString('en-US')}`,
        )
    }
  } finally {
    await producer.disconnect()
  }
}

/**
 * (a) Reads the whole topic and only counts. The clock starts at the consumer's first fetch (after the
 * group join, which is not throughput) and stops at the last message — the same span as for (c).
 */
async function rawConsume(kafka: Kafka, topic: string, expected: number, rep: number): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `bench-raw-consume-${process.pid}-${rep}`,
    ...FETCH,
    sessionTimeout: 30_000,
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let count = 0
    let first = 0
    consumer.on(consumer.events.FETCH_START, () => {
      if (first === 0) first = performance.now()
    })
    const done = new Promise<number>((resolve) => {
      void consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch }) => {
          count += batch.messages.length
          if (count >= expected) resolve(performance.now())
        },
      })
    })
    const end = await Promise.race([done, sleep(300_000).then(() => Number.NaN)])
    if (Number.isNaN(end))
      throw new DataFailure(`raw consumer read only ${count} of ${expected} messages in 300 s`)
    return (count / (end - first)) * 1000
  } finally {
    await consumer.disconnect()
  }
}

/** The JSON shape the writer inserts (timestamps as DateTime64 text, flags as 0/1, no article extras). */
function toInsertRow(row: EventRow): Record<string, unknown> {
  const { author: _author, published_at: _published, ...r } = row
  const text = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
  return {
    ...r,
    ts: text(r.ts),
    received_at: text(r.received_at),
    consented: r.consented ? 1 : 0,
    is_bot: r.is_bot ? 1 : 0,
  }
}

/**
 * (b) Inserts prepared rows into `${database}.events`. With `views`, the database gets the full schema
 * from the real migrations (so the rollup and session materialized views run, as for the pipeline);
 * without, a bare copy of the table. A new database per repetition: identical blocks inserted twice
 * would be skipped by the table's insert deduplication and look impossibly fast.
 */
async function rawInsert(
  ch: ClickHouse,
  rows: { json: Array<Record<string, unknown>>; native: Buffer[]; tsv: Buffer[] },
  database: string,
  views: boolean,
  format: 'Native' | 'TabSeparated' | 'JSONEachRow',
): Promise<number> {
  if (views) await migrate({ ...ch, database })
  else {
    await ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
    await ch.client.command({ query: `CREATE TABLE ${database}.events AS ${ch.database}.events` })
  }
  try {
    const n = rows.json.length
    const t0 = performance.now()
    if (format !== 'JSONEachRow') {
      // The engine's fastest way in: bytes encoded beforehand, sent as the writer sends them.
      for (const values of format === 'Native' ? rows.native : rows.tsv) {
        const table = `${database}.events`
        if (ch.insertRaw) await ch.insertRaw({ table, columns: EVENT_COLUMNS, format, values, settings: {} })
        else if (format === 'Native') throw new Error('Native inserts need the embedded engine')
        else
          await ch.client.insert({
            table,
            columns: [...EVENT_COLUMNS],
            format,
            values: Readable.from([values]),
          })
      }
    } else {
      for (let i = 0; i < n; i += INSERT_ROWS) {
        await ch.client.insert({
          table: `${database}.events`,
          format: 'JSONEachRow',
          values: rows.json.slice(i, i + INSERT_ROWS),
        })
      }
    }
    const rate = (n / (performance.now() - t0)) * 1000
    const [stored] = await (
      await ch.client.query({ query: `SELECT count() AS n FROM ${database}.events`, format: 'JSONEachRow' })
    ).json<{ n: string }>()
    if (Number(stored?.n) !== n) throw new DataFailure(`raw insert stored ${stored?.n} of ${n} rows`)
    return rate
  } finally {
    // Dropped right away so its background merges do not run under the next measurement.
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` })
  }
}

interface PipelineRun {
  eventsPerS: number
  elapsedMs: number
  /** Summed wall ms of all eachBatch calls (processing; the writes go on in the partitions' lanes). */
  batchMs: number
  maxConcurrentBatches: number
  /**
   * Wall ms per stage, summed over partitions: processing in eachBatch, the writes and commits in the lanes
   * behind it, so stages overlap (and include waiting for the JS thread or the engine). Shares of elapsedMs.
   */
  stages: Array<{ key: string; stage: string; ms: number; calls: number }>
}

/**
 * (c) Runs the real consumer + transform on `topic` until the group has committed everything, timing the
 * stages through wrapped dependencies: pipeline steps (processEvent), ClickHouse queries (the writer's
 * "already stored?" check) and inserts, Kafka fetches and offset commits.
 */
async function runPipeline(opts: {
  kafka: Kafka
  admin: Admin
  ch: ClickHouse
  topics: KafkaTopicsConfig
  groupId: string
  expected: number
  log: Logger
}): Promise<PipelineRun> {
  const times = new StageTimes()
  const metrics = new Registry()
  const transform = await createTransform({ ch: timeClickHouse(opts.ch, times), log: opts.log, metrics })
  let stepsMs = 0
  let stepCalls = 0
  const processEvent: typeof transform.processEvent = (value) => {
    const t0 = performance.now()
    try {
      return transform.processEvent(value)
    } finally {
      stepsMs += performance.now() - t0
      stepCalls++
    }
  }
  const consumer = await startEventConsumer({
    kafka: timeKafka(opts.kafka, times),
    topics: opts.topics,
    groupId: opts.groupId,
    processEvent,
    processContent: transform.processContent,
    writer: transform.writer,
    log: opts.log,
    metrics,
    chunkRows: DEFAULTS.batchRows,
    maxWaitMs: DEFAULTS.flushMs,
  })
  try {
    const deadline = Date.now() + 600_000
    let lastLog = Date.now()
    for (;;) {
      const lag = await groupLag(opts.admin, opts.groupId, opts.topics.events)
      if (lag === 0 && stepCalls > 0) break
      if (Date.now() > deadline)
        throw new DataFailure(`the transform group is still ${lag} messages behind after 600 s`)
      if (Date.now() - lastLog > 5000) {
        progress(
          `  pipeline: ${(opts.expected - lag).toLocaleString('en-US')} / ${opts.expected.toLocaleString('en-US')} committed`,
        )
        lastLog = Date.now()
      }
      await sleep(50)
    }
    const elapsedMs = performance.now() - (times.marks.get('first fetch') ?? Number.NaN)
    // The consumer counts a chunk just after committing it, so the counter may trail the lag by a moment.
    const insertedSoFar = () =>
      metricSum(metrics, 'nhip_transform_rows_total', { topic: opts.topics.events, outcome: 'inserted' })
    let inserted = await insertedSoFar()
    for (let i = 0; i < 100 && inserted < opts.expected; i++) {
      await sleep(100)
      inserted = await insertedSoFar()
    }
    const other = opts.expected - inserted
    if (other !== 0) {
      const dlq = await metricSum(metrics, 'nhip_transform_rows_total', { outcome: 'dlq' })
      const dropped = await metricSum(metrics, 'nhip_transform_rows_total', { outcome: 'dropped' })
      throw new DataFailure(
        `the pipeline inserted ${inserted} of ${opts.expected} events (dlq ${dlq}, dropped ${dropped})`,
      )
    }
    const stage = (key: string, label: string, name: string) => ({
      key,
      stage: name,
      ms: times.total(label),
      calls: times.samples.get(label)?.length ?? 0,
    })
    const batchMs = times.total('consumer eachBatch')
    const stages = [
      { key: 'steps', stage: 'pipeline steps (parse → sessionize)', ms: stepsMs, calls: stepCalls },
      {
        key: 'each_batch',
        stage: 'eachBatch calls (the steps, slicing, heartbeats, waiting for lane room)',
        ms: batchMs,
        calls: times.samples.get('consumer eachBatch')?.length ?? 0,
      },
      stage('exists_query', 'clickhouse query', 'ClickHouse "already stored?" queries'),
      stage('insert_events', 'clickhouse insert events', 'ClickHouse insert events (+ views)'),
      stage('insert_articles', 'clickhouse insert articles', 'ClickHouse insert articles'),
      stage('offset_commit', 'consumer OffsetCommit', 'Kafka offset commits'),
    ]
    return {
      eventsPerS: (opts.expected / elapsedMs) * 1000,
      elapsedMs,
      batchMs,
      maxConcurrentBatches: times.maxInFlight.get('consumer eachBatch') ?? 0,
      stages,
    }
  } finally {
    await consumer.stop()
    transform.close()
  }
}

interface FreshnessRun {
  /** From the first send until every acknowledged event was visible. */
  elapsedS: number
  /** From the first send to the last answer: longer than planned when this process could not keep the pace. */
  sendS: number
  sent: number
  accepted: number
  refused: number
  seconds: number[]
  pollMs: number
}

/**
 * (d) Sends tracker batches at a fixed rate through the collector's HTTP endpoint, records when each
 * event was acknowledged (the 202), and polls ClickHouse for the acknowledged ids still not visible.
 * An event's visibility time is the start of the first poll that found it (an upper bound, ≤ one poll
 * interval late).
 */
async function measureFreshness(opts: {
  url: string
  ch: ClickHouse
  site: TrafficSite
  pollMs: number
}): Promise<FreshnessRun> {
  const acceptedAt = new Map<string, number>()
  const visibleAfter: number[] = []
  const pending = new Set<string>()
  let sent = 0
  let refused = 0
  let sending = true
  const inFlight = new Set<Promise<void>>()

  async function post(): Promise<void> {
    const { body, ids } = aTrackerBatch(opts.site, FRESH_BATCH)
    sent += ids.length
    try {
      const res = await fetch(`${opts.url}/e`, { method: 'POST', headers: aReaderHeaders(opts.site), body })
      await res.arrayBuffer()
      if (res.status !== 202) {
        refused += ids.length
        return
      }
      const at = performance.now()
      for (const id of ids) {
        acceptedAt.set(id, at)
        pending.add(id)
      }
    } catch {
      refused += ids.length
    }
  }

  async function poll(): Promise<void> {
    while (sending || pending.size > 0) {
      const started = performance.now()
      if (pending.size > 0) {
        const ids = [...pending]
        const rs = await opts.ch.client.query({
          query: `SELECT toString(event_id) AS id FROM ${opts.ch.database}.events WHERE site_id = {site:String} AND event_id IN {ids:Array(UUID)}`,
          query_params: { site: opts.site.site_id, ids },
          format: 'JSONEachRow',
        })
        for (const { id } of await rs.json<{ id: string }>()) {
          if (!pending.delete(id)) continue
          visibleAfter.push((started - (acceptedAt.get(id) ?? started)) / 1000)
        }
      }
      if (!sending && pending.size > 0 && performance.now() - lastSend > 60_000) {
        throw new DataFailure(
          `${pending.size} acknowledged events not visible in ClickHouse 60 s after the last send`,
        )
      }
      await sleep(Math.max(0, opts.pollMs - (performance.now() - started)))
    }
  }

  let lastSend = performance.now()
  const poller = poll()
  // Awaited after the sends; this only keeps an early failure from being reported as unhandled meanwhile.
  poller.catch(() => undefined)
  const intervalMs = (1000 * FRESH_BATCH) / FRESH_RATE
  const requests = Math.round((FRESH_SECONDS * 1000) / intervalMs)
  const t0 = performance.now()
  for (let i = 0; i < requests; i++) {
    // Scheduled against the start time, not the previous send, so the rate does not drift under load.
    await sleep(t0 + i * intervalMs - performance.now())
    const p = post().finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (i % Math.round(5000 / intervalMs) === 0 && i > 0) {
      progress(
        `  freshness: ${sent.toLocaleString('en-US')} events sent, ${pending.size.toLocaleString('en-US')} acknowledged but not yet visible`,
      )
    }
  }
  await Promise.all(inFlight)
  lastSend = performance.now()
  const sendS = (lastSend - t0) / 1000
  sending = false
  await poller
  return {
    elapsedS: (performance.now() - t0) / 1000,
    sendS,
    sent,
    accepted: acceptedAt.size,
    refused,
    seconds: visibleAfter,
    pollMs: opts.pollMs,
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  progress(
    `transform benchmark: ${N.toLocaleString('en-US')} events, ${REPS} rep(s) of (a) and (b); load average ${loadAverage()}`,
  )
  const loadAtStart = os.loadavg()[0] ?? Number.NaN
  const teardown = new Teardown()
  let failure: Error | undefined
  try {
    const broker = await startBenchKafka(process.env.KAFKA_BROKERS)
    teardown.add(() => broker.stop())
    const db = await openBenchClickHouse('bench transform')
    teardown.add(() => db.cleanup())
    const { ch } = db
    for (const s of TEST_SITES)
      await addSite(ch, { agency_id: s.agency_id, site_id: s.site_id, domains: [s.domain] })
    await addSite(ch, { agency_id: 'bench', site_id: FRESH_SITE.site_id, domains: [FRESH_SITE.domain] })

    const brokers = broker.brokers.join(',')
    const config = loadConfig({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: 'bench-transform.' })
    const freshConfig = loadConfig({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: 'bench-fresh.' })
    if (!config.kafka || !freshConfig.kafka) throw new Error('no Kafka config')
    const topics = config.kafka.topics
    const freshTopics = freshConfig.kafka.topics
    const log = createLogger({ level: 'warn', name: 'bench-transform' })
    const kafka = createKafka(config.kafka, log)
    const admin = kafka.admin()
    await admin.connect()
    teardown.add(() => admin.disconnect())
    await ensureTopics(admin, topics, log)
    await ensureTopics(admin, freshTopics, log)

    // ---- the data: N generated events on the events topic
    // Sorted by time: a live topic is filled in arrival order, and the generator's random order would turn
    // every event into a late one for the sessionizer (a cost production does not pay).
    const { events } = generateEvents({
      seed: 2026,
      count: N,
      startMs: Date.now() - 49 * 3_600_000,
      hours: 48,
      idPrefix: 'bench',
    })
    events.sort((a, b) => a.ts - b.ts)
    progress(
      `producing ${N.toLocaleString('en-US')} events to ${topics.events} (${topics.eventsPartitions} partitions, gzip)…`,
    )
    await produceEvents(kafka, topics.events, events)
    const onTopic = await topicEnd(admin, topics.events)
    if (onTopic !== N) throw new DataFailure(`the topic holds ${onTopic} messages, expected ${N}`)

    // ---- (a) raw consume
    const consumeRates: number[] = []
    /** CPU µs per message of (a): the JS thread (kafkajs decoding) and the other threads (gunzip in libuv's pool). */
    const consumeCpu: Array<{ main: number; others: number }> = []
    for (let rep = 1; rep <= REPS; rep++) {
      const before = threadCpuSeconds(process.pid)
      consumeRates.push(await rawConsume(kafka, topics.events, N, rep))
      consumeCpu.push(threadCpuPerItem(before, threadCpuSeconds(process.pid), N))
      progress(
        `(a) raw consume ${rep}/${REPS}: ${Math.round(consumeRates.at(-1) ?? 0).toLocaleString('en-US')} events/s`,
      )
    }

    // ---- (b) raw insert: the same events, turned into rows by a throw-away transform beforehand
    const prep = await createTransform({ ch, log, metrics: new Registry() })
    const eventRows: EventRow[] = []
    for (const e of events) {
      const outcome = prep.processEvent(Buffer.from(JSON.stringify(e)))
      if (outcome.kind === 'ok') eventRows.push(outcome.value as EventRow)
    }
    prep.close()
    if (eventRows.length !== N)
      throw new DataFailure(`only ${eventRows.length} of ${N} generated events became rows`)
    const rows = { json: eventRows.map(toInsertRow), native: [] as Buffer[], tsv: [] as Buffer[] }
    for (let i = 0; i < N; i += INSERT_ROWS) {
      rows.tsv.push(Buffer.from(encodeEventsTsv(eventRows.slice(i, i + INSERT_ROWS))))
      if (ch.insertRaw) rows.native.push(Buffer.from(encodeEventsNative(eventRows.slice(i, i + INSERT_ROWS))))
    }
    // The writer's encoding for this engine: Native blocks embedded, TabSeparated on a server.
    const fastest = ch.insertRaw ? 'Native' : 'TabSeparated'
    const insertRates: number[] = []
    /** CPU µs per row of (b) with views: the JS thread (staging the bytes) and the engine's threads. */
    const insertCpu: Array<{ main: number; others: number }> = []
    const plainRates: number[] = []
    const tsvRates: number[] = []
    const jsonRates: number[] = []
    for (let rep = 1; rep <= REPS; rep++) {
      const before = threadCpuSeconds(process.pid)
      insertRates.push(await rawInsert(ch, rows, `bench_raw_${rep}`, true, fastest))
      insertCpu.push(threadCpuPerItem(before, threadCpuSeconds(process.pid), N))
      plainRates.push(await rawInsert(ch, rows, `bench_plain_${rep}`, false, fastest))
      if (fastest === 'Native')
        tsvRates.push(await rawInsert(ch, rows, `bench_tsv_${rep}`, true, 'TabSeparated'))
      jsonRates.push(await rawInsert(ch, rows, `bench_json_${rep}`, true, 'JSONEachRow'))
      progress(
        `(b) raw insert ${rep}/${REPS}: ${Math.round(insertRates.at(-1) ?? 0).toLocaleString('en-US')} rows/s ${fastest} with views, ${Math.round(plainRates.at(-1) ?? 0).toLocaleString('en-US')} rows/s bare table` +
          `${tsvRates.length ? `, ${Math.round(tsvRates.at(-1) ?? 0).toLocaleString('en-US')} rows/s TabSeparated` : ''}, ${Math.round(jsonRates.at(-1) ?? 0).toLocaleString('en-US')} rows/s JSONEachRow with views`,
      )
    }

    // ---- (c) the pipeline
    progress('(c) pipeline: startEventConsumer + createTransform from the beginning of the topic…')
    const group = `bench-transform-${process.pid}`
    const brokerCpu = () => (broker.pid === undefined ? undefined : processCpuSeconds(broker.pid))
    const cpuBefore = { self: threadCpuSeconds(process.pid), broker: brokerCpu() }
    const pipeline = await runPipeline({ kafka, admin, ch, topics, groupId: group, expected: N, log })
    const cpuAfter = { self: threadCpuSeconds(process.pid), broker: brokerCpu() }
    // CPU microseconds per event during (c) (the run includes the group join and the final lag polls).
    const pipelineCpu = {
      ...threadCpuPerItem(cpuBefore.self, cpuAfter.self, N),
      broker:
        cpuBefore.broker === undefined || cpuAfter.broker === undefined
          ? Number.NaN
          : ((cpuAfter.broker - cpuBefore.broker) * 1e6) / N,
    }
    progress(
      `(a) CPU µs per message: JS thread ${median(consumeCpu.map((c) => c.main)).toFixed(1)}, other threads ${median(consumeCpu.map((c) => c.others)).toFixed(1)}`,
    )
    progress(
      `(b) CPU µs per row: JS thread ${median(insertCpu.map((c) => c.main)).toFixed(1)}, other threads ${median(insertCpu.map((c) => c.others)).toFixed(1)}`,
    )
    if (cpuBefore.self && cpuAfter.self)
      progress(
        `(c) CPU µs per event by thread: ${threadCpuDelta(cpuBefore.self, cpuAfter.self)
          .slice(0, 8)
          .map(([name, s]) => `${name} ${((s * 1e6) / N).toFixed(1)}`)
          .join(', ')}`,
      )
    progress(
      `(c) CPU µs per event: JS thread ${pipelineCpu.main.toFixed(1)}, other threads (engine, libuv) ${pipelineCpu.others.toFixed(1)}, broker ${pipelineCpu.broker.toFixed(1)}`,
    )
    const [stored] = await (
      await ch.client.query({
        query: `SELECT count() AS n, uniqExact(event_id) AS u FROM ${ch.database}.events`,
        format: 'JSONEachRow',
      })
    ).json<{ n: string; u: string }>()
    if (Number(stored?.n) !== N || Number(stored?.u) !== N) {
      throw new DataFailure(
        `after the pipeline, events holds ${stored?.n} rows / ${stored?.u} ids, expected ${N}`,
      )
    }
    progress(
      `(c) pipeline: ${Math.round(pipeline.eventsPerS).toLocaleString('en-US')} events/s; ${N.toLocaleString('en-US')} rows verified in ClickHouse`,
    )

    const rawConsumePerS = median(consumeRates)
    const rawInsertPerS = median(insertRates)
    const ratio = pipeline.eventsPerS / Math.min(rawConsumePerS, rawInsertPerS)
    printTable(
      `Transform throughput — ${N.toLocaleString('en-US')} events, medians of ${REPS} for (a) and (b)`,
      [
        {
          stage: '(a) raw consume (kafkajs, count only)',
          'events/s': Math.round(rawConsumePerS),
          runs: consumeRates.map((r) => Math.round(r)).join(' / '),
        },
        {
          stage: `(b) raw insert ${fastest}, full schema (views)`,
          'events/s': Math.round(rawInsertPerS),
          runs: insertRates.map((r) => Math.round(r)).join(' / '),
        },
        {
          stage: '(b′) raw insert, bare events table',
          'events/s': Math.round(median(plainRates)),
          runs: plainRates.map((r) => Math.round(r)).join(' / '),
        },
        ...(tsvRates.length
          ? [
              {
                stage: '(b‴) raw insert TabSeparated, full schema (the earlier encoding)',
                'events/s': Math.round(median(tsvRates)),
                runs: tsvRates.map((r) => Math.round(r)).join(' / '),
              },
            ]
          : []),
        {
          stage: '(b″) raw insert JSONEachRow, full schema (the earlier baseline)',
          'events/s': Math.round(median(jsonRates)),
          runs: jsonRates.map((r) => Math.round(r)).join(' / '),
        },
        {
          stage: '(c) pipeline (consume → ClickHouse → commit)',
          'events/s': Math.round(pipeline.eventsPerS),
          runs: '1',
        },
        {
          stage: 'pipeline_ratio = c / min(a, b)',
          'events/s': ratio.toFixed(3),
          runs: `target ≥ ${TARGET_RATIO}`,
        },
      ],
    )
    printTable(
      `Where the pipeline's time went — ${(pipeline.elapsedMs / 1000).toFixed(1)} s run, up to ${pipeline.maxConcurrentBatches} eachBatch calls at once; seconds summed over partitions (stages overlap: writes run in lanes behind the processing)`,
      pipeline.stages.map((x) => ({
        stage: x.stage,
        seconds: x.ms / 1000,
        '% of run': (100 * x.ms) / pipeline.elapsedMs,
        calls: x.calls,
      })),
    )

    // ---- profiled pass (separate data, so the measured run stays unprofiled)
    let profileNote = ''
    const missed = ratio < TARGET_RATIO || pipeline.eventsPerS < TARGET_EVENTS
    if ((missed || args.profile) && !args['no-profile']) {
      const extra = generateEvents({
        seed: 7,
        count: Math.round(N / 4),
        startMs: Date.now() - 25 * 3_600_000,
        hours: 24,
        idPrefix: 'profile',
      }).events
      extra.sort((a, b) => a.ts - b.ts)
      progress(`profiling: ${extra.length.toLocaleString('en-US')} more events through the same group…`)
      await produceEvents(kafka, topics.events, extra)
      const file = path.join(os.tmpdir(), 'nhip-bench-transform.cpuprofile')
      const { summary } = await profilePhase(file, () =>
        runPipeline({ kafka, admin, ch, topics, groupId: group, expected: extra.length, log }),
      )
      printTable(
        'Where the transform process spends its JS thread (self time; chDB work shows as native/idle)',
        summary.categories.filter((c) => c.pct >= 0.5).map((c) => ({ category: c.category, '%': c.pct })),
      )
      printTable(
        'Heaviest functions (transform)',
        summary.functions.slice(0, 15).map((f) => ({ function: f.fn, where: f.where, '%': f.pct })),
      )
      profileNote = ` Profile (${file}): ${summary.categories
        .slice(0, 5)
        .map((c) => `${c.category} ${c.pct.toFixed(0)}%`)
        .join(', ')}.`
    }

    // ---- (d) freshness
    progress(
      `(d) freshness: collector + transform in this process, ${FRESH_RATE} events/s in ${FRESH_BATCH}-event batches for ${FRESH_SECONDS}s…`,
    )
    const freshDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-bench-fresh-'))
    teardown.add(async () => rmSync(freshDir, { recursive: true, force: true }))
    const collector = await createCollector({
      ch,
      log,
      metrics: new Registry(),
      dataDir: freshDir,
      spoolMaxBytes: 256 * 1_048_576,
      trackerPath: '/s/p.js',
      // As `nhip serve` runs it: producers on their own thread.
      kafka: { settings: freshConfig.kafka, topics: freshTopics },
      limits: { ipRatePerSec: 1e9, ipBurst: 1e9, siteRatePerSec: 1e9, siteBurst: 1e9 },
      trustProxy: true,
    })
    teardown.add(() => collector.close())
    const url = await collector.app.listen({ host: '127.0.0.1', port: 0 })
    // Timed like (c), to show how the consumer batches a trickle: inserts per second and rows per insert.
    const freshTimes = new StageTimes()
    const freshTransform = await createTransform({
      ch: timeClickHouse(ch, freshTimes),
      log,
      metrics: new Registry(),
    })
    teardown.add(async () => freshTransform.close())
    const freshConsumer = await startEventConsumer({
      kafka: timeKafka(kafka, freshTimes),
      topics: freshTopics,
      groupId: `bench-fresh-${process.pid}`,
      processEvent: freshTransform.processEvent,
      processContent: freshTransform.processContent,
      writer: freshTransform.writer,
      log,
      metrics: new Registry(),
      chunkRows: DEFAULTS.batchRows,
      maxWaitMs: DEFAULTS.flushMs,
    })
    teardown.add(() => freshConsumer.stop())
    await freshConsumer.joined
    freshTimes.reset()
    const fresh = await measureFreshness({ url, ch, site: FRESH_SITE, pollMs: 100 })
    const freshStage = (label: string) => {
      const calls = freshTimes.samples.get(label)?.length ?? 0
      return { calls, meanMs: calls ? freshTimes.total(label) / calls : Number.NaN }
    }
    const freshInserts = freshStage('clickhouse insert events')
    const freshStages: Array<[string, string]> = [
      ['ClickHouse insert events (+ views)', 'clickhouse insert events'],
      ['ClickHouse insert articles', 'clickhouse insert articles'],
      ['ClickHouse "already stored?" queries', 'clickhouse query'],
      ['Kafka offset commits', 'consumer OffsetCommit'],
      ['Kafka fetches (incl. broker wait)', 'consumer Fetch'],
    ]
    printTable(
      `Freshness run — how the transform consumer handled the trickle (${fresh.elapsedS.toFixed(1)} s until all visible)`,
      freshStages.map(([stage, label]) => {
        const { calls, meanMs } = freshStage(label)
        return {
          stage,
          calls,
          'per s': calls / fresh.elapsedS,
          'mean ms': meanMs,
          'busy % of run (Σ)': (calls * meanMs) / (10 * fresh.elapsedS),
        }
      }),
    )
    const freshP50 = percentile(fresh.seconds, 50)
    const freshP95 = percentile(fresh.seconds, 95)
    printTable(
      `Freshness — collector 202 → visible in ClickHouse (${fresh.accepted.toLocaleString('en-US')} events, poll every ${fresh.pollMs} ms)`,
      [
        {
          sent: fresh.sent,
          'achieved events/s': Math.round(fresh.sent / fresh.sendS),
          acknowledged: fresh.accepted,
          refused: fresh.refused,
          'p50 s': freshP50,
          'p95 s': freshP95,
          'p99 s': percentile(fresh.seconds, 99),
          'max s': percentile(fresh.seconds, 100),
          target: `p95 ≤ ${TARGET_FRESH_P95_S} s`,
        },
      ],
    )

    printTable('Targets (reported, not enforced)', [
      {
        metric: 'pipeline_ratio',
        value: ratio,
        target: `≥ ${TARGET_RATIO}`,
        met: ratio >= TARGET_RATIO ? 'yes' : 'NO',
      },
      {
        metric: 'pipeline_events_per_s',
        value: Math.round(pipeline.eventsPerS),
        target: `≥ ${TARGET_EVENTS.toLocaleString('en-US')}`,
        met: pipeline.eventsPerS >= TARGET_EVENTS ? 'yes' : 'NO',
      },
      {
        metric: 'freshness_p95_s',
        value: freshP95,
        target: `≤ ${TARGET_FRESH_P95_S}`,
        met: freshP95 <= TARGET_FRESH_P95_S ? 'yes' : 'NO',
      },
    ])

    const stageMetrics = Object.fromEntries(
      pipeline.stages.map((x) => [`run_share_${x.key}_pct`, (100 * x.ms) / pipeline.elapsedMs]),
    )
    writeResult(
      'transform',
      {
        raw_consume_per_s: rawConsumePerS,
        raw_insert_per_s: rawInsertPerS,
        raw_insert_bare_table_per_s: median(plainRates),
        ...(tsvRates.length && { raw_insert_tsv_per_s: median(tsvRates) }),
        raw_insert_json_per_s: median(jsonRates),
        pipeline_events_per_s: pipeline.eventsPerS,
        pipeline_ratio: ratio,
        raw_consume_cpu_us_per_event_js_thread: median(consumeCpu.map((c) => c.main)),
        raw_consume_cpu_us_per_event_other_threads: median(consumeCpu.map((c) => c.others)),
        raw_insert_cpu_us_per_row_js_thread: median(insertCpu.map((c) => c.main)),
        raw_insert_cpu_us_per_row_other_threads: median(insertCpu.map((c) => c.others)),
        pipeline_cpu_us_per_event_js_thread: pipelineCpu.main,
        pipeline_cpu_us_per_event_other_threads: pipelineCpu.others,
        pipeline_cpu_us_per_event_broker: pipelineCpu.broker,
        freshness_p50_s: freshP50,
        freshness_p95_s: freshP95,
        freshness_p99_s: percentile(fresh.seconds, 99),
        freshness_max_s: percentile(fresh.seconds, 100),
        freshness_events: fresh.accepted,
        freshness_achieved_events_per_s: fresh.sent / fresh.sendS,
        freshness_inserts_per_s: freshInserts.calls / fresh.elapsedS,
        freshness_rows_per_insert: fresh.accepted / Math.max(1, freshInserts.calls),
        freshness_insert_mean_ms: freshInserts.meanMs,
        events: N,
        pipeline_each_batch_in_flight: pipeline.batchMs / pipeline.elapsedMs,
        ...stageMetrics,
        load_average_1m_start: loadAtStart,
        load_average_1m_end: os.loadavg()[0] ?? Number.NaN,
      },
      `Code ${codeRevision()}. ${N} generated events (test/support/generate-events.ts, sorted by time over 48 h, 3 sites, 3 000 visitors) produced gzip in 1000-message sends to a 6-partition topic. ` +
        `(a) kafkajs eachBatch, count only, same fetch settings as the transform; (b) the rows as ${fastest} bytes encoded beforehand (the writer's encoding for this engine), ${INSERT_ROWS} rows per insert through the engine's fastest path (insertRaw), into a freshly ` +
        'migrated database (materialized views included; bare-table, TabSeparated and JSONEachRow figures alongside), new database per rep; medians of ' +
        `${REPS}. (c) startEventConsumer + createTransform with the default batch ${DEFAULTS.batchRows} rows / flush ${DEFAULTS.flushMs} ms, from the consumer's first ` +
        "fetch until the group committed everything (eachBatch processes; each partition's writes and commits run in a lane behind it); all rows verified in ClickHouse. (d) collector (Kafka mode) + transform consumer in one " +
        `process, ${FRESH_RATE} events/s as ${FRESH_BATCH}-event batches over HTTP for ${FRESH_SECONDS}s; visibility = first 100 ms poll that finds the id (upper bound, ≤ 0.1 s late). ` +
        `Kafka: ${process.env.KAFKA_BROKERS ? 'KAFKA_BROKERS' : 'one local KRaft broker'}; chDB embedded. Shared 2-core VM: 1-min load average ${loadAtStart.toFixed(2)} at start, ` +
        `${(os.loadavg()[0] ?? 0).toFixed(2)} at end.${profileNote}`,
    )
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err))
  } finally {
    await teardown.run()
  }
  if (failure) {
    progress(
      `FAILED: ${failure instanceof DataFailure ? 'data check: ' : ''}${failure.stack ?? failure.message}`,
    )
    process.exitCode = 1
  }
}

await main()
