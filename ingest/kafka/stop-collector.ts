// How the collector stops (SIGTERM): stop accepting, hand the spool to Kafka for a bounded time, leave the
// rest in the durable spool for the next start, and say what was left. Bounded whatever Kafka does: a broker
// that is dead, restarting or unreachable costs at most the flush window plus the producers' close.
import { errorMessage } from '../../infra/errors.ts'
import type { Logger } from '../../infra/logger.ts'
import type { KafkaDelivery } from './kafka-deliver.ts'
import type { EventSink } from './sink.ts'
import type { Spool } from './spool.ts'

/** Default flush window, counted from the start of the stop: how long stopping keeps delivering to Kafka. */
export const DEFAULT_SHUTDOWN_FLUSH_MS = 10_000
/** How long the producers get to finish the sends in flight and disconnect once the flush window is over. */
export const KAFKA_CLOSE_MS = 3000
/** How long the drain loop gets to notice a delivery that the producers' close cut off. */
const DRAIN_LOOP_STOP_MS = 2000

export interface StopCollectorParts {
  /** The HTTP app: closing it closes the listener, answers 503 on open connections, lets requests finish. */
  app: { close(): Promise<unknown> }
  sink: EventSink
  spool: Spool
  /** Kafka mode; absent in embedded mode, where the drain loop feeds the in-process pipeline. */
  delivery?: KafkaDelivery
  log: Logger
  flushMs: number
}

/** What was left and how the steps went; also logged as one line. */
export interface CollectorStopped {
  spool_records: number
  spool_bytes: number
  flushed: boolean
  kafka_settled: boolean
  kafka_sockets_destroyed: number
  drain_loop_stopped: boolean
  /** Time to close the HTTP service (requests in flight finishing), to flush, to close the producers; total. */
  http_close_ms: number
  flush_ms: number
  kafka_close_ms: number
  ms: number
}

/**
 * Stops the collector's ingest path in order. Every accepted event is either acknowledged by Kafka or in the
 * spool when this resolves (a request in flight at the signal finishes first: 2xx only once durable).
 * @example await stopCollector({ app, sink, spool, delivery, log, flushMs: 10_000 })
 */
export async function stopCollector(parts: StopCollectorParts): Promise<CollectorStopped> {
  const { app, sink, spool, delivery, log } = parts
  const started = Date.now()
  log.info(
    { spool_records: sink.backlog().records },
    'collector stopping: no new events, finishing requests in flight',
  )
  // 1. No new events; requests in flight end durable (Kafka or spool) or refused (503), within the sink's
  //    direct-delivery deadline.
  await app.close()
  const httpClosedAt = Date.now()
  const atSignal = sink.backlog()
  if (atSignal.records > 0) {
    const window = Math.max(0, started + parts.flushMs - httpClosedAt)
    log.info(
      { spool_records: atSignal.records, window_ms: window },
      'collector stopping: handing the spool to Kafka',
    )
  }
  // 2. Hand the spool to Kafka while the window lasts (the drain loop keeps its back-off on a failing broker).
  //    The window counts from the signal, so slow requests in flight do not lengthen the stop.
  const flushed =
    atSignal.records === 0 || (await sink.drained(Math.max(0, started + parts.flushMs - Date.now())))
  const flushedAt = Date.now()
  // 3. Stop draining. In Kafka mode a delivery still in flight is cut off by closing the producers: those
  //    records were not acknowledged, so they stay in the spool. The in-process pipeline is waited for.
  let drainLoopStopped: boolean
  let kafka = { settled: true, socketsDestroyed: 0 }
  if (delivery) {
    const loop = sink.close(0)
    kafka = await delivery.close({ timeoutMs: KAFKA_CLOSE_MS })
    drainLoopStopped = (await loop) || (await sink.close(DRAIN_LOOP_STOP_MS))
  } else {
    drainLoopStopped = await sink.close()
  }
  const kafkaClosedAt = Date.now()
  // 4. The spool waits for its own appends and acks, then releases its lock.
  try {
    await spool.close()
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'spool close failed; its records are read again at the next start')
    throw err
  }
  const left = sink.backlog()
  const stopped: CollectorStopped = {
    spool_records: left.records,
    spool_bytes: left.bytes,
    flushed,
    kafka_settled: kafka.settled,
    kafka_sockets_destroyed: kafka.socketsDestroyed,
    drain_loop_stopped: drainLoopStopped,
    http_close_ms: httpClosedAt - started,
    flush_ms: flushedAt - httpClosedAt,
    kafka_close_ms: kafkaClosedAt - flushedAt,
    ms: Date.now() - started,
  }
  if (left.records > 0) {
    log.warn(
      { ...stopped, spool_records_at_signal: atSignal.records },
      'collector stopped with accepted records in the spool; they are delivered at the next start',
    )
  } else {
    log.info({ ...stopped, spool_records_at_signal: atSignal.records }, 'collector stopped; spool empty')
  }
  return stopped
}
