// Integration test of infra/kafka/broker.ts against a real single-node Kafka (KRaft) JVM: topic admin,
// idempotent produce, group consume, partition split between two group members, clean shutdown.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ensureKafkaJars,
  findFreePortBlock,
  type KafkaClusterHandle,
  startKafkaCluster,
} from '../../infra/kafka/broker.ts'

// First run downloads ~50 MB of jars through Maven; later runs only boot the JVM (~5 s).
const SETUP_TIMEOUT = 180_000
const TEST_TIMEOUT = 60_000
const TOPIC = 'broker-it'
const MESSAGES = 100

function procAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // An exited child that has not been reaped yet shows as a zombie with only its main thread left;
    // that is not a running broker.
    return !/^\d+ \(.*\) [ZX] /.test(stat) || fs.readdirSync(`/proc/${pid}/task`).length > 1
  } catch {
    return false
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('kafka broker (real JVM, KRaft)', () => {
  let dataDir: string
  let cluster: KafkaClusterHandle | undefined
  let kafka: Kafka
  let pids: number[] = []
  const consumers: Consumer[] = []

  beforeAll(async () => {
    await ensureKafkaJars()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhip-kafka-it-'))
    const base = await findFreePortBlock(2)
    const started = Date.now()
    cluster = await startKafkaCluster({ dataDir, brokers: 1, basePort: base, controllerBasePort: base + 1 })
    pids = cluster.nodes.map((n) => n.pid)
    const node = cluster.nodes[0]
    if (!node) throw new Error('no node')
    const cmdline = fs.readFileSync(`/proc/${node.pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
    console.log(`broker pid ${node.pid} ready in ${Date.now() - started} ms at ${cluster.brokers.join(',')}`)
    console.log(`java command: ${cmdline}`)
    // kafkajs logs retriable errors (coordinator loading, rebalancing) at ERROR; assertions report real failures.
    kafka = new Kafka({ clientId: 'kafka-broker-it', brokers: cluster.brokers, logLevel: logLevel.NOTHING })
  }, SETUP_TIMEOUT)

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})))
    // Safety net if a test failed before the stop test ran; stop() is a no-op for gone processes.
    await cluster?.stop()
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
  }, SETUP_TIMEOUT)

  it(
    'creates a topic, produces idempotently and consumes every message in a group',
    async () => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        expect(
          await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true }),
        ).toBe(true)
        const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] })
        expect(meta.topics[0]?.partitions).toHaveLength(3)
      } finally {
        await admin.disconnect()
      }

      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      })
      await producer.connect()
      const keys = Array.from({ length: MESSAGES }, (_, i) => `key-${i}`)
      const sent = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: keys.map((key, i) => ({ key, value: JSON.stringify({ i }) })),
      })
      await producer.disconnect()
      // Keys hash over all partitions, so every partition should have received something.
      expect(new Set(sent.map((r) => r.partition)).size).toBe(3)

      const received = new Set<string>()
      const consumer = kafka.consumer({ groupId: 'it-read-all', maxWaitTimeInMs: 250 })
      consumers.push(consumer)
      await consumer.connect()
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key) received.add(message.key.toString())
        },
      })
      await until(`${MESSAGES} messages`, () => received.size >= MESSAGES, 30_000)
      await consumer.disconnect()
      expect([...received].sort()).toEqual([...keys].sort())
    },
    TEST_TIMEOUT,
  )

  it(
    'splits the 3 partitions between two members of one group',
    async () => {
      // Latest assignment per member; a join by the second member makes the first rejoin, so only the
      // state after both have settled is meaningful.
      const latest = new Map<string, number[]>()
      const members = ['a', 'b'].map((name) => {
        // kafkajs heartbeats (and so notices a rebalance) and disconnects only between fetches; short
        // fetch waits keep the rebalance and the shutdown at well under a second instead of ~5 s each.
        const c = kafka.consumer({
          groupId: 'it-split',
          heartbeatInterval: 500,
          sessionTimeout: 10_000,
          maxWaitTimeInMs: 250,
        })
        c.on(c.events.GROUP_JOIN, (e) => {
          latest.set(name, [...(e.payload.memberAssignment[TOPIC] ?? [])].sort())
        })
        consumers.push(c)
        return c
      })
      for (const c of members) {
        await c.connect()
        await c.subscribe({ topic: TOPIC, fromBeginning: true })
        await c.run({ eachMessage: async () => {} })
      }
      const settled = (): boolean => {
        const a = latest.get('a') ?? []
        const b = latest.get('b') ?? []
        return a.length > 0 && b.length > 0 && a.length + b.length === 3
      }
      await until('both members to hold partitions', settled, 45_000)
      const a = latest.get('a') ?? []
      const b = latest.get('b') ?? []
      console.log(`member a: partitions [${a.join(',')}], member b: partitions [${b.join(',')}]`)
      expect(a.filter((p) => b.includes(p))).toEqual([])
      expect([...a, ...b].sort()).toEqual([0, 1, 2])
      await Promise.all(members.map((c) => c.disconnect()))
    },
    TEST_TIMEOUT,
  )

  it(
    'stops the cluster and leaves no broker process',
    async () => {
      if (!cluster) throw new Error('cluster not started')
      expect(pids.length).toBe(1)
      expect(pids.every(procAlive)).toBe(true)
      await cluster.stop()
      expect(pids.filter(procAlive)).toEqual([])
      expect(fs.existsSync(path.join(dataDir, 'node-1', 'broker.pid'))).toBe(false)
    },
    TEST_TIMEOUT,
  )
})
