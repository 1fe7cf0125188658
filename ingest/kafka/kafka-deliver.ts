// Kafka delivery for the sink: an idempotent kafkajs producer, acks from all in-sync replicas, gzip.
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs'
import type { Deliver, OutRecord } from './sink.ts'

export interface KafkaDelivery {
  deliver: Deliver
  close(): Promise<void>
}

/**
 * Creates the producer lazily (a broker that is down at start only means spooling until it is back).
 * @example const { deliver } = createKafkaDelivery(kafka)
 */
export function createKafkaDelivery(kafka: Kafka, opts: { compression?: boolean } = {}): KafkaDelivery {
  let producer: Producer | undefined
  let connecting: Promise<Producer> | undefined
  const compression = opts.compression === false ? CompressionTypes.None : CompressionTypes.GZIP

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
        producer = p
        return p
      } finally {
        connecting = undefined
      }
    })()
    return connecting
  }

  return {
    async deliver(records: OutRecord[]) {
      const p = await connected()
      const byTopic = new Map<string, Array<{ key: string; value: Buffer }>>()
      for (const r of records) {
        const list = byTopic.get(r.topic) ?? []
        list.push({ key: r.key, value: r.value })
        byTopic.set(r.topic, list)
      }
      try {
        await p.sendBatch({
          acks: -1,
          compression,
          timeout: 10_000,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        })
      } catch (err) {
        // A producer that failed may hold a broken connection; start afresh next time.
        producer = undefined
        await p.disconnect().catch(() => undefined)
        throw err
      }
    },
    async close() {
      await producer?.disconnect()
    },
  }
}
