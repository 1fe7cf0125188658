// The sink in Kafka mode when the broker hangs: a direct delivery that never answers must not hold the
// reader's request — after the deadline the records go to the spool (acknowledged), and the drainer delivers
// them once Kafka answers again. Found by the chaos drills (bench/chaos): requests waited 15–30 s.
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { createEventSink, type OutRecord } from '../../ingest/kafka/sink.ts'
import { openSpool, type Spool } from '../../ingest/kafka/spool.ts'

let dir: string
let spool: Spool

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nhip-sink-'))
  spool = await openSpool({ dir, maxBytes: 1_048_576, log: createLogger({ level: 'silent' }) })
})

afterEach(async () => {
  await spool.close()
  await fsp.rm(dir, { recursive: true, force: true })
})

const records = (n: number, tag: string): OutRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic: 'events',
    key: `site:v${i}`,
    value: Buffer.from(`${tag}-${i}`),
  }))

describe('event sink with a hanging Kafka', () => {
  it('spools the records of a direct delivery that does not answer, then drains them once Kafka answers', async () => {
    let kafkaHangs = true
    // Requests sent while Kafka hangs fail only when their own timeout fires (kafkajs requestTimeout).
    const hung: Array<(err: Error) => void> = []
    const delivered: string[] = []
    const sink = createEventSink({
      spool,
      direct: true,
      directTimeoutMs: 100,
      log: createLogger({ level: 'silent' }),
      deliver: (batch) => {
        if (kafkaHangs) return new Promise<void>((_, reject) => hung.push(reject))
        delivered.push(...batch.map((r) => r.value.toString()))
        return Promise.resolve()
      },
    })
    try {
      await sink.send(records(3, 'a'))
      // Spooled (and so acknowledged): the later requests go straight to the spool behind it, in order.
      expect(sink.backlog().records).toBe(3)
      await sink.send(records(2, 'b'))
      expect(sink.backlog().records).toBe(5)
      expect(delivered).toEqual([])

      kafkaHangs = false
      for (const timeOut of hung) timeOut(new Error('request timed out'))
      expect(await sink.drained(10_000)).toBe(true)
      expect(delivered).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1'])
    } finally {
      await sink.close()
    }
  })

  it('a delivery that answers in time is not spooled', async () => {
    const delivered: string[] = []
    const sink = createEventSink({
      spool,
      direct: true,
      directTimeoutMs: 60_000,
      log: createLogger({ level: 'silent' }),
      deliver: async (batch) => {
        delivered.push(...batch.map((r) => r.value.toString()))
      },
    })
    try {
      await sink.send(records(2, 'c'))
      expect(sink.backlog().records).toBe(0)
      expect(delivered).toEqual(['c-0', 'c-1'])
    } finally {
      await sink.close()
    }
  })
})
