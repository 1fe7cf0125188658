// Wall-time accounting for the stages a benchmark cannot see from outside: wrappers that time calls to
// an injected dependency (a Kafka producer's sendBatch, a ClickHouse client's query/insert) without
// changing the code under test, which only ever receives the wrapped object.
import type { ClickHouseClient } from '@clickhouse/client'
import type { Consumer, Kafka, Producer } from 'kafkajs'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'

/** Durations (ms) of calls by label, the first time of named marks, and how many calls of a label overlapped. */
export class StageTimes {
  readonly samples = new Map<string, number[]>()
  /** First time (performance.now()) each mark was hit, e.g. 'first fetch'. */
  readonly marks = new Map<string, number>()
  /** Most calls of each label that were in flight at the same time. */
  readonly maxInFlight = new Map<string, number>()
  private readonly inFlight = new Map<string, number>()

  /** Records `performance.now()` under `label` the first time only. */
  markOnce(label: string): void {
    if (!this.marks.has(label)) this.marks.set(label, performance.now())
  }

  /** Times `fn` under `label`. */
  async time<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    const now = (this.inFlight.get(label) ?? 0) + 1
    this.inFlight.set(label, now)
    this.maxInFlight.set(label, Math.max(this.maxInFlight.get(label) ?? 0, now))
    try {
      return await fn()
    } finally {
      this.inFlight.set(label, (this.inFlight.get(label) ?? 1) - 1)
      this.add(label, performance.now() - t0)
    }
  }

  add(label: string, ms: number): void {
    const list = this.samples.get(label)
    if (list) list.push(ms)
    else this.samples.set(label, [ms])
  }

  /** Total ms spent under `label` (overlapping calls are summed). */
  total(label: string): number {
    return (this.samples.get(label) ?? []).reduce((a, b) => a + b, 0)
  }

  reset(): void {
    this.samples.clear()
    this.marks.clear()
    this.maxInFlight.clear()
  }
}

/**
 * A Kafka client whose producers and consumers report where their time goes: every producer
 * `sendBatch` under 'kafka sendBatch'; every Produce request under 'produce queued' (waiting for the
 * connection's single in-flight slot) and 'produce on wire' (sent → broker answered); every consumer
 * Fetch and OffsetCommit under 'consumer Fetch' / 'consumer OffsetCommit', every eachBatch call under
 * 'consumer eachBatch', and the consumer's first fetch as the mark 'first fetch' — from kafkajs' own
 * instrumentation events and thin wrappers, so the code under test runs unchanged.
 * @example const timed = timeKafka(kafka, times); createCollector({ kafka: { kafka: timed, topics } })
 */
export function timeKafka(kafka: Kafka, times: StageTimes): Kafka {
  return new Proxy(kafka, {
    get(target, prop) {
      if (prop === 'producer') {
        return (...args: Parameters<Kafka['producer']>): Producer => {
          const producer = target.producer(...args)
          const sendBatch = producer.sendBatch.bind(producer)
          producer.sendBatch = (batch) => times.time('kafka sendBatch', () => sendBatch(batch))
          producer.on(producer.events.REQUEST, ({ payload }) => {
            if (payload.apiName !== 'Produce') return
            times.add('produce queued', payload.pendingDuration)
            times.add('produce on wire', payload.duration)
          })
          return producer
        }
      }
      if (prop === 'consumer') {
        return (...args: Parameters<Kafka['consumer']>): Consumer => {
          const consumer = target.consumer(...args)
          // Whole eachBatch calls too: with several partitions in flight, stage times overlap, and
          // the batch time is what they are shares of.
          const run = consumer.run.bind(consumer)
          consumer.run = (config) => {
            const eachBatch = config?.eachBatch
            if (!eachBatch) return run(config)
            return run({
              ...config,
              eachBatch: (payload) => times.time('consumer eachBatch', () => eachBatch(payload)),
            })
          }
          consumer.on(consumer.events.FETCH_START, () => times.markOnce('first fetch'))
          consumer.on(consumer.events.REQUEST, ({ payload }) => {
            if (payload.apiName === 'Fetch' || payload.apiName === 'OffsetCommit') {
              times.add(`consumer ${payload.apiName}`, payload.duration)
            }
          })
          return consumer
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** The stage label of an insert: by table, without its database. */
function insertLabel(table: string): string {
  return `clickhouse insert ${table.split('.').pop() ?? table}`
}

/**
 * A ClickHouse handle whose client times `query` and `insert`, and `insertRaw` (inserts labelled by table).
 * @example const timed = timeClickHouse(ch, times); await createTransform({ ch: timed, log, metrics })
 */
export function timeClickHouse(ch: ClickHouse, times: StageTimes): ClickHouse {
  const client = new Proxy(ch.client, {
    get(target, prop) {
      if (prop === 'query') {
        const query: ClickHouseClient['query'] = (params) =>
          times.time('clickhouse query', () => target.query(params))
        return query
      }
      if (prop === 'insert') {
        const insert: ClickHouseClient['insert'] = (params) =>
          times.time(insertLabel(params.table), () => target.insert(params))
        return insert
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const { insertRaw } = ch
  return {
    ...ch,
    client,
    streamRows: ch.streamRows,
    close: ch.close,
    // Embedded writes of events go through insertRaw, not client.insert: the same label per table.
    ...(insertRaw && {
      insertRaw: (params) => times.time(insertLabel(params.table), () => insertRaw(params)),
    }),
  }
}
