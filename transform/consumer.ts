// kafkajs consumer group: batch → pipeline → ClickHouse → DLQ → commit. Offsets are committed only after
// the rows are in ClickHouse, so a crash replays at most the uncommitted tail — and the writer skips
// event ids it already stored. Each write carries a token naming its offsets, so that a write cut off
// inside the engine (rows in `events`, not yet in every rollup) is finished by the replay (see writer.ts).
// A ClickHouse outage holds the partition (heartbeating) until it is back.
//
// Writes run in a lane per partition, behind the processing: eachBatch turns a chunk into rows, queues its write
// (write → dead letters → commit, in offset order) and goes on, so kafkajs fetches the next round while the
// engine is still writing this one (kafkajs waits for every eachBatch of a fetch before it fetches again, and
// the last write of a round used to leave the JavaScript thread idle). A lane holds at most
// {@link LANE_DEPTH} chunks; a write that fails for good empties its lane and seeks the partition back to that
// chunk's first offset, so nothing after it is committed and the messages are read again.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs'
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
  /**
   * Stops after the writes in flight: written chunks are committed, nothing unwritten is (a write that is failing
   * is abandoned at its next retry, and the chunks queued behind it are not written).
   */
  stop(): Promise<void>
}

const DLQ_VALUE_MAX = 900 * 1024
/** Chunks a partition's lane holds (one being written, the rest waiting): bounds the rows kept in memory. */
const LANE_DEPTH = 2
/** Messages processed between turns of the event loop. */
const YIELD_EVERY = 1000

/** The writes of one partition, in offset order. */
interface Lane {
  /** Settles when the last queued write has finished (written and committed, or given up); never rejects. */
  tail: Promise<void>
  /** Chunks queued and not finished. */
  queued: number
  /** Set when a write gave up: later queued writes are skipped until the lane is empty again. */
  failed: boolean
}

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
        if (stopping || !payload.isRunning() || payload.isStale()) return undefined
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
        while (Date.now() < until && !stopping && payload.isRunning() && !payload.isStale()) {
          await payload.heartbeat().catch(() => undefined)
          await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())))
        }
        wait = Math.min(wait * 2, retryMax)
      }
    }
  }

  let writes = 0
  let stopping = false
  const pageArticlesWritten = createPageArticleMemo()
  const lanes = new Map<string, Lane>()
  /** Settles when the chunk being processed is done (see eachBatch). */
  let processing: Promise<void> = Promise.resolve()

  interface Chunk {
    rows: EventRow[]
    articles: ArticleMessage[]
    dead: Array<{ reason: string; offset: string; key: Buffer | null; value: Buffer | null }>
    dropped: number
    first: KafkaMessage
    last: KafkaMessage
    size: number
    started: bigint
  }

  /** Writes one processed chunk, sends its dead letters, commits its offsets; false when it gave up. */
  async function writeChunk(payload: EachBatchPayload, c: Chunk): Promise<boolean> {
    const { batch } = payload
    const isEvents = batch.topic === topics.events
    const written = await withRetry('ClickHouse write', payload, async () => {
      if (!isEvents) return { inserted: await writer.writeArticles(c.articles), duplicates: 0 }
      const r = await writer.writeEvents(c.rows, {
        token: kafkaToken(batch.topic, batch.partition, c.first.offset, c.last.offset, c.first.timestamp),
        mayBeUnfinished: unfinishedKafkaWrites(batch.topic, batch.partition, c.first.offset),
      })
      const pageArticles = pageArticlesWritten.unwritten(articlesFromPageviews(c.rows))
      await writer.writeArticles(pageArticles)
      pageArticlesWritten.written(pageArticles)
      return r
    })
    if (written === undefined) return false
    if (written.repaired)
      log.warn(
        { topic: batch.topic, partition: batch.partition, offset: c.first.offset, rows: written.repaired },
        'finished an interrupted earlier write: its stored rows were sent again so every rollup has them',
      )
    writes++
    if (opts.crashAfterWrites !== undefined && writes >= opts.crashAfterWrites) {
      log.warn({ writes }, 'fault injection: killing the worker after a write, before its commit')
      process.kill(process.pid, 'SIGKILL')
    }
    if (c.dead.length) {
      const sent = await withRetry('dead-letter produce', payload, () =>
        dlqProducer.send({
          topic: topics.eventsDlq,
          acks: -1,
          messages: c.dead.map((d) => {
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
      if (sent === undefined) return false
      for (const d of c.dead)
        log.warn(
          { topic: batch.topic, partition: batch.partition, offset: d.offset, reason: d.reason },
          'message dead-lettered',
        )
    }
    const next = (BigInt(c.last.offset) + 1n).toString()
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }])

    m.rows.inc({ topic: batch.topic, outcome: 'inserted' }, written.inserted)
    m.rows.inc({ topic: batch.topic, outcome: 'duplicate' }, written.duplicates)
    m.rows.inc({ topic: batch.topic, outcome: 'dropped' }, c.dropped)
    m.rows.inc({ topic: batch.topic, outcome: 'dlq' }, c.dead.length)
    const seconds = Number(process.hrtime.bigint() - c.started) / 1e9
    m.batchSeconds.observe({ topic: batch.topic }, seconds)
    const lag = Number(batch.highWatermark) - 1 - Number(c.last.offset)
    m.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag))
    log.debug(
      {
        topic: batch.topic,
        partition: batch.partition,
        batch_size: c.size,
        inserted: written.inserted,
        duplicates: written.duplicates,
        dlq: c.dead.length,
        lag,
        duration_ms: Math.round(seconds * 1000),
      },
      'batch written',
    )
    return true
  }

  /** Queues a chunk's write in its partition's lane; resolves once the lane has room for another chunk. */
  async function enqueue(payload: EachBatchPayload, lane: Lane, c: Chunk): Promise<void> {
    const { batch } = payload
    // Stopping: stop() waits for the writes queued so far; this chunk stays uncommitted, read again next time.
    if (stopping) return
    lane.queued++
    lane.tail = lane.tail.then(async () => {
      try {
        // Behind a write that gave up, or from a batch a seek has made stale: read again, never committed here.
        if (lane.failed || payload.isStale()) return
        let done = false
        try {
          done = await writeChunk(payload, c)
        } catch (err) {
          log.error(
            {
              err: errorMessage(err),
              topic: batch.topic,
              partition: batch.partition,
              offset: c.first.offset,
            },
            'write or commit failed; the partition is read again from this chunk, nothing after it is committed',
          )
        }
        if (!done) {
          lane.failed = true
          // Read the partition again from this chunk (unless stopping: the next owner starts at the commit).
          if (!stopping && payload.isRunning() && !payload.isStale()) {
            try {
              consumer.seek({ topic: batch.topic, partition: batch.partition, offset: c.first.offset })
            } catch (err) {
              // Nothing was committed past this chunk: the partition's next reader starts at or before it.
              log.warn(
                { err: errorMessage(err), topic: batch.topic, partition: batch.partition },
                'seek failed',
              )
            }
          }
        }
      } finally {
        lane.queued--
        if (lane.queued === 0) lane.failed = false
      }
    })
    while (lane.queued >= LANE_DEPTH) {
      // Heartbeats while the lane is full: a write held by a ClickHouse outage can last long.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([lane.tail, new Promise((r) => (timer = setTimeout(r, 1000)))])
      clearTimeout(timer)
      await payload.heartbeat().catch(() => undefined)
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload
    const isEvents = batch.topic === topics.events
    const key = `${batch.topic}:${batch.partition}`
    let lane = lanes.get(key)
    if (!lane) {
      lane = { tail: Promise.resolve(), queued: 0, failed: false }
      lanes.set(key, lane)
    }
    for (let i = 0; i < batch.messages.length; i += chunkRows) {
      // A lane that gave up has sought its partition back: this batch is stale (kafkajs fetches it again).
      if (stopping || !isRunning() || isStale() || lane.failed) return
      const started = process.hrtime.bigint()
      const chunk = batch.messages.slice(i, i + chunkRows)
      const first = chunk[0]
      const last = chunk[chunk.length - 1]
      if (!first || !last) return
      const c: Chunk = {
        rows: [],
        articles: [],
        dead: [],
        dropped: 0,
        first,
        last,
        size: chunk.length,
        started,
      }
      // One chunk is processed at a time, whichever partition it is from: chunks finish one after another and
      // the engine gets each one's write while the next is processed (interleaved, they would finish together
      // and the engine would idle until then).
      const previous = processing
      let done: () => void = () => undefined
      processing = new Promise<void>((resolve) => {
        done = resolve
      })
      await previous
      try {
        // The turn may have taken a while: a chunk the partition will read again is not processed (its events
        // would pass through the session state twice).
        if (stopping || !isRunning() || isStale() || lane.failed) return
        for (let j = 0; j < chunk.length; j++) {
          // Turns of the event loop between slices: the writes of other chunks go on (each of their steps
          // waits for a turn, and a 20 000-message chunk holds the thread for ~0.5 s).
          if (j % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r))
          const msg = chunk[j] as KafkaMessage
          const outcome = isEvents ? opts.processEvent(msg.value) : opts.processContent(msg.value)
          if (outcome.kind === 'ok') {
            if (isEvents) c.rows.push(outcome.value as EventRow)
            else c.articles.push(outcome.value as ArticleMessage)
          } else if (outcome.kind === 'dlq') {
            c.dead.push({ reason: outcome.reason, offset: msg.offset, key: msg.key, value: msg.value })
          } else c.dropped++
        }
      } finally {
        done()
      }
      await enqueue(payload, lane, c)
      // The next fetch starts after this chunk; what is committed is decided by the lane, after the write.
      payload.resolveOffset(last.offset)
      await heartbeat()
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
      // Writes in flight finish and commit while the consumer is still a group member; a failing one gives up.
      stopping = true
      await Promise.all([...lanes.values()].map((lane) => lane.tail))
      await consumer.stop()
      await consumer.disconnect()
      await dlqProducer.disconnect()
    },
  }
}
