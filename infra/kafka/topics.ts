// Topic set-up in code: events, events-dlq and content with partitions and retention from config.
import type { Admin, ITopicConfig } from 'kafkajs'
import type { KafkaTopicsConfig } from '../config.ts'
import type { Logger } from '../logger.ts'

/** The topics Nhịp needs, as kafkajs topic configs. */
export function topicSpecs(cfg: KafkaTopicsConfig): ITopicConfig[] {
  const common = (retentionMs: number) => [
    { name: 'retention.ms', value: String(retentionMs) },
    { name: 'compression.type', value: 'producer' },
  ]
  return [
    {
      topic: cfg.events,
      numPartitions: cfg.eventsPartitions,
      replicationFactor: cfg.replicationFactor,
      // Room for an oversize message from a foreign producer, so it reaches the pipeline and its DLQ
      // instead of failing at the broker with no trace.
      configEntries: [...common(cfg.eventsRetentionMs), { name: 'max.message.bytes', value: String(2 * 1_048_576) }],
    },
    {
      topic: cfg.eventsDlq,
      numPartitions: 1,
      replicationFactor: cfg.replicationFactor,
      configEntries: common(cfg.dlqRetentionMs),
    },
    {
      // Content is a changelog of article metadata: keep the latest per key forever.
      topic: cfg.content,
      numPartitions: cfg.contentPartitions,
      replicationFactor: cfg.replicationFactor,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ]
}

/**
 * Creates missing topics and grows partition counts that are below the config. Never shrinks or deletes.
 * @example await ensureTopics(admin, config.kafka.topics, log)
 */
export async function ensureTopics(
  admin: Admin,
  cfg: KafkaTopicsConfig,
  log: Logger,
): Promise<{ created: string[]; grown: string[] }> {
  const specs = topicSpecs(cfg)
  const existing = new Set(await admin.listTopics())
  const missing = specs.filter((s) => !existing.has(s.topic))
  if (missing.length) {
    // waitForLeaders can fail spuriously on multi-broker clusters (kafkajs #815): poll metadata instead.
    await admin.createTopics({ topics: missing, waitForLeaders: false })
    await waitForLeaders(admin, missing.map((s) => s.topic))
  }
  const grown: string[] = []
  const present = specs.filter((s) => existing.has(s.topic))
  if (present.length) {
    const meta = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) })
    for (const t of meta.topics) {
      const want = specs.find((s) => s.topic === t.name)?.numPartitions ?? 0
      if (t.partitions.length < want) {
        await admin.createPartitions({ topicPartitions: [{ topic: t.name, count: want }] })
        grown.push(t.name)
      }
    }
  }
  const created = missing.map((s) => s.topic)
  if (created.length || grown.length) log.info({ created, grown }, 'kafka topics ready')
  return { created, grown }
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics })
      if (meta.topics.length === topics.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return
    } catch (err) {
      if (Date.now() > deadline) throw err
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
