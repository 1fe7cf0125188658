// Kafka delivery for the sink: idempotent kafkajs producers, acks from all in-sync replicas, gzip.
//
// An idempotent producer allows one request in flight, so one producer serialises every produce round trip of
// the collector. Records are therefore sharded by message key over a few producers (one reader's key always
// maps to the same producer, so one reader's events stay in order), and each producer group-commits: records
// that arrive while its send is in flight leave together in its next send.
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import kafkajs, { CompressionTypes, type Kafka, type Producer } from 'kafkajs'
import { AppError } from '../../infra/errors.ts'
import { createKafka, type KafkaSettings } from '../../infra/kafka/client.ts'
import type { Logger } from '../../infra/logger.ts'
import { createKafkaSockets, type KafkaSockets } from './kafka-sockets.ts'
import type { Deliver, OutRecord } from './sink.ts'

const MAX_RECORDS_PER_SEND = 5000
/**
 * Producers per collector process. More keeps more Produce requests in flight, fewer makes each carry more
 * records (less work per record for kafkajs and the broker). bench:collector on the 2-core VM, producers on
 * their own thread: 2 producers 8.7 k single events/s and 58 k batched, 4 producers 7.1 k and 45 k, 1 producer
 * 4.0 k (one round trip at a time cannot keep up with single-event requests).
 */
export const DEFAULT_PRODUCERS = 2

/** Default bound of {@link KafkaDelivery.close}: a healthy acks=-1 send finishes far sooner. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000

// The collector's producer fails fast when Kafka goes away, so requests spool within a second or two instead
// of waiting out kafkajs's default reconnect back-off (8–30 s without an answer, seen in the chaos drills);
// the spool's drainer retries on its own schedule until Kafka is back.
export const COLLECTOR_KAFKA_RETRY = { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 }

/**
 * The collector's kafkajs client: fail-fast retries, and its sockets tracked so that stopping destroys any
 * connection kafkajs reopened after its producers disconnected (one such socket kept `nhip serve` alive after
 * SIGTERM in the leader-failover drill).
 * @example const { kafka, sockets } = createCollectorKafka(config.kafka, log)
 */
export function createCollectorKafka(
  settings: KafkaSettings,
  log: Logger,
): { kafka: Kafka; sockets: KafkaSockets } {
  const sockets = createKafkaSockets()
  const kafka = createKafka(settings, log, {
    retry: COLLECTOR_KAFKA_RETRY,
    socketFactory: sockets.socketFactory,
  })
  return { kafka, sockets }
}

/** Produce requests Kafka acknowledged, the records they carried and their summed duration in ms. */
export interface SentStats {
  sends: number
  records: number
  ms: number
}

/** `deliver` after `close`: nothing was sent; the caller keeps the records (spool) and retries after a restart. */
export class KafkaDeliveryClosedError extends AppError {
  constructor() {
    super('KAFKA_DELIVERY_CLOSED', 'the Kafka delivery is closed; records stay in the spool', { retry: true })
  }
}

/** What `close` found: whether the sends in flight settled in time, and sockets it had to destroy. */
export interface KafkaDeliveryClosed {
  /** False when sends or disconnects were still running at the deadline (they were cut off). */
  settled: boolean
  /** Sockets still open after the producers disconnected (destroyed); only counted with `sockets`. */
  socketsDestroyed: number
}

export interface KafkaDelivery {
  deliver: Deliver
  /**
   * Connects the producers ahead of the first records, so the first reader's request does not wait for (or,
   * on a broker still starting, fail at) InitProducerId. Resolves when all are connected; a producer that could
   * not connect is connected again at its next send.
   */
  connect(): Promise<void>
  /** What the producers have had acknowledged so far (a fresh object each call). */
  stats(): SentStats
  /**
   * Stops taking records (later `deliver` calls reject with {@link KafkaDeliveryClosedError}; queued ones too),
   * waits up to `timeoutMs` for the sends in flight and the producers' disconnect, then destroys what is left
   * of the client's sockets. A send cut off this way rejects, so its caller keeps the records.
   */
  close(opts?: { timeoutMs?: number }): Promise<KafkaDeliveryClosed>
}

export interface KafkaDeliveryOptions {
  compression?: boolean
  /** Idempotent producers that records are sharded over by key. Default {@link DEFAULT_PRODUCERS}. */
  producers?: number
  /**
   * The sockets of `kafka` (created with `sockets.socketFactory`): `close` destroys any that kafkajs left open,
   * so a stopped collector exits even when kafkajs reconnected a broker after its disconnect.
   */
  sockets?: KafkaSockets
}

/** FNV-1a of the key: a stable shard per reader (the same key always takes the same producer). */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % shards
}

const gzip = promisify(zlib.gzip)
const unzip = promisify(zlib.unzip)
// kafkajs gzips at zlib's default level 6. On event JSON, level 1 is ~3.5× faster for ~5 % more bytes
// (measured: 682 kB of events, 27 ms → 7.7 ms; ratio 0.071 → 0.075), and the collector is CPU-bound.
// Any gzip level decompresses the same way, so consumers need nothing. The codec table is kafkajs-global.
const FAST_GZIP_LEVEL = 1
const INLINE_GZIP_MAX_BYTES = 64 * 1024
let fastGzip = false
function useFastGzip(): void {
  if (fastGzip) return
  fastGzip = true
  // A CommonJS export that Node's ESM loader does not expose by name.
  kafkajs.CompressionCodecs[CompressionTypes.GZIP] = () => ({
    // Small record batches (the common case: a few readers' events) are gzipped inline: node's async gzip
    // builds a zlib stream per call, whose JS machinery cost ~12 % of the collector's CPU on 4 KB batches
    // (profile of bench:collector, single events), more than compressing them takes.
    compress: (encoder: { buffer: Buffer }) =>
      encoder.buffer.length <= INLINE_GZIP_MAX_BYTES
        ? Promise.resolve(zlib.gzipSync(encoder.buffer, { level: FAST_GZIP_LEVEL }))
        : gzip(encoder.buffer, { level: FAST_GZIP_LEVEL }),
    decompress: (buffer: Buffer) => unzip(buffer),
  })
}

interface Shard {
  deliver(records: OutRecord[]): Promise<void>
  /** Connects the producer now (InitProducerId, metadata) instead of at the first send. */
  connect(): Promise<void>
  /** Rejects what waits, lets the send in flight finish, disconnects. */
  close(): Promise<void>
}

function createShard(kafka: Kafka, compression: CompressionTypes, sent: SentStats): Shard {
  let producer: Producer | undefined
  let connecting: Promise<Producer> | undefined
  let closed = false

  async function connected(): Promise<Producer> {
    if (producer) return producer
    connecting ??= (async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Fail fast: a send that cannot complete goes to the spool instead of holding the reader's request.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      })
      try {
        await p.connect()
      } catch (err) {
        // A connect that failed half-way (seed broker reached, InitProducerId or metadata not) leaves sockets
        // open; an abandoned producer would hold them for the life of the process.
        await p.disconnect().catch(() => undefined)
        throw err
      } finally {
        connecting = undefined
      }
      if (closed) {
        await p.disconnect().catch(() => undefined)
        throw new KafkaDeliveryClosedError()
      }
      producer = p
      return p
    })()
    return connecting
  }

  async function sendNow(records: OutRecord[]): Promise<void> {
    const p = await connected()
    const byTopic = new Map<string, Array<{ key: string; value: Buffer }>>()
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? []
      list.push({ key: r.key, value: r.value })
      byTopic.set(r.topic, list)
    }
    const started = performance.now()
    try {
      await p.sendBatch({
        acks: -1,
        compression,
        timeout: 10_000,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      })
      sent.sends++
      sent.records += records.length
      sent.ms += performance.now() - started
    } catch (err) {
      // A producer that failed may hold a broken connection; start afresh next time.
      producer = undefined
      await p.disconnect().catch(() => undefined)
      throw err
    }
  }

  // Group commit: every caller still resolves only when its records are acknowledged (or rejects with the
  // send's error, and then spools them).
  let inFlight: Promise<void> | undefined
  let waiting: Array<{ records: OutRecord[]; resolve: () => void; reject: (err: unknown) => void }> = []

  async function pump(): Promise<void> {
    while (waiting.length && !closed) {
      // Bound one produce request (the broker caps a record batch per partition, 1 MiB by default).
      let n = 0
      let take = 0
      while (
        take < waiting.length &&
        (take === 0 || n + (waiting[take]?.records.length ?? 0) <= MAX_RECORDS_PER_SEND)
      ) {
        n += waiting[take]?.records.length ?? 0
        take++
      }
      const group = waiting.slice(0, take)
      waiting = waiting.slice(take)
      try {
        await sendNow(group.flatMap((g) => g.records))
        for (const g of group) g.resolve()
      } catch (err) {
        for (const g of group) g.reject(err)
      }
    }
    inFlight = undefined
  }

  return {
    async connect() {
      if (!closed) await connected()
    },
    deliver(records) {
      if (closed) return Promise.reject(new KafkaDeliveryClosedError())
      return new Promise<void>((resolve, reject) => {
        waiting.push({ records, resolve, reject })
        inFlight ??= pump()
      })
    },
    async close() {
      closed = true
      const queued = waiting
      waiting = []
      for (const w of queued) w.reject(new KafkaDeliveryClosedError())
      await inFlight
      await connecting?.catch(() => undefined)
      await producer?.disconnect()
      producer = undefined
    },
  }
}

/** Resolves true when `work` settled within `ms`, false otherwise (`work` goes on; its outcome is ignored). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Creates the producers lazily (a broker that is down at start only means spooling until it is back).
 * `deliver` resolves when every record is acknowledged by Kafka; it rejects when any shard failed (the caller
 * spools the whole call, so a record may reach Kafka twice — the transform deduplicates by event_id).
 * @example const { deliver, close } = createKafkaDelivery(kafka, { producers: 4, sockets })
 */
export function createKafkaDelivery(kafka: Kafka, opts: KafkaDeliveryOptions = {}): KafkaDelivery {
  const compression = opts.compression === false ? CompressionTypes.None : CompressionTypes.GZIP
  useFastGzip()
  const count = Math.max(1, Math.floor(opts.producers ?? DEFAULT_PRODUCERS))
  const sent: SentStats = { sends: 0, records: 0, ms: 0 }
  const shards = Array.from({ length: count }, () => createShard(kafka, compression, sent))

  return {
    async deliver(records: OutRecord[]) {
      if (count === 1 || records.length === 0) return (shards[0] as Shard).deliver(records)
      // The common case: one browser batch carries one reader's key, so one shard.
      const first = shardOf(records[0]?.key ?? '', count)
      if (records.every((r) => r.key === records[0]?.key)) return (shards[first] as Shard).deliver(records)
      const parts: OutRecord[][] = Array.from({ length: count }, () => [])
      for (const r of records) parts[shardOf(r.key, count)]?.push(r)
      const results = await Promise.allSettled(
        parts.map((p, i) => (p.length ? (shards[i] as Shard).deliver(p) : undefined)),
      )
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
    },
    async connect() {
      await Promise.all(shards.map((s) => s.connect()))
    },
    stats: () => ({ ...sent }),
    async close(closeOpts = {}) {
      const settled = await settlesWithin(
        Promise.all(shards.map((s) => s.close())),
        closeOpts.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
      )
      // Whatever kafkajs still holds open now (a send cut off at the deadline, or a broker it reconnected
      // after disconnect) is destroyed: the send rejects and its caller keeps the records.
      return { settled, socketsDestroyed: opts.sockets?.destroyAll() ?? 0 }
    },
  }
}
