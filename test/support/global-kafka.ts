// Vitest global setup for integration tests: one real Kafka broker for the whole run
// (started from the Maven-assembled jars), or the cluster named by KAFKA_BROKERS.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { findFreePortBlock, startKafkaCluster, type KafkaClusterHandle } from '../../infra/kafka/broker.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[]
  }
}

let cluster: KafkaClusterHandle | undefined
let dataDir: string | undefined

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.KAFKA_BROKERS?.trim()
  if (external) {
    process.stdout.write(`[kafka] using KAFKA_BROKERS=${external}\n`)
    project.provide('kafkaBrokers', external.split(','))
    return
  }
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-test-kafka-'))
  const basePort = await findFreePortBlock(1)
  const controllerBasePort = await findFreePortBlock(1)
  const started = Date.now()
  cluster = await startKafkaCluster({ dataDir, brokers: 1, basePort, controllerBasePort, heapMb: 768, log: () => undefined })
  const node = cluster.nodes[0]
  process.stdout.write(
    `[kafka] real broker started: pid ${node?.pid}, ${cluster.brokers.join(',')}, ready in ${Date.now() - started} ms\n`,
  )
  project.provide('kafkaBrokers', cluster.brokers)
}

export async function teardown(): Promise<void> {
  if (cluster) {
    await cluster.stop()
    process.stdout.write('[kafka] broker stopped\n')
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}
