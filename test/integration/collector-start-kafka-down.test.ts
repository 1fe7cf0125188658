// Found by the chaos drill bench/chaos/collector-crash.ts: a collector (re)started while Kafka is down must
// come up and accept events into its spool — the spool exists for Kafka outages — instead of exiting because
// Kafka does not answer at start. Once the broker is up, every accepted event reaches the topic exactly once.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import { findFreePortBlock, type KafkaClusterHandle, startKafkaCluster } from '../../infra/kafka/broker.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { aBrowserBatch, aBrowserEvent, MOBILE_UA } from '../support/builders.ts'
import { readTopic } from '../support/kafka.ts'

const NHIP = path.resolve('bin/nhip')
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-kafka-down-start-'))
const kafkaDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-kafka-down-broker-'))
let collector: ChildProcess | undefined
let cluster: KafkaClusterHandle | undefined

afterAll(async () => {
  collector?.kill('SIGTERM')
  await cluster?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(kafkaDir, { recursive: true, force: true })
})

async function healthz(url: string): Promise<{ spool?: { records: number } } | undefined> {
  try {
    return (await (await fetch(`${url}/healthz`)).json()) as { spool?: { records: number } }
  } catch {
    return undefined
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

describe('nhip serve started while Kafka is down', () => {
  it('serves, spools what it accepts, and delivers it exactly once when the broker comes up', async () => {
    // Nothing listens on the broker's port yet: the broker is started there later.
    const basePort = await findFreePortBlock(1)
    const controllerBasePort = await findFreePortBlock(1)
    const httpPort = await findFreePortBlock(1)
    const env = {
      ...process.env,
      KAFKA_BROKERS: `127.0.0.1:${basePort}`,
      KAFKA_EVENTS_PARTITIONS: '2',
      NHIP_DATA_DIR: dataDir,
      NHIP_PORT: String(httpPort),
      NHIP_IP_RATE_PER_S: '1000',
      LOG_LEVEL: 'warn',
    }
    const add = spawnSync(NHIP, ['sites', 'add', '--agency', 'tinh-a', '--site', 'a1', '--domain', 'a1.vn'], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(add.status, add.stderr).toBe(0)

    collector = spawn(NHIP, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    collector.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const exited = new Promise<number | null>((resolve) => collector?.once('exit', (code) => resolve(code)))
    const url = `http://127.0.0.1:${httpPort}`
    const up = await Promise.race([
      until('the collector to serve', () => healthz(url), 120_000).then(() => true),
      exited.then(() => false),
    ])
    expect(up, `nhip serve exited instead of serving:\n${stderr}`).toBe(true)
    expect(stderr).toMatch(/Kafka unreachable at start/)

    const accepted: string[] = []
    for (let i = 0; i < 5; i++) {
      const events = Array.from({ length: 4 }, () => aBrowserEvent())
      const res = await fetch(`${url}/e`, {
        method: 'POST',
        headers: { origin: 'https://a1.vn', 'user-agent': MOBILE_UA, 'content-type': 'text/plain' },
        body: JSON.stringify(aBrowserBatch(events)),
      })
      expect(res.status).toBe(202)
      accepted.push(...events.map((e) => e.id))
    }
    expect((await healthz(url))?.spool?.records).toBe(accepted.length)

    cluster = await startKafkaCluster({
      dataDir: kafkaDir,
      brokers: 1,
      basePort,
      controllerBasePort,
      heapMb: 512,
      log: () => undefined,
    })
    const cfg = loadConfig({ KAFKA_BROKERS: cluster.brokers.join(','), KAFKA_EVENTS_PARTITIONS: '2' }).kafka
    if (!cfg) throw new Error('no kafka config')
    const kafka: Kafka = createKafka(cfg, log)
    // The topics are created by whoever reaches Kafka first (here: the test, standing in for `nhip transform`).
    const admin = kafka.admin()
    await admin.connect()
    await ensureTopics(admin, cfg.topics, log)
    await admin.disconnect()

    await until(
      'the spool to drain',
      async () => ((await healthz(url))?.spool?.records === 0 ? true : undefined),
      90_000,
    )
    const ids = (await readTopic(kafka, cfg.topics.events)).map(
      (m) => (JSON.parse(m.value.toString()) as { event_id: string }).event_id,
    )
    expect(ids.sort()).toEqual([...accepted].sort())
  })
})
