// Kafka delivery for the sink: an idempotent kafkajs producer, acks from all in-sync replicas, gzip.
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs'
import type { Deliver, OutRecord } from './sink.ts'

const MAX_RECORDS_PER_SEND = 5000

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

  async function sendNow(records: OutRecord[]): Promise<void> {
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
  }

  // Group commit: an idempotent producer allows one request in flight, so concurrent HTTP requests
  // would queue one produce round-trip each. Instead, records that arrive while a send is in flight
  // wait and leave together in the next send; every caller still resolves only when its records are
  // acknowledged (or rejects with the send's error, and then spools them).
  let inFlight: Promise<void> | undefined
  let waiting: Array<{ records: OutRecord[]; resolve: () => void; reject: (err: unknown) => void }> = []

  async function pump(): Promise<void> {
    while (waiting.length) {
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
    deliver(records: OutRecord[]) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ records, resolve, reject })
        inFlight ??= pump()
      })
    },
    async close() {
      await inFlight
      await producer?.disconnect()
    },
  }
}
