// The collector's Kafka delivery on its own thread (what `nhip serve` runs): every record of every call
// reaches the topic exactly once with its key and bytes, one reader's records stay in order, an unreachable
// broker fails the calls (so the sink spools them) instead of holding them, and a closed delivery refuses
// records and leaves no thread behind. Against the real broker of the global setup.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import { findFreePortBlock } from '../../infra/kafka/broker.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createLogger } from '../../infra/logger.ts'
import { createThreadedKafkaDelivery } from '../../ingest/kafka/delivery-thread.ts'
import { KafkaDeliveryClosedError } from '../../ingest/kafka/kafka-deliver.ts'
import type { OutRecord } from '../../ingest/kafka/sink.ts'
import { readTopic } from '../support/kafka.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const config = loadConfig({
  KAFKA_BROKERS: inject('kafkaBrokers').join(','),
  KAFKA_TOPIC_PREFIX: 'delivery-thread.',
  KAFKA_EVENTS_PARTITIONS: '3',
})
const cfg = config.kafka
if (!cfg) throw new Error('no kafka config')

const record = (reader: number, n: number): OutRecord => ({
  topic: cfg.topics.events,
  key: `site:reader-${reader}`,
  // Non-ASCII on purpose: the values travel to the thread as bytes packed into one buffer.
  value: Buffer.from(JSON.stringify({ reader, n, title: `Bài ${n} — Đà Lạt` })),
})

describe('the Kafka delivery thread', () => {
  it('delivers every record of many concurrent calls exactly once, in order per reader, and counts them', async () => {
    const admin = createKafka(cfg, log).admin()
    await admin.connect()
    await ensureTopics(admin, cfg.topics, log)
    await admin.disconnect()

    const delivery = createThreadedKafkaDelivery({ settings: cfg, log, producers: 2 })
    try {
      // The producers connect ahead of the first records (what the collector does at start).
      await delivery.connect()
      expect(delivery.stats()).toEqual({ sends: 0, records: 0, ms: 0 })
      // 40 readers × 25 calls, 1–3 records each; a reader's next call starts when its previous one is
      // acknowledged, as one browser's batches do. Calls of different readers overlap.
      const sent: OutRecord[] = []
      await Promise.all(
        Array.from({ length: 40 }, async (_, reader) => {
          let n = 0
          for (let call = 0; call < 25; call++) {
            const records = Array.from({ length: 1 + ((reader + call) % 3) }, () => record(reader, n++))
            sent.push(...records)
            await delivery.deliver(records)
          }
        }),
      )
      const stats = delivery.stats()
      expect(stats.records).toBe(sent.length)
      expect(stats.sends).toBeGreaterThan(0)
      expect(stats.sends).toBeLessThan(1000) // concurrent calls share Produce requests

      const got = await readTopic(createKafka(cfg, log), cfg.topics.events)
      expect(got).toHaveLength(sent.length)
      const byKey = new Map<string, number[]>()
      for (const m of got) {
        const v = JSON.parse(m.value.toString()) as { reader: number; n: number; title: string }
        expect(m.key).toBe(`site:reader-${v.reader}`)
        expect(v.title).toBe(`Bài ${v.n} — Đà Lạt`)
        byKey.set(m.key, [...(byKey.get(m.key) ?? []), v.n])
      }
      expect(byKey.size).toBe(40)
      for (const ns of byKey.values()) expect(ns).toEqual(ns.map((_, i) => i))
    } finally {
      expect((await delivery.close()).settled).toBe(true)
    }
    await expect(delivery.deliver([record(0, 0)])).rejects.toBeInstanceOf(KafkaDeliveryClosedError)
  })

  it('fails the connect and the call when no broker answers, so the caller can spool it, and still closes', async () => {
    const port = await findFreePortBlock(1)
    const dead = loadConfig({ KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_CONNECT_TIMEOUT_MS: '500' }).kafka
    if (!dead) throw new Error('no kafka config')
    const delivery = createThreadedKafkaDelivery({ settings: dead, log })
    await expect(delivery.connect()).rejects.toThrow()
    const started = Date.now()
    await expect(delivery.deliver([record(1, 1)])).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(30_000)
    const closed = await delivery.close({ timeoutMs: 1000 })
    expect(closed.settled).toBe(true)
  })

  it('rejects the calls of a thread that died (the caller spools them), and delivers through a new thread', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-dying-thread-'))
    // Worker threads copy process.env when they start; the entry reads its mark file from there.
    process.env.NHIP_TEST_DYING_THREAD_MARK = path.join(dir, 'died')
    const delivery = createThreadedKafkaDelivery({
      settings: cfg,
      log,
      entry: new URL('../support/dying-delivery-thread.mjs', import.meta.url),
    })
    try {
      const before = (await readTopic(createKafka(cfg, log), cfg.topics.events)).length
      await expect(delivery.deliver([record(900, 0), record(901, 0)])).rejects.toThrow(/exited \(code 3\)/)
      await delivery.deliver([record(900, 1)])
      expect(delivery.stats().records).toBe(1)
      const got = await readTopic(createKafka(cfg, log), cfg.topics.events)
      expect(got).toHaveLength(before + 1)
      expect(
        got.filter((m) => m.key === 'site:reader-900').map((m) => JSON.parse(m.value.toString()).n),
      ).toEqual([1])
    } finally {
      delete process.env.NHIP_TEST_DYING_THREAD_MARK
      await delivery.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
