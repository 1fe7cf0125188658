// Back-fill driver: streams a Simulation hour by hour into a `deliver` function as Kafka-shaped records
// (the embedded transform's deliverInProcess, or a Kafka producer), in batches, with progress per day.
// With `inFlight` 2, the next batch is generated and processed while the previous one is still being written.
// With `messages`, events stay contract objects (no JSON bytes) for the in-process transform's trusted entry.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { articleKey, type EventMessage, eventKey } from '../../ingest/contract/index.ts'
import type { Simulation } from './simulate.ts'

/** A record as both the in-process delivery and the Kafka delivery take it. */
export interface SimRecord {
  topic: string
  key: string
  value: Buffer
}

/**
 * A record of a `messages` back-fill: an event is handed over as the contract object itself (`value` null), an
 * article as JSON bytes (the same content path as ever; there are few of them). transform's InProcessRecord.
 */
export interface SimMessageRecord {
  topic: string
  key: string
  value: Buffer | null
  message?: EventMessage
}

export interface BackfillProgress {
  /** The Vietnam day just finished. */
  day: string
  /** 1-based. */
  dayIndex: number
  days: number
  dayEvents: number
  events: number
  articles: number
  elapsedMs: number
}

export interface BackfillOptions<R = SimRecord> {
  simulation: Simulation
  deliver: (records: R[]) => Promise<void>
  topics: { events: string; content: string }
  /** Records per delivery (default 10 000). */
  batchRecords?: number
  /**
   * Deliveries that may be pending at once (default 1). With 2, `deliver` is called for the next batch while the
   * previous call has not settled yet — only safe when concurrent deliveries cannot interfere (each simulated
   * event id occurs once, so the writer's duplicate check of one batch never needs the other's rows).
   */
  inFlight?: number
  /** Called after each simulated day is delivered. */
  onDay?: (p: BackfillProgress) => void
  /** Clock for the progress figures (default performance.now). */
  now?: () => number
}

export interface BackfillResult {
  events: number
  articles: number
  batches: number
  elapsedMs: number
}

/**
 * Delivers every hour of the simulation; articles of an hour go before its events. Never holds more than
 * one batch plus one hour of events in memory.
 * @example await backfill({ simulation, deliver: (r) => transform.deliverInProcess(r, topics), topics })
 */
export function backfill(opts: BackfillOptions<SimRecord> & { messages?: false }): Promise<BackfillResult>
/**
 * Events as contract objects: only for a delivery that takes them as they are (transform's in-process entry).
 * @example await backfill({ simulation, messages: true, deliver: (r) => transform.deliverInProcess(r, topics), topics })
 */
export function backfill(
  opts: BackfillOptions<SimMessageRecord> & { messages: true },
): Promise<BackfillResult>
export async function backfill(
  // `never`: each overload's deliver takes the records its mode builds (checked by the overloads above).
  opts: BackfillOptions<never> & { messages?: boolean },
): Promise<BackfillResult> {
  const now = opts.now ?? (() => performance.now())
  const batchRecords = Math.max(1, opts.batchRecords ?? 10_000)
  const inFlight = Math.max(1, opts.inFlight ?? 1)
  const started = now()
  let pending: Array<SimRecord | SimMessageRecord> = []
  const delivering: Array<Promise<void>> = []
  let events = 0
  let articles = 0
  let batches = 0
  let dayEvents = 0
  let dayIndex = 0
  let currentDay = ''

  const flush = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    const delivery = opts.deliver(batch as never[])
    // Awaited below, in order; the no-op handler only stops a failure that settles first from being "unhandled".
    delivery.catch(() => undefined)
    delivering.push(delivery)
    batches++
    while (delivering.length >= inFlight) await delivering.shift()
  }
  const drain = async () => {
    while (delivering.length > 0) await delivering.shift()
  }
  const dayDone = async () => {
    await flush()
    dayIndex++
    opts.onDay?.({
      day: currentDay,
      dayIndex,
      days: opts.simulation.days,
      dayEvents,
      events,
      articles,
      elapsedMs: now() - started,
    })
    dayEvents = 0
  }

  for (const hour of opts.simulation.hours()) {
    // Let pending deliveries take their next step (e.g. hand the engine its next insert) while the next batch
    // is simulated: otherwise a delivery's continuation waits for a whole batch of synchronous simulation.
    if (delivering.length > 0) await yieldToEventLoop()
    if (hour.day !== currentDay) {
      if (currentDay !== '') await dayDone()
      currentDay = hour.day
    }
    for (const a of hour.articles) {
      pending.push({ topic: opts.topics.content, key: articleKey(a), value: Buffer.from(JSON.stringify(a)) })
      articles++
    }
    for (const e of hour.events) {
      pending.push(
        opts.messages
          ? { topic: opts.topics.events, key: eventKey(e), value: null, message: e }
          : { topic: opts.topics.events, key: eventKey(e), value: Buffer.from(JSON.stringify(e)) },
      )
      events++
      dayEvents++
      if (pending.length >= batchRecords) await flush()
    }
  }
  if (currentDay !== '') await dayDone()
  await drain()
  return { events, articles, batches, elapsedMs: now() - started }
}
