// kafkajs consumer group: batch → pipeline → ClickHouse → DLQ → commit. Offsets are committed only after
// the rows are in ClickHouse, so a crash replays at most the uncommitted tail — and the writer skips
// event ids it already stored. Each write carries a token naming its offsets, so that a write cut off
// inside the engine (rows in `events`, not yet in every rollup) is finished by the replay (see writer.ts).
// A ClickHouse outage holds the partition (heartbeating) until it is back.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { KafkaTopicsConfig } from '../infra/config.ts'
import { errorMessage } from '../infra/errors.ts'
import type { Logger } from '../infra/logger.ts'
import type { ArticleMessage } from '../ingest/contract/index.ts'
import type { Processor } from './outcome.ts'
import { articlesFromPageviews, createPageArticleMemo } from './page-articles.ts'
import { type EventRow, type EventWriter, kafkaToken, unfinishedKafkaWrites } from './writer.ts'

export interface EventConsumerOptions {
  kafka: Kafka
  topics: KafkaTopicsConfig
  groupId: string
  processEvent: Processor<EventRow>
  processContent: Processor<ArticleMessage>
  writer: EventWriter
  log: Logger
  metrics: Registry
  /** Partitions processed at the same time by this worker. */
  partitionsConcurrently?: number
  /** Rows per ClickHouse insert (and per commit). */
  chunkRows?: number
  /** Flush latency: the longest the broker waits to fill a fetch. */
  maxWaitMs?: number
  /** Flush size: bytes the broker tries to gather per partition before answering. */
  minBytes?: number
  maxBytesPerPartition?: number
  /**
   * Fault injection for crash tests: SIGKILL this process right after the N-th ClickHouse write and
   * before its offsets are committed — the worst moment to die.
   */
  crashAfterWrites?: number
  /** Back-off bounds while ClickHouse is unavailable. */
  retryMinMs?: number
  retryMaxMs?: number
}

export interface EventConsumer {
  /** Resolves once the consumer has joined its group. */
  readonly joined: Promise<void>
  /** Stops after the chunk in flight: written chunks are committed, nothing unwritten is. */
  stop(): Promise<void>
}

const DLQ_VALUE_MAX = 900 * 1024

function metricsFor(registry: Registry) {
  const get = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make()
  return {
    rows: get(
      'nhip_transform_rows_total',
      () =>
        new Counter({
          name: 'nhip_transform_rows_total',
          help: 'Messages by outcome: inserted, duplicate (replay skipped), dropped, dlq',
          labelNames: ['topic', 'outcome'] as const,
          registers: [registry],
        }),
    ),
    batchSeconds: get(
      'nhip_transform_batch_seconds',
      () =>
        new Histogram({
          name: 'nhip_transform_batch_seconds',
          help: 'Time to process, write and commit one chunk',
          labelNames: ['topic'] as const,
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [registry],
        }),
    ),
    lag: get(
      'nhip_transform_consumer_lag',
      () =>
        new Gauge({
          name: 'nhip_transform_consumer_lag',
          help: 'Messages behind the high watermark, per partition (after the last processed batch)',
          labelNames: ['topic', 'partition'] as const,
          registers: [registry],
        }),
    ),
    retries: get(
      'nhip_transform_write_retries_total',
      () =>
        new Counter({
          name: 'nhip_transform_write_retries_total',
          help: 'ClickHouse writes retried while the engine or server was unavailable',
          registers: [registry],
        }),
    ),
  }
}

/**
 * Joins the consumer group and processes `events` and `content` until stopped.
 * @example const consumer = await startEventConsumer({ kafka, topics, groupId: 'nhip-transform', ... })
 */
export async function startEventConsumer(opts: EventConsumerOptions): Promise<EventConsumer> {
  const { kafka, topics, writer, log } = opts
  const m = metricsFor(opts.metrics)
  const chunkRows = opts.chunkRows ?? 5000
  const retryMin = opts.retryMinMs ?? 250
  const retryMax = opts.retryMaxMs ?? 10_000

  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    maxWaitTimeInMs: opts.maxWaitMs ?? 500,
    minBytes: opts.minBytes ?? 1,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1_048_576,
    // A worker that died (or lost its coordinator and restarted as a new member) holds its partitions until the
    // coordinator expires its session: the group's stall after a coordinator kill is about this long. 15 s is
    // far above the gaps between our heartbeats (between chunks, and every second while a write is retried).
    sessionTimeout: 15_000,
    heartbeatInterval: 3000,
    // Short: kafkajs keeps asking a dead group coordinator by its cached node id until its retries run out, then
    // restarts the consumer, which finds the new coordinator by rejoining (~60 s stall with 10 retries of up to
    // 10 s). A restart replays from committed offsets, and the writes are idempotent.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 2000 },
  })
  const dlqProducer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  })
  await dlqProducer.connect()
  await consumer.connect()
  await consumer.subscribe({ topics: [topics.events, topics.content], fromBeginning: true })

  let joinedResolve: () => void = () => undefined
  const joined = new Promise<void>((resolve) => {
    joinedResolve = resolve
  })
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    log.info(
      { group: opts.groupId, member: e.payload.memberId, assignment: e.payload.memberAssignment },
      'joined consumer group',
    )
    joinedResolve()
  })

  /** Runs `write` until it succeeds, the consumer stops, or the partition is taken away. */
  async function withRetry<T>(
    what: string,
    payload: EachBatchPayload,
    write: () => Promise<T>,
  ): Promise<T | undefined> {
    let wait = retryMin
    for (;;) {
      try {
        return await write()
      } catch (err) {
        const retry = (err as { retry?: boolean }).retry !== false
        if (!retry) throw err
        if (!payload.isRunning() || payload.isStale()) return undefined
        m.retries.inc()
        log.warn(
          {
            err: errorMessage(err),
            topic: payload.batch.topic,
            partition: payload.batch.partition,
            retry_in_ms: wait,
          },
          `${what} failed; holding the partition without committing`,
        )
        const until = Date.now() + wait
        while (Date.now() < until && payload.isRunning() && !payload.isStale()) {
          await payload.heartbeat().catch(() => undefined)
          await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())))
        }
        wait = Math.min(wait * 2, retryMax)
      }
    }
  }

  let writes = 0
  const pageArticlesWritten = createPageArticleMemo()
  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload
    const isEvents = batch.topic === topics.events
    for (let i = 0; i < batch.messages.length; i += chunkRows) {
      if (!isRunning() || isStale()) return
      const started = process.hrtime.bigint()
      const chunk = batch.messages.slice(i, i + chunkRows)
      const last = chunk[chunk.length - 1]
      if (!last) return
      const rows: EventRow[] = []
      const articles: ArticleMessage[] = []
      const dead: Array<{ reason: string; offset: string; key: Buffer | null; value: Buffer | null }> = []
      let dropped = 0
      for (const msg of chunk) {
        const outcome = isEvents ? opts.processEvent(msg.value) : opts.processContent(msg.value)
        if (outcome.kind === 'ok') {
          if (isEvents) rows.push(outcome.value as EventRow)
          else articles.push(outcome.value as ArticleMessage)
        } else if (outcome.kind === 'dlq') {
          dead.push({ reason: outcome.reason, offset: msg.offset, key: msg.key, value: msg.value })
        } else dropped++
      }

      const written = await withRetry('ClickHouse write', payload, async () => {
        if (!isEvents) return { inserted: await writer.writeArticles(articles), duplicates: 0 }
        const head = chunk[0] ?? last
        const first = head.offset
        const r = await writer.writeEvents(rows, {
          token: kafkaToken(batch.topic, batch.partition, first, last.offset, head.timestamp),
          mayBeUnfinished: unfinishedKafkaWrites(batch.topic, batch.partition, first),
        })
        const pageArticles = pageArticlesWritten.unwritten(articlesFromPageviews(rows))
        await writer.writeArticles(pageArticles)
        pageArticlesWritten.written(pageArticles)
        return r
      })
      if (written === undefined) return
      if (written.repaired)
        log.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            offset: chunk[0]?.offset,
            rows: written.repaired,
          },
          'finished an interrupted earlier write: its stored rows were sent again so every rollup has them',
        )
      writes++
      if (opts.crashAfterWrites !== undefined && writes >= opts.crashAfterWrites) {
        log.warn({ writes }, 'fault injection: killing the worker after a write, before its commit')
        process.kill(process.pid, 'SIGKILL')
      }
      if (dead.length) {
        const sent = await withRetry('dead-letter produce', payload, () =>
          dlqProducer.send({
            topic: topics.eventsDlq,
            acks: -1,
            messages: dead.map((d) => {
              const value = d.value ?? Buffer.alloc(0)
              return {
                key: d.key,
                value: value.length > DLQ_VALUE_MAX ? value.subarray(0, DLQ_VALUE_MAX) : value,
                headers: {
                  'nhip-reason': d.reason,
                  'nhip-source': `${batch.topic}:${batch.partition}:${d.offset}`,
                  'nhip-original-bytes': String(value.length),
                  ...(value.length > DLQ_VALUE_MAX ? { 'nhip-truncated': 'true' } : {}),
                },
              }
            }),
          }),
        )
        if (sent === undefined) return
        for (const d of dead)
          log.warn(
            { topic: batch.topic, partition: batch.partition, offset: d.offset, reason: d.reason },
            'message dead-lettered',
          )
      }
      const next = (BigInt(last.offset) + 1n).toString()
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }])
      payload.resolveOffset(last.offset)
      await heartbeat()

      m.rows.inc({ topic: batch.topic, outcome: 'inserted' }, written.inserted)
      m.rows.inc({ topic: batch.topic, outcome: 'duplicate' }, written.duplicates)
      m.rows.inc({ topic: batch.topic, outcome: 'dropped' }, dropped)
      m.rows.inc({ topic: batch.topic, outcome: 'dlq' }, dead.length)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      m.batchSeconds.observe({ topic: batch.topic }, seconds)
      const lag = Number(batch.highWatermark) - 1 - Number(last.offset)
      m.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag))
      log.debug(
        {
          topic: batch.topic,
          partition: batch.partition,
          batch_size: chunk.length,
          inserted: written.inserted,
          duplicates: written.duplicates,
          dlq: dead.length,
          lag,
          duration_ms: Math.round(seconds * 1000),
        },
        'batch written',
      )
    }
  }

  // Several partitions at once: one partition's pipeline CPU overlaps another's ClickHouse round-trip.
  // Safe because a reader's events (and a retried event id) always share a partition, so the duplicate
  // check and the session state never race across partitions.
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 3,
    eachBatch,
  })
  return {
    joined,
    async stop() {
      await consumer.stop()
      await consumer.disconnect()
      await dlqProducer.disconnect()
    },
  }
}
