// `nhip start | serve | transform`: the platform on one machine, or one of its roles.
// Embedded (no KAFKA_BROKERS): collector → on-disk spool → in-process pipeline → ClickHouse.
// Kafka: collector → Kafka (spool while it is down); transform consumer group → ClickHouse.
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { registerAdminSql } from '../../infra/admin-sql.ts'
import { adminSqlOpenApi } from '../../infra/admin-sql-openapi.ts'
import { KafkaUnavailableError } from '../../infra/errors.ts'
import { checkKafka, createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createMetricsRegistry } from '../../infra/metrics.ts'
import { type OpenApiFragment, registerOpenApi } from '../../infra/openapi.ts'
import { createCollector, EMBEDDED_TOPICS } from '../../ingest/collector.ts'
import { createCollectorApp } from '../../ingest/http/app.ts'
import { collectorOpenApi } from '../../ingest/http/openapi.ts'
import { adminJobsOpenApi, registerAdminJobs } from '../../jobs/admin-route.ts'
import { serveRecommendations } from '../../jobs/index.ts'
import { recommendationsOpenApi } from '../../jobs/recommend/openapi.ts'
import {
  createTransform,
  type EventConsumer,
  startEventConsumer,
  withOutageFile,
} from '../../transform/index.ts'
import { registerWebApp } from '../../web/app.ts'
import { webOpenApi } from '../../web/openapi.ts'
import { type Context, openMigrated } from '../context.ts'
import { jobOptionsFromConfig } from './jobs.ts'

export type Role = 'all' | 'collector' | 'transform'

export interface StartOptions {
  role?: Role
  /** Resolves when the service should stop (signals by default). */
  until?: Promise<unknown>
  /** Called once the HTTP service listens (the demo starts its live traffic then). */
  onListening?: (address: string, app: FastifyInstance) => void
  /** Replaces the start banner (the demo prints its own). */
  quiet?: boolean
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve(sig))
  })
}

/** Starts the requested role and blocks until a stop signal; stops in reverse order. */
export async function startCommand(ctx: Context, opts: StartOptions = {}): Promise<void> {
  const { config, log } = ctx
  const role = opts.role ?? 'all'
  const kafkaCfg = config.kafka
  if (role === 'transform' && !kafkaCfg) {
    throw new Error(
      'nhip transform needs KAFKA_BROKERS: in embedded mode `nhip start` runs the pipeline in-process',
    )
  }
  const kafka = kafkaCfg ? createKafka(kafkaCfg, log) : undefined
  if (kafkaCfg && kafka) {
    const reachable = await checkKafka(kafkaCfg, log, 10_000).catch((err: unknown) => {
      // A collector exists to ride out Kafka outages: (re)started during one, it serves and spools, and its
      // drainer delivers once Kafka is back (found by the chaos drill bench/chaos/collector-crash.ts). The
      // topics are then created by the next worker or collector start that reaches Kafka.
      if (role !== 'collector' || !(err instanceof KafkaUnavailableError)) throw err
      log.warn(
        { err: err.message, brokers: kafkaCfg.brokers },
        'Kafka unreachable at start; accepting events into the spool until it is back',
      )
      return undefined
    })
    if (reachable) {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await ensureTopics(admin, kafkaCfg.topics, log)
      } finally {
        await admin.disconnect()
      }
      log.info({ brokers: kafkaCfg.brokers, cluster_size: reachable.brokers }, 'kafka reachable')
    }
  }

  // Read before anything starts: a certificate that went missing since config was checked fails fast.
  const https = config.http.tls
    ? { cert: readFileSync(config.http.tls.certFile), key: readFileSync(config.http.tls.keyFile) }
    : undefined
  const ch = await openMigrated(ctx, `nhip ${role === 'all' ? 'start' : role}`)
  const metrics = createMetricsRegistry()
  const stops: Array<() => Promise<void>> = [() => ch.close()]
  try {
    const transform =
      role !== 'collector' || !kafkaCfg ? await createTransform({ ch, log, metrics }) : undefined
    if (transform) stops.unshift(async () => transform.close())

    let consumer: EventConsumer | undefined
    if (kafka && kafkaCfg && transform && role !== 'collector') {
      consumer = await startEventConsumer({
        kafka,
        topics: kafkaCfg.topics,
        groupId: config.transform.groupId,
        processEvent: transform.processEvent,
        processContent: transform.processContent,
        // Chaos drills only (NHIP_FAULT_CLICKHOUSE_DOWN_FILE): writes fail while that file exists.
        writer: config.transform.faultClickHouseDownFile
          ? withOutageFile(transform.writer, config.transform.faultClickHouseDownFile)
          : transform.writer,
        log: log.child({ component: 'transform' }),
        metrics,
        chunkRows: config.transform.batchRows,
        maxWaitMs: config.transform.flushMs,
        ...(config.transform.crashAfterWrites ? { crashAfterWrites: config.transform.crashAfterWrites } : {}),
      })
      const c = consumer
      stops.unshift(() => c.stop())
    }

    const health = {
      clickhouse: async () => {
        const r = await ch.client.ping()
        if (!r.success) throw r.error
      },
    }
    const collector =
      role === 'transform'
        ? undefined
        : await createCollector({
            ch,
            log: log.child({ component: 'collector' }),
            metrics,
            dataDir: config.dataDir,
            spoolMaxBytes: config.collector.spoolMaxBytes,
            trackerPath: config.collector.trackerPath,
            ...(kafka && kafkaCfg
              ? { kafka: { settings: kafkaCfg, topics: kafkaCfg.topics } }
              : {
                  deliverInProcess: (records, span) =>
                    transform
                      ? transform.deliverInProcess(records, EMBEDDED_TOPICS, span)
                      : Promise.reject(new Error('no transform')),
                }),
            health,
            limits: {
              ipRatePerSec: config.collector.ipRatePerSec,
              siteRatePerSec: config.collector.siteRatePerSec,
            },
            ...(config.http.metricsToken ? { metricsToken: config.http.metricsToken } : {}),
            trustProxy: config.http.trustProxy,
            ...(https ? { https } : {}),
          })
    if (collector) stops.unshift(() => collector.close())
    // GET /v1/recommendations for the sites' recommendation blocks (index refreshed from ClickHouse).
    const recs = collector
      ? await serveRecommendations(collector.app, {
          ch,
          sites: collector.sites,
          dataDir: config.dataDir,
          log,
        })
      : undefined
    if (recs) stops.unshift(async () => recs.close())
    // Editors' web app and the job scheduler (reports, housekeeping, models) live with the collector.
    const web =
      collector && role === 'all'
        ? registerWebApp(collector.app, {
            ch,
            log,
            dataDir: config.dataDir,
            scheduler: { jobOptions: jobOptionsFromConfig(config) },
          })
        : undefined

    // A transform-only worker still answers /healthz and /metrics (lag, rows/s, batch latency, DLQ).
    const opsApp = collector
      ? undefined
      : createCollectorApp({ metrics, health, log, ...(https ? { https } : {}) })
    if (opsApp) stops.unshift(() => opsApp.close())
    const lines: string[] = []
    let listeningAt: string | undefined
    if (opsApp) {
      registerOpenApi(opsApp, [collectorOpenApi({ ingest: false })])
      const address = await opsApp.listen({ host: config.http.host, port: config.http.port })
      lines.push(`  Health:     ${address}/healthz   Metrics: ${address}/metrics`)
    }
    if (collector) {
      // Embedded: `nhip sql` from another terminal runs through this process (it holds the engine).
      const admin =
        ch.kind === 'embedded' ? registerAdminSql(collector.app, { ch, dataDir: config.dataDir }) : undefined
      // …and so does `nhip jobs run`, under the service's scheduler (same leases and run records).
      if (admin && web)
        registerAdminJobs(collector.app, {
          authorize: admin.authorize,
          scheduler: () => web.scheduler(),
          log,
        })
      // One line per surface: a new route module adds its fragment here (the OpenAPI test checks both ways).
      const described: OpenApiFragment[] = [
        collectorOpenApi({ trackerPath: config.collector.trackerPath }),
        ...(role === 'all' ? [webOpenApi] : []),
        ...(admin ? [adminSqlOpenApi] : []),
        ...(admin && web ? [adminJobsOpenApi] : []),
        ...(recs ? [recommendationsOpenApi()] : []),
      ]
      registerOpenApi(collector.app, described)
      const address = await collector.app.listen({ host: config.http.host, port: config.http.port })
      listeningAt = address
      if (admin) {
        admin.publish(address)
        stops.unshift(async () => admin.cleanup())
      }
      log.info(
        { address, role, clickhouse: ch.kind, kafka: kafkaCfg ? kafkaCfg.brokers : 'embedded' },
        'nhip started',
      )
      lines.push(
        `Nhịp is running at ${address}`,
        `  Tracker:    <script async src="${address}${config.collector.trackerPath}" data-site="SITE_ID"></script>`,
        ...(role === 'all'
          ? [
              `  Reports:    ${address}/app/  (create accounts with: npx nhip users add --username U --agency A --role editor)`,
            ]
          : []),
        `  Health:     ${address}/healthz   Metrics: ${address}/metrics`,
      )
    } else {
      log.info({ role, group: config.transform.groupId }, 'nhip transform started')
      lines.unshift(`Nhịp transform worker running (consumer group ${config.transform.groupId})`)
    }
    lines.push(
      `  ClickHouse: ${ch.kind === 'embedded' ? `embedded (chDB) at ${ch.where}` : ch.where}, database ${ch.database}`,
      `  Kafka:      ${kafkaCfg ? kafkaCfg.brokers.join(',') : 'not configured — events go through the on-disk spool to the in-process pipeline'}`,
      '  Stop with Ctrl-C.',
      '',
    )
    if (!opts.quiet) process.stdout.write(lines.join('\n'))
    if (collector && listeningAt) opts.onListening?.(listeningAt, collector.app)
    const reason = await (opts.until ?? untilSignal())
    log.info({ reason }, 'stopping')
  } finally {
    for (const stop of stops) {
      try {
        await stop()
      } catch (err) {
        log.error({ err }, 'error while stopping')
      }
    }
  }
}
