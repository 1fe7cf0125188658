// The worker side of the threaded Kafka delivery (delivery-thread.ts): the collector's kafkajs client, its
// producers, their gzip and their sockets live on this thread. Answers go back in a microtask: the callers of
// one acknowledged Produce request are all answered in one message.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import { createLogger } from '../../infra/logger.ts'
import type { DeliveryWorkerData, FromWorker, ToWorker, WireError } from './delivery-thread.ts'
import { createCollectorKafka, createKafkaDelivery } from './kafka-deliver.ts'
import type { OutRecord } from './sink.ts'

if (!parentPort) throw new Error('delivery-thread-worker.ts runs as a worker thread')
const port: MessagePort = parentPort
const data = workerData as DeliveryWorkerData
const log = createLogger({ level: data.logLevel, name: data.logName }).child({ component: 'kafka-delivery' })
const { kafka, sockets } = createCollectorKafka(data.settings, log)
const delivery = createKafkaDelivery(kafka, {
  sockets,
  ...(data.producers ? { producers: data.producers } : {}),
})

function wireError(err: unknown): WireError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown }
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  }
}

let answers: Array<{ id: number; error?: WireError }> = []
let answering = false
function answer(id: number, error?: WireError): void {
  answers.push(error ? { id, error } : { id })
  if (answering) return
  answering = true
  queueMicrotask(() => {
    answering = false
    const msg: FromWorker = { kind: 'done', results: answers, stats: delivery.stats() }
    answers = []
    port.postMessage(msg)
  })
}

// Producers connect now, not at the first reader's request; a failure is reported, and retried at the next send.
function connect(): void {
  delivery.connect().then(
    () => port.postMessage({ kind: 'connected', stats: delivery.stats() } satisfies FromWorker),
    (err: unknown) =>
      port.postMessage({
        kind: 'connected',
        error: wireError(err),
        stats: delivery.stats(),
      } satisfies FromWorker),
  )
}
connect()

port.on('message', (msg: ToWorker) => {
  if (msg.kind === 'connect') {
    connect()
  } else if (msg.kind === 'deliver') {
    const values = Buffer.from(msg.values.buffer, msg.values.byteOffset, msg.values.byteLength)
    let at = 0
    let r = 0
    for (const item of msg.items) {
      const records: OutRecord[] = []
      for (let i = 0; i < item.count; i++, r++) {
        const len = msg.lengths[r] as number
        records.push({
          topic: msg.topics[r] as string,
          key: msg.keys[r] as string,
          value: values.subarray(at, at + len),
        })
        at += len
      }
      delivery.deliver(records).then(
        () => answer(item.id),
        (err: unknown) => answer(item.id, wireError(err)),
      )
    }
  } else if (msg.kind === 'close') {
    delivery.close({ timeoutMs: msg.timeoutMs }).then(
      (result) => {
        const out: FromWorker = { kind: 'closed', result, stats: delivery.stats() }
        port.postMessage(out)
      },
      (err: unknown) => {
        log.error({ err }, 'closing the Kafka delivery failed')
        const out: FromWorker = {
          kind: 'closed',
          result: { settled: false, socketsDestroyed: sockets.destroyAll() },
          stats: delivery.stats(),
        }
        port.postMessage(out)
      },
    )
  }
})
