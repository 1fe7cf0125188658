// A Kafka delivery thread entry for tests: the first thread started with a given mark file dies (exit code 3)
// at its first records; every later one is the real thread. Lets a test watch the HTTP side outlive its thread.
import { existsSync, writeFileSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'

const mark = process.env.NHIP_TEST_DYING_THREAD_MARK
if (mark && !existsSync(mark)) {
  writeFileSync(mark, 'died once\n')
  parentPort?.on('message', (msg) => {
    if (msg.kind === 'deliver') process.exit(3)
  })
} else {
  await import('../../ingest/kafka/delivery-thread-boot.mjs')
}
