// The real services a benchmark runs against, started in temporary directories and torn down at the end:
// a Kafka broker (or the cluster named by KAFKA_BROKERS) and an embedded ClickHouse built from the real
// migrations. Benchmarks are composition roots, so reading KAFKA_BROKERS here is deliberate.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Admin } from 'kafkajs'
import { type ClickHouse, openClickHouse } from '../../infra/clickhouse/client.ts'
import { migrate } from '../../infra/clickhouse/migrate.ts'
import { findFreePortBlock, startKafkaCluster } from '../../infra/kafka/broker.ts'
import { progress } from './progress.ts'

export interface BenchKafka {
  brokers: string[]
  /** PID of the broker JVM we started (undefined with KAFKA_BROKERS), for CPU sampling. */
  pid: number | undefined
  /** Stops the broker we started (by its PID, through the cluster handle) and removes its data dir. */
  stop(): Promise<void>
}

/**
 * Starts a one-node KRaft broker in a temp dir, or uses `KAFKA_BROKERS` when it is set.
 * @example const kafka = await startBenchKafka(process.env.KAFKA_BROKERS)
 */
export async function startBenchKafka(external: string | undefined): Promise<BenchKafka> {
  if (external?.trim()) {
    progress(`using KAFKA_BROKERS=${external}`)
    return { brokers: external.split(',').map((b) => b.trim()), pid: undefined, stop: async () => undefined }
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-bench-kafka-'))
  const basePort = await findFreePortBlock(1)
  const controllerBasePort = await findFreePortBlock(1)
  progress('starting a Kafka broker…')
  try {
    const cluster = await startKafkaCluster({
      dataDir,
      brokers: 1,
      basePort,
      controllerBasePort,
      heapMb: 1024,
      log: (line) => progress(`kafka: ${line}`),
    })
    const pid = cluster.nodes[0]?.pid
    progress(`Kafka broker up: pid ${pid}, ${cluster.brokers.join(',')}`)
    return {
      brokers: cluster.brokers,
      pid,
      async stop() {
        await cluster.stop()
        rmSync(dataDir, { recursive: true, force: true })
        progress(`Kafka broker pid ${pid} stopped`)
      },
    }
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
}

export interface BenchClickHouse {
  ch: ClickHouse
  dir: string
  cleanup(): Promise<void>
}

/** Opens chDB at a new temp path and applies the real migrations. */
export async function openBenchClickHouse(command: string): Promise<BenchClickHouse> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-bench-ch-'))
  const ch = await openClickHouse(
    { kind: 'embedded', path: path.join(dir, 'clickhouse'), database: 'nhip' },
    { command },
  )
  await migrate(ch)
  return {
    ch,
    dir,
    async cleanup() {
      await ch.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Sum of the high watermarks of a topic's partitions: the offset the next message will get, summed. */
export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0)
}

/** Messages a consumer group has not committed yet on `topic` (uncommitted partitions count from 0). */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const high = await admin.fetchTopicOffsets(topic)
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return high.reduce((sum, p) => {
    const c = committed?.partitions.find((x) => x.partition === p.partition)
    const done = c && Number(c.offset) >= 0 ? Number(c.offset) : 0
    return sum + Number(p.high) - done
  }, 0)
}
