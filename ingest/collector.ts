// Composes the collector: sites registry, edge enrichment, the on-disk spool and the sink (Kafka, or the
// in-process pipeline in embedded mode), and the HTTP app. Used by `nhip start` / `nhip serve` and the tests.
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Kafka } from 'kafkajs'
import type { Registry } from 'prom-client'
import { Gauge } from 'prom-client'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import type { KafkaTopicsConfig } from '../infra/config.ts'
import type { Logger } from '../infra/logger.ts'
import { openEdgeEnrichment } from './edge-enrichment.ts'
import { type CollectorLimits, createCollectorApp, type EdgeEnrichment, type HealthCheck } from './http/app.ts'
import { createKafkaDelivery } from './kafka/kafka-deliver.ts'
import type { KafkaSockets } from './kafka/kafka-sockets.ts'
import { createEventSink, type Deliver, type EventSink } from './kafka/sink.ts'
import { openSpool } from './kafka/spool.ts'
import { DEFAULT_SHUTDOWN_FLUSH_MS, stopCollector } from './kafka/stop-collector.ts'
import { createSiteRegistry, listSites, type SiteRegistry } from './sites/sites.ts'
import { buildTracker } from './tracker/build.ts'

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
  kafka?: { kafka: Kafka; topics: KafkaTopicsConfig; sockets?: KafkaSockets }
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
  if (!opts.kafka && !opts.deliverInProcess) throw new Error('createCollector needs kafka or deliverInProcess')
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
  const delivery = opts.kafka
    ? createKafkaDelivery(opts.kafka.kafka, opts.kafka.sockets ? { sockets: opts.kafka.sockets } : {})
    : undefined
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
  const sink = createEventSink({ spool, deliver, direct: Boolean(opts.kafka), log: log.child({ component: 'sink' }) })
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
    topics: opts.kafka ? { events: opts.kafka.topics.events, content: opts.kafka.topics.content } : EMBEDDED_TOPICS,
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
