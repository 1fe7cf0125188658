// `nhip kafka:topics`: create or grow the Kafka topics from config.
import { ConfigError } from '../../infra/errors.ts'
import { checkKafka, createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics, topicSpecs } from '../../infra/kafka/topics.ts'
import type { Context } from '../context.ts'

export async function kafkaTopicsCommand(ctx: Context): Promise<void> {
  const cfg = ctx.config.kafka
  if (!cfg) throw new ConfigError('KAFKA_BROKERS is not set: there is no Kafka cluster to create topics on')
  await checkKafka(cfg, ctx.log)
  const admin = createKafka(cfg, ctx.log).admin()
  await admin.connect()
  try {
    const { created, grown } = await ensureTopics(admin, cfg.topics, ctx.log)
    for (const spec of topicSpecs(cfg.topics)) {
      const state = created.includes(spec.topic) ? 'created' : grown.includes(spec.topic) ? 'grown' : 'present'
      process.stdout.write(`${spec.topic}\t${spec.numPartitions} partitions\t${state}\n`)
    }
  } finally {
    await admin.disconnect()
  }
}
