// The collector's Kafka delivery, closed, leaves no socket behind — even one kafkajs (re)opened and never
// disconnected, which kept `nhip serve` running after SIGTERM in the leader-failover chaos drill — and opens
// none afterwards. Against the real broker of the global setup.
import { Partitioners } from 'kafkajs'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { createKafkaDelivery, KafkaDeliveryClosedError } from '../../ingest/kafka/kafka-deliver.ts'
import { createKafkaSockets } from '../../ingest/kafka/kafka-sockets.ts'
import { topicSize } from '../support/kafka.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const config = loadConfig({
  KAFKA_BROKERS: inject('kafkaBrokers').join(','),
  KAFKA_TOPIC_PREFIX: 'shutdown-sockets.',
})
const cfg = config.kafka
if (!cfg) throw new Error('no kafka config')

const record = (i: number) => ({
  topic: cfg.topics.events,
  key: `reader-${i}`,
  value: Buffer.from(`{"n":${i}}`),
})

describe('closing the collector Kafka delivery', () => {
  it('delivers, then closes with every socket gone, and refuses records afterwards', async () => {
    const admin = createKafka(cfg, log).admin()
    await admin.connect()
    await ensureTopics(admin, cfg.topics, log)
    await admin.disconnect()

    const sockets = createKafkaSockets()
    const kafka = createKafka(cfg, log, { socketFactory: sockets.socketFactory })
    const delivery = createKafkaDelivery(kafka, { sockets, producers: 2 })
    await delivery.deliver(Array.from({ length: 10 }, (_, i) => record(i)))
    // The topic is this file's own (prefix) on the run's fresh broker.
    expect(await topicSize(createKafka(cfg, log), cfg.topics.events)).toBe(10)
    expect(sockets.open()).toBeGreaterThan(0)

    const closed = await delivery.close()
    expect(closed).toEqual({ settled: true, socketsDestroyed: 0 })
    expect(sockets.open()).toBe(0)
    await expect(delivery.deliver([record(99)])).rejects.toBeInstanceOf(KafkaDeliveryClosedError)
  })

  it('destroys a connection kafkajs left open, and the client opens no new one after the close', async () => {
    const sockets = createKafkaSockets()
    // One retry: the refused connection after the close is retried by kafkajs's client-level retrier.
    const kafka = createKafka(cfg, log, {
      socketFactory: sockets.socketFactory,
      retry: { retries: 1, initialRetryTime: 100 },
    })
    const delivery = createKafkaDelivery(kafka, { sockets })
    // Stands in for kafkajs reconnecting a broker after its producer disconnected: a client on the same
    // sockets that nobody disconnects.
    const stray = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await stray.connect()
    const strayOpen = sockets.open()
    expect(strayOpen).toBeGreaterThan(0)

    const closed = await delivery.close()
    expect(closed.socketsDestroyed).toBe(strayOpen)
    expect(sockets.open()).toBe(0)

    const late = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await expect(late.connect()).rejects.toThrow()
    expect(sockets.open()).toBe(0)
  })
})
