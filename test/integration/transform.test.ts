// Transform workers against the real broker and the real ClickHouse engine: counts in the rollups equal
// the generator's ground truth exactly — after a worker is SIGKILLed between a write and its commit, after
// the group's offsets are reset to earliest, and when one of two workers in the group stops mid-run.
// Poison messages land in the DLQ with their reasons while the good messages around them are written.
// A write that fails for good is read again from its chunk, and nothing after it is committed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openClickHouse, type ClickHouse } from '../../infra/clickhouse/client.ts'
import { loadConfig } from '../../infra/config.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { eventKey } from '../../ingest/contract/index.ts'
import { createTransform, startEventConsumer } from '../../transform/index.ts'
import { generateEvents, TEST_SITES } from '../support/generate-events.ts'
import { readTopic } from '../support/kafka.ts'

const NHIP = path.resolve('bin/nhip')
const prefix = `transform-${process.pid}.`
const group = `nhip-transform-test-${process.pid}`
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-transform-'))
const env: Record<string, string> = {
  KAFKA_BROKERS: inject('kafkaBrokers').join(','),
  KAFKA_TOPIC_PREFIX: prefix,
  KAFKA_EVENTS_PARTITIONS: '6',
  NHIP_DATA_DIR: dataDir,
  NHIP_TRANSFORM_GROUP: group,
  NHIP_BATCH_ROWS: '2000',
  NHIP_FLUSH_MS: '200',
}
const config = loadConfig(env)
const kafkaCfg = config.kafka
if (!kafkaCfg) throw new Error('no kafka')
const topics = kafkaCfg.topics
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
let kafka: Kafka

const START = Date.parse('2026-11-20T00:00:00Z')
const first = generateEvents({ seed: 42, count: 50_000, startMs: START, hours: 72 })
// Produced by the two-worker test and the failing-write test, after `first`.
const second = generateEvents({ seed: 7, count: 20_000, startMs: START + 72 * 3_600_000, hours: 24, idPrefix: 'second' })
const third = generateEvents({ seed: 9, count: 12_000, startMs: START + 96 * 3_600_000, hours: 12, idPrefix: 'third' })
const POISON = [
  { key: 'p1', value: Buffer.from('{"v":1,"event_id":'), reason: /invalid JSON/i },
  { key: 'p2', value: Buffer.from(JSON.stringify({ ...first.events[0], v: 99, event_id: '00000000-0000-4000-8000-000000000001' })), reason: /schema version/i },
  { key: 'p3', value: Buffer.alloc(1_000_000, 'x'), reason: /too large/i },
  { key: 'p4', value: Buffer.from(JSON.stringify({ ...first.events[0], title: 'bad\u0001title', event_id: '00000000-0000-4000-8000-000000000002' })), reason: /control characters/i },
]

function nhip(args: string[], extra: Record<string, string> = {}) {
  return spawnSync(NHIP, args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env, ...extra }, encoding: 'utf8', timeout: 120_000 })
}

function startWorker(extra: Record<string, string> = {}): ChildProcess {
  return spawn(NHIP, ['transform'], { env: { ...process.env, LOG_LEVEL: 'warn', ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] })
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

async function produce(messages: Array<{ key: string; value: Buffer }>): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({ topic: topics.events, acks: -1, messages: messages.slice(i, i + 2000) })
  }
  await producer.disconnect()
}

async function lagOf(): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const high = await admin.fetchTopicOffsets(topics.events)
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topics.events] })
    return high.reduce((sum, p) => {
      const c = committed?.partitions.find((x) => x.partition === p.partition)
      const done = c && Number(c.offset) >= 0 ? Number(c.offset) : 0
      return sum + Number(p.high) - done
    }, 0)
  } finally {
    await admin.disconnect()
  }
}

async function waitCaughtUp(timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await lagOf()) > 0) {
    if (Date.now() > deadline) throw new Error(`consumer group still ${await lagOf()} behind`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

const COUNTS_SQL = (db: string) =>
  `SELECT site_id, article_id, toString(hour) AS hour, sum(pageviews) AS pv FROM ${db}.rollup_article_hourly GROUP BY site_id, article_id, hour HAVING pv > 0`

function countsFromCli(): Map<string, number> {
  const r = nhip(['sql', COUNTS_SQL('nhip'), '--format', 'json'])
  if (r.status !== 0) throw new Error(r.stderr)
  return toMap(r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)))
}

function toMap(rows: Array<{ site_id: string; article_id: string; hour: string; pv: string | number }>): Map<string, number> {
  return new Map(rows.map((r) => [`${r.site_id}|${r.article_id}|${r.hour}`, Number(r.pv)]))
}

function sorted(m: Map<string, number>): Array<[string, number]> {
  return [...m].sort(([a], [b]) => a.localeCompare(b))
}

beforeAll(async () => {
  kafka = createKafka(kafkaCfg, log)
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, topics, log)
  await admin.disconnect()
  for (const s of TEST_SITES) {
    const r = nhip(['sites', 'add', '--agency', s.agency_id, '--site', s.site_id, '--domain', s.domain])
    expect(r.status, r.stderr).toBe(0)
  }
  const messages = first.events.map((e) => ({ key: eventKey(e), value: Buffer.from(JSON.stringify(e)) }))
  // Poison in the middle of the stream, next to good messages.
  messages.splice(1000, 0, ...POISON.slice(0, 2).map(({ key, value }) => ({ key, value })))
  messages.splice(30_000, 0, ...POISON.slice(2).map(({ key, value }) => ({ key, value })))
  await produce(messages)
})

describe('transform workers through Kafka into ClickHouse', () => {
  it('a worker SIGKILLed between a write and its commit replays without changing any count', async () => {
    const crashing = startWorker({ NHIP_FAULT_CRASH_AFTER_WRITES: '4' })
    const end = await exited(crashing)
    expect(end.signal).toBe('SIGKILL')
    expect(await lagOf()).toBeGreaterThan(0)

    const worker = startWorker()
    await waitCaughtUp()
    worker.kill('SIGTERM')
    expect((await exited(worker)).code).toBe(0)

    expect(sorted(countsFromCli())).toEqual(sorted(first.pageviews))
  })

  it('poison messages are in the DLQ with reasons and the good messages around them were written', async () => {
    const dlq = await readTopic(kafka, topics.eventsDlq)
    expect(dlq).toHaveLength(POISON.length)
    for (const p of POISON) {
      const m = dlq.find((x) => x.key === p.key)
      expect(m, `dead letter for ${p.key}`).toBeDefined()
      expect(String(m?.headers['nhip-reason'])).toMatch(p.reason)
      expect(String(m?.headers['nhip-source'])).toMatch(new RegExp(`^${prefix.replace('.', '\\.')}events:\\d+:\\d+$`))
    }
    const r = nhip(['sql', `SELECT count() AS n, uniqExact(event_id) AS u FROM nhip.events`, '--format', 'json'])
    expect(JSON.parse(r.stdout)).toEqual({ n: String(first.events.length), u: String(first.events.length) })
  })

  it('resetting the group to the earliest offset and replaying everything changes nothing', async () => {
    const admin = kafka.admin()
    await admin.connect()
    await admin.resetOffsets({ groupId: group, topic: topics.events, earliest: true })
    await admin.disconnect()
    expect(await lagOf()).toBeGreaterThan(first.events.length - 1)

    const worker = startWorker()
    await waitCaughtUp()
    worker.kill('SIGTERM')
    expect((await exited(worker)).code).toBe(0)
    expect(sorted(countsFromCli())).toEqual(sorted(first.pageviews))
  })

  it('two workers share the partitions; when one stops mid-run the other takes over and counts stay exact', async () => {
    const ch: ClickHouse = await openClickHouse(config.clickhouse, { command: 'vitest transform' })
    try {
      const metrics = new Registry()
      const transform = await createTransform({ ch, log, metrics })
      const make = () =>
        startEventConsumer({
          kafka,
          topics,
          groupId: group,
          processEvent: transform.processEvent,
          processContent: transform.processContent,
          writer: transform.writer,
          log,
          metrics,
          chunkRows: 500,
          maxWaitMs: 200,
        })
      const a = await make()
      const b = await make()
      await Promise.all([a.joined, b.joined])
      await produce(second.events.map((e) => ({ key: eventKey(e), value: Buffer.from(JSON.stringify(e)) })))
      // Stop one member while the stream is being processed.
      await new Promise((r) => setTimeout(r, 1500))
      expect(await lagOf()).toBeGreaterThan(0)
      await a.stop()
      await waitCaughtUp()
      await b.stop()
      transform.close()

      const expected = new Map(first.pageviews)
      for (const [k, v] of second.pageviews) expected.set(k, (expected.get(k) ?? 0) + v)
      const rs = await ch.client.query({ query: COUNTS_SQL(ch.database), format: 'JSONEachRow' })
      expect(sorted(toMap(await rs.json()))).toEqual(sorted(expected))
      const totals = await (await ch.client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM nhip.events', format: 'JSONEachRow' })).json()
      expect(totals).toEqual([{ n: String(first.events.length + second.events.length), u: String(first.events.length + second.events.length) }])
    } finally {
      await ch.close()
    }
  })

  it('a write that fails for good is read again from its chunk: nothing after it is committed, counts stay exact', async () => {
    const ch: ClickHouse = await openClickHouse(config.clickhouse, { command: 'vitest transform' })
    try {
      const metrics = new Registry()
      const transform = await createTransform({ ch, log, metrics })
      let calls = 0
      const failed: number[] = []
      const consumer = await startEventConsumer({
        kafka,
        topics,
        groupId: group,
        processEvent: transform.processEvent,
        processContent: transform.processContent,
        // The 3rd and 7th writes fail with an error that no retry would fix (a bug, a rejected insert).
        writer: {
          ...transform.writer,
          writeEvents: async (rows, source) => {
            calls++
            if (calls === 3 || calls === 7) {
              failed.push(rows.length)
              throw Object.assign(new Error('injected: this write cannot succeed'), { retry: false })
            }
            return transform.writer.writeEvents(rows, source)
          },
        },
        log,
        metrics,
        chunkRows: 500,
        maxWaitMs: 200,
      })
      await consumer.joined
      await produce(third.events.map((e) => ({ key: eventKey(e), value: Buffer.from(JSON.stringify(e)) })))
      await waitCaughtUp()
      await consumer.stop()
      transform.close()
      expect(failed).toHaveLength(2)

      // Every count of the three streams, this one included, exactly once.
      const expected = new Map(first.pageviews)
      for (const [k, v] of [...second.pageviews, ...third.pageviews])
        expected.set(k, (expected.get(k) ?? 0) + v)
      const rs = await ch.client.query({ query: COUNTS_SQL(ch.database), format: 'JSONEachRow' })
      expect(sorted(toMap(await rs.json()))).toEqual(sorted(expected))
      const stored = await (
        await ch.client.query({
          query: `SELECT count() AS n, uniqExact(event_id) AS u FROM nhip.events WHERE ts >= fromUnixTimestamp64Milli(${START + 96 * 3_600_000})`,
          format: 'JSONEachRow',
        })
      ).json()
      expect(stored).toEqual([{ n: String(third.events.length), u: String(third.events.length) }])
    } finally {
      await ch.close()
    }
  })
})

afterAll(async () => {
  // Workers are stopped in each test; nothing to clean but the topics' data, which the broker drops with it.
})
