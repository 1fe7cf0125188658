// Composes the collector: sites registry, edge enrichment, the on-disk spool and the sink (Kafka, or the
// in-process pipeline in embedded mode), and the HTTP app. Used by `nhip start` / `nhip serve` and the tests.
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Kafka } from 'kafkajs'
import type { Registry } from 'prom-client'
import { Counter, Gauge } from 'prom-client'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import type { KafkaTopicsConfig } from '../infra/config.ts'
import type { KafkaSettings } from '../infra/kafka/client.ts'
import type { Logger } from '../infra/logger.ts'
import { openEdgeEnrichment } from './edge-enrichment.ts'
import {
  type CollectorLimits,
  createCollectorApp,
  type EdgeEnrichment,
  type HealthCheck,
} from './http/app.ts'
import { createThreadedKafkaDelivery } from './kafka/delivery-thread.ts'
import { createKafkaDelivery, type SentStats } from './kafka/kafka-deliver.ts'
import type { KafkaSockets } from './kafka/kafka-sockets.ts'
import { createEventSink, type Deliver, type EventSink } from './kafka/sink.ts'
import { openSpool } from './kafka/spool.ts'
import { DEFAULT_SHUTDOWN_FLUSH_MS, stopCollector } from './kafka/stop-collector.ts'
import { createSiteRegistry, listSites, type SiteRegistry } from './sites/sites.ts'
import { buildTracker } from './tracker/build.ts'

/**
 * Kafka mode. With `settings` (what `nhip serve` uses) the producers run on a thread of their own
 * (delivery-thread.ts); with a `kafka` client they run on the HTTP thread. `producers`: idempotent producers the
 * records are sharded over by key.
 */
export type CollectorKafka = { topics: KafkaTopicsConfig; producers?: number } & (
  | { settings: KafkaSettings }
  | { kafka: Kafka; sockets?: KafkaSockets }
)

export interface CollectorOptions {
  ch: ClickHouse
  log: Logger
  metrics: Registry
  dataDir: string
  spoolMaxBytes: number
  trackerPath: string
  /**
   * Kafka mode: events go to these topics (spooled while Kafka is down). `sockets`: the tracker whose
   * `socketFactory` built `kafka`, so stopping destroys connections kafkajs left open.
   */
  kafka?: CollectorKafka
  /** How long stopping keeps handing the spool to Kafka before leaving the rest for the next start. */
  shutdownFlushMs?: number
  /** Embedded mode: batches go through the spool into this in-process delivery (the transform pipeline). */
  deliverInProcess?: Deliver
  health?: Record<string, HealthCheck>
  limits?: Partial<CollectorLimits>
  metricsToken?: string
  trustProxy?: boolean
  siteRefreshMs?: number
  /** Replaces the real edge enrichment (only for tests that pin the clock). */
  edge?: EdgeEnrichment
  /** Serve HTTPS with this PEM certificate and key. */
  https?: { cert: string | Buffer; key: string | Buffer }
}

export interface Collector {
  app: FastifyInstance
  sink: EventSink
  sites: SiteRegistry
  /** Kafka mode: produce requests acknowledged so far, their records and summed duration (ms). */
  kafkaStats(): SentStats
  close(): Promise<void>
}

/** The topic names the in-process delivery dispatches on in embedded mode. */
export const EMBEDDED_TOPICS = { events: 'events', content: 'content' } as const

/**
 * @example const collector = await createCollector({ ch, log, metrics, dataDir, ..., kafka: { kafka, topics } })
 *          await collector.app.listen({ port: 8787 })
 */
export async function createCollector(opts: CollectorOptions): Promise<Collector> {
  const { ch, log, metrics } = opts
  if (!opts.kafka && !opts.deliverInProcess)
    throw new Error('createCollector needs kafka or deliverInProcess')
  const sites = await createSiteRegistry(() => listSites(ch), {
    refreshMs: opts.siteRefreshMs ?? 10_000,
    onError: (err) => log.error({ err }, 'site registry refresh failed; serving the last known sites'),
  })
  const edge = opts.edge ?? (await openEdgeEnrichment(ch))
  const spool = await openSpool({
    dir: path.join(opts.dataDir, 'spool'),
    maxBytes: opts.spoolMaxBytes,
    fsync: 'batch',
    log: log.child({ component: 'spool' }),
  })
  const k = opts.kafka
  const delivery = !k
    ? undefined
    : 'settings' in k
      ? createThreadedKafkaDelivery({
          settings: k.settings,
          log,
          ...(k.producers ? { producers: k.producers } : {}),
        })
      : createKafkaDelivery(k.kafka, {
          ...(k.sockets ? { sockets: k.sockets } : {}),
          ...(k.producers ? { producers: k.producers } : {}),
        })
  const kafkaStats = (): SentStats => delivery?.stats() ?? { sends: 0, records: 0, ms: 0 }
  // Producers connect now, so the first readers' requests neither wait for nor fail at the producer handshake.
  // Not awaited: a collector starts (and spools) while Kafka is down.
  delivery
    ?.connect()
    .catch((err: unknown) =>
      log.warn({ err }, 'Kafka producers could not connect at start; events are spooled until Kafka answers'),
    )
  const deliver = delivery?.deliver ?? opts.deliverInProcess
  if (!deliver) throw new Error('no delivery')
  new Gauge({
    name: 'nhip_collector_spool_records',
    help: 'Accepted records waiting in the on-disk spool',
    registers: [metrics],
    collect() {
      this.set(spool.stats.records)
    },
  })
  new Counter({
    name: 'nhip_collector_kafka_produce_requests_total',
    help: 'Produce requests Kafka acknowledged (acks=-1); records per request = records_total / this',
    registers: [metrics],
    collect() {
      this.reset()
      this.inc(kafkaStats().sends)
    },
  })
  new Counter({
    name: 'nhip_collector_kafka_records_total',
    help: 'Records in the produce requests Kafka acknowledged',
    registers: [metrics],
    collect() {
      this.reset()
      this.inc(kafkaStats().records)
    },
  })
  const sink = createEventSink({
    spool,
    deliver,
    direct: Boolean(opts.kafka),
    log: log.child({ component: 'sink' }),
  })
  const tracker = await buildTracker()
  log.info(
    {
      tracker_path: opts.trackerPath,
      tracker_gzip_bytes: tracker.gzipBytes,
      widget_gzip_bytes: tracker.widget.gzipBytes,
    },
    'tracker built',
  )
  const app = createCollectorApp({
    metrics,
    log,
    health: opts.health ?? {},
    sites,
    sink,
    topics: opts.kafka
      ? { events: opts.kafka.topics.events, content: opts.kafka.topics.content }
      : EMBEDDED_TOPICS,
    edge,
    ...(opts.limits ? { limits: opts.limits } : {}),
    tracker: { path: opts.trackerPath, code: tracker.code, widget: tracker.widget.code },
    ...(opts.metricsToken ? { metricsToken: opts.metricsToken } : {}),
    trustProxy: opts.trustProxy ?? false,
    ...(opts.https ? { https: opts.https } : {}),
  })
  return {
    app,
    sink,
    sites,
    kafkaStats,
    async close() {
      try {
        const flushMs = opts.shutdownFlushMs ?? DEFAULT_SHUTDOWN_FLUSH_MS
        await stopCollector({ app, sink, spool, delivery, log, flushMs })
      } finally {
        sites.close()
        if ('close' in edge && typeof edge.close === 'function') (edge as { close(): void }).close()
      }
    },
  }
}
