// Kafka stopped mid-test: the collector keeps answering 2xx by spooling to disk, and once the broker is
// back every accepted event is in the topic exactly once. Uses its own broker, so it can kill it.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import type { KafkaClusterHandle } from '../../infra/kafka/broker.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { type Collector, createCollector } from '../../ingest/collector.ts'
import { addSite } from '../../ingest/sites/sites.ts'
import { aBrowserBatch, aBrowserEvent, MOBILE_UA } from '../support/builders.ts'
import { freshClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { readTopic, startOwnBroker } from '../support/kafka.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
let cluster: KafkaClusterHandle
let kafkaDir: string
let t: TestClickHouse
let kafka: Kafka
let collector: Collector
let topics: NonNullable<ReturnType<typeof loadConfig>['kafka']>['topics']

beforeAll(async () => {
  kafkaDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-outage-kafka-'))
  cluster = await startOwnBroker(kafkaDir)
  console.log(`own broker for the outage test: pid ${cluster.nodes[0]?.pid} at ${cluster.brokers.join(',')}`)
  const cfg = loadConfig({ KAFKA_BROKERS: cluster.brokers.join(','), KAFKA_EVENTS_PARTITIONS: '3' }).kafka
  if (!cfg) throw new Error('no kafka config')
  topics = cfg.topics
  kafka = createKafka(cfg, log)
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, topics, log)
  await admin.disconnect()
  t = await freshClickHouse()
  await addSite(t.ch, { agency_id: 'tinh-a', site_id: 'a1', domains: ['a1.vn'] })
  collector = await createCollector({
    ch: t.ch,
    log,
    metrics: new Registry(),
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'nhip-outage-')),
    spoolMaxBytes: 64 * 1_048_576,
    trackerPath: '/s/p.js',
    kafka: { settings: cfg, topics },
    limits: { ipRatePerSec: 10_000, ipBurst: 10_000 },
  })
})

afterAll(async () => {
  await collector?.close()
  await cluster?.stop()
  await t?.cleanup()
  rmSync(kafkaDir, { recursive: true, force: true })
})

async function post(n: number, accepted: string[]): Promise<number[]> {
  const codes: number[] = []
  for (let i = 0; i < n; i++) {
    const events = Array.from({ length: 5 }, () => aBrowserEvent())
    const res = await collector.app.inject({
      method: 'POST',
      url: '/e',
      remoteAddress: `14.160.0.${(i % 200) + 1}`,
      headers: { origin: 'https://a1.vn', 'user-agent': MOBILE_UA },
      payload: JSON.stringify(aBrowserBatch(events)),
    })
    codes.push(res.statusCode)
    if (res.statusCode === 202) accepted.push(...events.map((e) => e.id))
  }
  return codes
}

describe('collector while Kafka is down', () => {
  it('spools with 2xx, then delivers every accepted event exactly once after the broker restarts', async () => {
    const accepted: string[] = []
    expect(new Set(await post(10, accepted))).toEqual(new Set([202]))

    await cluster.kill(1, 'SIGKILL')
    const during = await post(20, accepted)
    expect(new Set(during)).toEqual(new Set([202]))
    expect(collector.sink.backlog().records).toBeGreaterThan(0)
    console.log(
      `broker down: ${during.length} requests answered 202, ${collector.sink.backlog().records} records spooled`,
    )

    await cluster.restart(1)
    await post(10, accepted)
    expect(await collector.sink.drained(90_000)).toBe(true)

    const ids = (await readTopic(kafka, topics.events)).map(
      (m) => (JSON.parse(m.value.toString()) as { event_id: string }).event_id,
    )
    expect(ids.length).toBe(accepted.length)
    expect(new Set(ids)).toEqual(new Set(accepted))
  })
})
