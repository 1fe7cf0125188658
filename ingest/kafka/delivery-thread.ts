// Kafka delivery on a thread of its own. The collector is CPU-bound on its one JavaScript thread: in
// bench:collector the kafkajs producers (record encoding, idempotence bookkeeping, the Produce round trips) and
// their gzip took ~30 % of it. Here they run in a worker thread (delivery-thread-worker.ts) with the same
// producers, sharding, group commit and close semantics as `createKafkaDelivery`; the HTTP thread only copies
// the records over. They leave in a microtask, so every request's records cross as soon as its handler yields
// (with any others queued by then). Waiting for the end of the event-loop turn instead (setImmediate) added
// ~1–3 ms per request while the thread worked through the rest of the turn's requests: 20-event batches
// 57.5 k → 61.0 k events/s with the microtask (bench:collector, 2 rounds each).
//
// A caller's promise still resolves only when Kafka acknowledged its records (acks=-1) and rejects with the
// producer's error otherwise, so the sink spools them — nothing changes for the "acknowledged means durable"
// promise. If the thread dies, every request waiting on it is rejected (spooled) and the next delivery starts
// a new thread.
import { Worker } from 'node:worker_threads'
import type { KafkaSettings } from '../../infra/kafka/client.ts'
import type { Logger } from '../../infra/logger.ts'
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  type KafkaDelivery,
  type KafkaDeliveryClosed,
  KafkaDeliveryClosedError,
  type SentStats,
} from './kafka-deliver.ts'
import type { OutRecord } from './sink.ts'

/** What the worker is started with (structured-cloned). */
export interface DeliveryWorkerData {
  settings: KafkaSettings
  producers?: number
  logLevel: string
  logName: string
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string
  message: string
  code?: string
}

/** Records of several requests in one message: their values packed into one transferred buffer. */
export type ToWorker =
  | {
      kind: 'deliver'
      items: Array<{ id: number; count: number }>
      topics: string[]
      keys: string[]
      lengths: number[]
      values: Uint8Array
    }
  | { kind: 'connect' }
  | { kind: 'close'; timeoutMs: number }

export type FromWorker =
  | { kind: 'done'; results: Array<{ id: number; error?: WireError }>; stats: SentStats }
  | { kind: 'connected'; error?: WireError; stats: SentStats }
  | { kind: 'closed'; result: KafkaDeliveryClosed; stats: SentStats }

export interface ThreadedKafkaDeliveryOptions {
  settings: KafkaSettings
  log: Logger
  /** Idempotent producers the records are sharded over (see kafka-deliver.ts). */
  producers?: number
  /** Service name in the thread's log lines. Default `nhip`. */
  logName?: string
  /** The thread's entry module. Default: the real one; tests pass one that dies. */
  entry?: URL
}

// tsx is registered inside the thread by this small ES module, so the worker runs the TypeScript source
// whether the process was started through bin/nhip, the tsx CLI or vitest.
const BOOT = new URL('./delivery-thread-boot.mjs', import.meta.url)

/** How long `close` waits beyond its own timeout for the thread to answer before terminating it. */
const CLOSE_GRACE_MS = 2000

function fromWire(e: WireError): Error {
  if (e.code === 'KAFKA_DELIVERY_CLOSED') return new KafkaDeliveryClosedError()
  const err = new Error(e.message) as Error & { code?: string }
  err.name = e.name
  if (e.code) err.code = e.code
  return err
}

/**
 * `stats()` counts every thread this delivery started, as of each one's latest answer.
 * @example
 * const delivery = createThreadedKafkaDelivery({ settings: config.kafka, log })
 * await delivery.deliver(records) // acknowledged by Kafka
 * await delivery.close({ timeoutMs: 3000 })
 */
export function createThreadedKafkaDelivery(opts: ThreadedKafkaDeliveryOptions): KafkaDelivery {
  const { log } = opts
  const data: DeliveryWorkerData = {
    settings: opts.settings,
    ...(opts.producers ? { producers: opts.producers } : {}),
    logLevel: opts.log.level,
    logName: opts.logName ?? 'nhip',
  }
  type Waiter = { resolve: () => void; reject: (err: unknown) => void }
  const pending = new Map<number, Waiter>()
  let outbox: Array<{ id: number; records: OutRecord[]; waiter: Waiter }> = []
  let flushing = false
  let nextId = 1
  let worker: Worker | undefined
  let closed = false
  let closing: Promise<KafkaDeliveryClosed> | undefined
  let onClosed: ((result: KafkaDeliveryClosed) => void) | undefined
  // The thread connects its producers as soon as it starts; `connect` waits for that report.
  let connectWaiters: Waiter[] = []
  // Statistics of threads that exited, plus the live thread's latest.
  const past: SentStats = { sends: 0, records: 0, ms: 0 }
  let live: SentStats = { sends: 0, records: 0, ms: 0 }

  function failPending(err: Error): void {
    const waiters = [...pending.values()]
    pending.clear()
    worker?.unref()
    for (const w of waiters) w.reject(err)
  }

  function spawn(): Worker {
    const w = new Worker(opts.entry ?? BOOT, { workerData: data, name: 'kafka-delivery' })
    // Referenced only while it holds requests (a waiting caller keeps the process alive until its answer); an
    // idle thread of a collector that was never closed does not hold the process open.
    w.unref()
    w.on('message', (msg: FromWorker) => {
      live = msg.stats
      if (msg.kind === 'closed') {
        onClosed?.(msg.result)
        return
      }
      if (msg.kind === 'connected') {
        const waiters = connectWaiters
        connectWaiters = []
        for (const c of waiters) msg.error ? c.reject(fromWire(msg.error)) : c.resolve()
        return
      }
      for (const r of msg.results) {
        const waiter = pending.get(r.id)
        pending.delete(r.id)
        if (r.error) waiter?.reject(fromWire(r.error))
        else waiter?.resolve()
      }
      if (pending.size === 0) w.unref()
    })
    w.on('error', (err) =>
      log.error({ err }, 'the Kafka delivery thread failed; its requests go to the spool'),
    )
    w.on('exit', (code) => {
      if (worker === w) worker = undefined
      past.sends += live.sends
      past.records += live.records
      past.ms += live.ms
      live = { sends: 0, records: 0, ms: 0 }
      const exited = new Error(`the Kafka delivery thread exited (code ${code})`)
      const waiters = connectWaiters
      connectWaiters = []
      for (const c of waiters) c.reject(exited)
      failPending(closed ? new KafkaDeliveryClosedError() : exited)
      onClosed?.({ settled: false, socketsDestroyed: 0 })
    })
    return w
  }

  function flush(): void {
    flushing = false
    const batch = outbox
    outbox = []
    if (batch.length === 0) return
    if (closed) {
      for (const b of batch) b.waiter.reject(new KafkaDeliveryClosedError())
      return
    }
    try {
      post(batch)
    } catch (err) {
      // The thread could not be started or the message not sent: these callers spool their records.
      log.error({ err }, 'handing records to the Kafka delivery thread failed')
      for (const b of batch) {
        pending.delete(b.id)
        b.waiter.reject(err)
      }
    }
  }

  function post(batch: typeof outbox): void {
    worker ??= spawn()
    const w = worker
    let total = 0
    for (const b of batch) for (const r of b.records) total += r.value.length
    // An ArrayBuffer of its own (not Buffer's shared pool), so it can be transferred instead of copied again.
    const values = new Uint8Array(total)
    const topics: string[] = []
    const keys: string[] = []
    const lengths: number[] = []
    const items: Array<{ id: number; count: number }> = []
    let at = 0
    for (const b of batch) {
      items.push({ id: b.id, count: b.records.length })
      pending.set(b.id, b.waiter)
      for (const r of b.records) {
        values.set(r.value, at)
        at += r.value.length
        topics.push(r.topic)
        keys.push(r.key)
        lengths.push(r.value.length)
      }
    }
    const msg: ToWorker = { kind: 'deliver', items, topics, keys, lengths, values }
    w.postMessage(msg, [values.buffer])
    w.ref()
  }

  return {
    connect() {
      if (closed) return Promise.reject(new KafkaDeliveryClosedError())
      return new Promise<void>((resolve, reject) => {
        connectWaiters.push({ resolve, reject })
        // A thread that is already up reported its connect long ago: a fresh one reports again.
        if (worker) worker.postMessage({ kind: 'connect' } satisfies ToWorker)
        else worker = spawn()
      })
    },
    deliver(records) {
      if (closed) return Promise.reject(new KafkaDeliveryClosedError())
      if (records.length === 0) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        outbox.push({ id: nextId++, records, waiter: { resolve, reject } })
        if (!flushing) {
          flushing = true
          queueMicrotask(flush)
        }
      })
    },
    close(closeOpts = {}) {
      closing ??= (async () => {
        closed = true
        const timeoutMs = closeOpts.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
        // Not yet handed to the thread: rejected like a producer's queued records (the caller spools them).
        flush()
        const w = worker
        if (!w) return { settled: true, socketsDestroyed: 0 }
        let timer: NodeJS.Timeout | undefined
        const answered = new Promise<KafkaDeliveryClosed>((resolve) => {
          onClosed = resolve
          timer = setTimeout(
            () => resolve({ settled: false, socketsDestroyed: 0 }),
            timeoutMs + CLOSE_GRACE_MS,
          )
        })
        w.postMessage({ kind: 'close', timeoutMs } satisfies ToWorker)
        const result = await answered
        clearTimeout(timer)
        await w.terminate()
        failPending(new KafkaDeliveryClosedError())
        return result
      })()
      return closing
    },
    stats: () => ({
      sends: past.sends + live.sends,
      records: past.records + live.records,
      ms: past.ms + live.ms,
    }),
  }
}
