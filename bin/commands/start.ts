// `nhip start`: the platform on one machine — ClickHouse (migrated), Kafka topics when configured, the HTTP service.
import { checkKafka, createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createMetricsRegistry } from '../../infra/metrics.ts'
import { createCollectorApp } from '../../ingest/http/app.ts'
import { type Context, openMigrated } from '../context.ts'

export interface StartOptions {
  /** Resolves when the service should stop (signals by default). */
  until?: Promise<unknown>
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve(sig))
  })
}

/** Starts everything and blocks until a stop signal; cleans up in reverse order. */
export async function startCommand(ctx: Context, opts: StartOptions = {}): Promise<void> {
  const { config, log } = ctx
  const kafkaCfg = config.kafka
  if (kafkaCfg) {
    const { brokers } = await checkKafka(kafkaCfg, log, 10_000)
    const admin = createKafka(kafkaCfg, log).admin()
    await admin.connect()
    try {
      await ensureTopics(admin, kafkaCfg.topics, log)
    } finally {
      await admin.disconnect()
    }
    log.info({ brokers: kafkaCfg.brokers, cluster_size: brokers }, 'kafka reachable')
  }

  const ch = await openMigrated(ctx, 'nhip start')
  const metrics = createMetricsRegistry()
  const app = createCollectorApp({
    metrics,
    health: {
      clickhouse: async () => {
        const r = await ch.client.ping()
        if (!r.success) throw r.error
      },
    },
  })
  try {
    const address = await app.listen({ host: config.http.host, port: config.http.port })
    log.info({ address, clickhouse: ch.kind, kafka: kafkaCfg ? kafkaCfg.brokers : 'embedded' }, 'nhip started')
    process.stdout.write(
      [
        `Nhịp is running at ${address}`,
        `  ClickHouse: ${ch.kind === 'embedded' ? `embedded (chDB) at ${ch.where}` : ch.where}, database ${ch.database}`,
        `  Kafka:      ${kafkaCfg ? kafkaCfg.brokers.join(',') : 'not configured — events go in-process'}`,
        `  Health:     ${address}/healthz   Metrics: ${address}/metrics`,
        '  Stop with Ctrl-C.',
        '',
      ].join('\n'),
    )
    const reason = await (opts.until ?? untilSignal())
    log.info({ reason }, 'stopping')
  } finally {
    await app.close()
    await ch.close()
  }
}
