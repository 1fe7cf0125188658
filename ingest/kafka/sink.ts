// Where accepted batches go: straight to Kafka when it answers, into the on-disk spool when it does not
// (drained in order later), or — in embedded mode — always through the spool into the in-process pipeline.
// `send` resolves only once the records are durable (Kafka acks=-1, or fsynced in the spool).
import { errorMessage } from '../../infra/errors.ts'
import type { Logger } from '../../infra/logger.ts'
import type { Spool, SpoolRecord, SpoolSpan } from './spool.ts'

/** One message for a topic. */
export interface OutRecord {
  topic: string
  key: string
  value: Buffer
}

/** Delivers records somewhere durable; throws when it could not (the caller then spools or fails). */
/**
 * Hands records on (to Kafka, or to the in-process pipeline). `span` names a batch drained from the spool,
 * the same when the batch is sent again after a crash; direct sends have none.
 */
export type Deliver = (records: OutRecord[], span?: SpoolSpan) => Promise<void>

export interface EventSink {
  /** Resolves when every record is durable; throws SpoolFullError when it cannot accept more. */
  send(records: OutRecord[]): Promise<void>
  /** Records waiting in the spool. */
  backlog(): { records: number; bytes: number }
  /** Resolves when the spool is empty (or the timeout passes); for shutdown and tests. */
  drained(timeoutMs: number): Promise<boolean>
  /**
   * Stops the drain loop: resolves true once it has stopped, or false after `timeoutMs` when it is still inside
   * a delivery (cut that off by closing the delivery; records not acknowledged stay in the spool). Default: wait.
   */
  close(timeoutMs?: number): Promise<boolean>
}

export interface SinkOptions {
  spool: Spool
  /** Delivery target of the drain loop (Kafka, or the in-process pipeline). */
  deliver: Deliver
  /** When true, send tries `deliver` directly and spools only on failure (Kafka mode). */
  direct: boolean
  log: Logger
  /** Records per drain round. */
  drainBatch?: number
  /**
   * Kafka mode: how long `send` waits for a direct delivery before it spools the records instead. Without a
   * bound, a broker that just died holds every request for as long as the producer keeps reconnecting (the
   * chaos drills saw 15–30 s with no answer). Default {@link DEFAULT_DIRECT_TIMEOUT_MS}.
   */
  directTimeoutMs?: number
  /** Called when a record count moves through the sink, for metrics. */
  onSpooled?: (n: number) => void
  onDelivered?: (n: number, via: 'direct' | 'spool') => void
}

/** Default {@link SinkOptions.directTimeoutMs}: far above a healthy acks=-1 round trip, far below a client's patience. */
export const DEFAULT_DIRECT_TIMEOUT_MS = 5000

/** Rejects when `work` has not settled within `ms`; `work` keeps running (its late outcome is ignored). */
function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no delivery acknowledgement within ${ms} ms`)), ms)
  })
  work.catch(() => undefined)
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

// The spool stores key + value; the topic travels in the key, separated by a newline (never in topic names).
function toSpool(r: OutRecord): SpoolRecord {
  return { key: `${r.topic}\n${r.key}`, value: r.value }
}
function fromSpool(r: SpoolRecord): OutRecord {
  const i = r.key.indexOf('\n')
  return { topic: r.key.slice(0, i), key: r.key.slice(i + 1), value: r.value }
}

/**
 * Creates the sink and starts its drain loop.
 * @example const sink = createEventSink({ spool, deliver: kafkaDeliver, direct: true, log })
 */
export function createEventSink(opts: SinkOptions): EventSink {
  const { spool, deliver, log } = opts
  const drainBatch = opts.drainBatch ?? 2000
  const directTimeoutMs = opts.directTimeoutMs ?? DEFAULT_DIRECT_TIMEOUT_MS
  let draining = false
  let closed = false
  let backoffMs = 0
  let wake: (() => void) | undefined

  const hasBacklog = () => spool.stats.records > 0

  async function drainOnce(): Promise<boolean> {
    const batch = await spool.peek(drainBatch)
    if (!batch) return false
    await deliver(batch.records.map(fromSpool), batch.span)
    await spool.ack(batch.until)
    opts.onDelivered?.(batch.records.length, 'spool')
    return true
  }

  async function loop(): Promise<void> {
    while (!closed) {
      if (hasBacklog()) {
        draining = true
        try {
          while (!closed && (await drainOnce())) backoffMs = 0
        } catch (err) {
          // Stopping cuts off a delivery on purpose; its records were not acknowledged and stay in the spool.
          if (closed) {
            log.info(
              { err: errorMessage(err), backlog: spool.stats.records },
              'spool drain stopped by shutdown',
            )
            break
          }
          backoffMs = Math.min(Math.max(backoffMs * 2, 250), 10_000)
          log.warn(
            { err, backlog: spool.stats.records, retry_in_ms: backoffMs },
            'spool drain failed; will retry',
          )
        } finally {
          draining = hasBacklog()
        }
      }
      if (closed) break
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoffMs || 200)
        wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      wake = undefined
    }
  }
  const running = loop()

  return {
    async send(records) {
      if (records.length === 0) return
      if (opts.direct && !draining && !hasBacklog()) {
        try {
          // A timed-out attempt may still land in Kafka later, and the spool then delivers the same records
          // again: a duplicate in the topic, which event_id dedups downstream — never a loss.
          await withDeadline(deliver(records), directTimeoutMs)
          opts.onDelivered?.(records.length, 'direct')
          return
        } catch (err) {
          log.warn({ err, records: records.length }, 'direct delivery failed; spooling to disk')
        }
      }
      // Throws SpoolFullError / SpoolWriteError: the caller answers 503 and nothing was acknowledged.
      await spool.append(records.map(toSpool))
      opts.onSpooled?.(records.length)
      if (backoffMs === 0) wake?.()
    },
    backlog: () => ({ records: spool.stats.records, bytes: spool.stats.bytes }),
    async drained(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (hasBacklog() && Date.now() < deadline) {
        // Hurry a loop that is idling, not one backing off from a failing Kafka (it would retry every 50 ms).
        if (backoffMs === 0) wake?.()
        await new Promise((r) => setTimeout(r, 50))
      }
      return !hasBacklog()
    },
    async close(timeoutMs) {
      closed = true
      wake?.()
      if (timeoutMs === undefined) {
        await running
        return true
      }
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      })
      try {
        return await Promise.race([running.then(() => true as const), late])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
