// Test helpers for the real broker: read a topic back, count what is in it.
import type { IHeaders, Kafka } from 'kafkajs'
import { findFreePortBlock, type KafkaClusterHandle, startKafkaCluster } from '../../infra/kafka/broker.ts'

export interface ReadMessage {
  partition: number
  offset: string
  key: string
  value: Buffer
  headers: IHeaders
}

/** Total messages in a topic (sum of high watermarks minus low watermarks). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)
  } finally {
    await admin.disconnect()
  }
}

/** Reads every message currently in a topic with a throw-away consumer group. */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const expected = await topicSize(kafka, topic)
  const out: ReadMessage[] = []
  if (expected === 0) return out
  const consumer = kafka.consumer({
    groupId: `test-reader-${topic}-${Date.now()}-${Math.random()}`,
    maxWaitTimeInMs: 100,
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  let done: () => void = () => undefined
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers: message.headers ?? {},
      })
      if (out.length >= expected) done()
    },
  })
  const timer = setTimeout(done, timeoutMs)
  await finished
  clearTimeout(timer)
  await consumer.disconnect()
  return out
}

/**
 * A one-node broker of the test's own (the shared one must not be killed): free ports, 512 MB heap, quiet.
 * @example const cluster = await startOwnBroker(mkdtempSync(path.join(os.tmpdir(), 'nhip-x-kafka-')))
 */
export async function startOwnBroker(dataDir: string): Promise<KafkaClusterHandle> {
  return startKafkaCluster({
    dataDir,
    brokers: 1,
    basePort: await findFreePortBlock(1),
    controllerBasePort: await findFreePortBlock(1),
    heapMb: 512,
    log: () => undefined,
  })
}
