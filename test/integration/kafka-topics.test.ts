// Topic set-up against the real broker started by the global setup.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Admin } from 'kafkajs'
import { loadConfig } from '../../infra/config.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'

const config = loadConfig({ KAFKA_BROKERS: inject('kafkaBrokers').join(','), KAFKA_TOPIC_PREFIX: 'topics-test.', KAFKA_EVENTS_PARTITIONS: '4' })
const kafkaCfg = config.kafka
if (!kafkaCfg) throw new Error('KAFKA_BROKERS not provided')
const log = createLogger({ level: 'silent' })
let admin: Admin

beforeAll(async () => {
  admin = createKafka(kafkaCfg, log).admin()
  await admin.connect()
})
afterAll(async () => admin.disconnect())

describe('ensureTopics', () => {
  it('creates events, events-dlq and content once, then grows partitions when the config asks for more', async () => {
    const first = await ensureTopics(admin, kafkaCfg.topics, log)
    expect(first.created.sort()).toEqual(['topics-test.content', 'topics-test.events', 'topics-test.events-dlq'])
    const again = await ensureTopics(admin, kafkaCfg.topics, log)
    expect(again).toEqual({ created: [], grown: [] })

    const meta = await admin.fetchTopicMetadata({ topics: ['topics-test.events'] })
    expect(meta.topics[0]?.partitions).toHaveLength(4)

    const grown = await ensureTopics(admin, { ...kafkaCfg.topics, eventsPartitions: 6 }, log)
    expect(grown.grown).toEqual(['topics-test.events'])
    const after = await admin.fetchTopicMetadata({ topics: ['topics-test.events'] })
    expect(after.topics[0]?.partitions).toHaveLength(6)

    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: 'topics-test.content' }],
      includeSynonyms: false,
    })
    const policy = configs.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')
    expect(policy?.configValue).toBe('compact')
  })
})
