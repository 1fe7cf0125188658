// Fault injection for the chaos drills (bench/chaos): a ClickHouse outage a test can switch on and off
// from outside the worker process. Only wired in when NHIP_FAULT_CLICKHOUSE_DOWN_FILE is configured.
import { existsSync } from 'node:fs'
import { type EventWriter, InsertError } from './writer.ts'

/**
 * Wraps a writer so that every write fails with a retryable {@link InsertError} while `isDown()` is true —
 * what the consumer sees when the ClickHouse engine or server is unavailable. Nothing is written then.
 * @example const writer = withSimulatedOutage(transform.writer, () => existsSync('/tmp/ch-down'))
 */
export function withSimulatedOutage(writer: EventWriter, isDown: () => boolean): EventWriter {
  const guard = (what: string): void => {
    if (isDown()) throw new InsertError(`fault injection: ClickHouse unavailable, ${what} not written`)
  }
  return {
    async writeEvents(rows, source) {
      guard(`${rows.length} events`)
      return writer.writeEvents(rows, source)
    },
    async writeArticles(rows) {
      guard(`${rows.length} articles`)
      return writer.writeArticles(rows)
    },
    async writeDeadLetters(rows) {
      guard(`${rows.length} dead letters`)
      return writer.writeDeadLetters(rows)
    },
  }
}

/**
 * {@link withSimulatedOutage} driven by a file: ClickHouse counts as down while `file` exists.
 * @example const writer = withOutageFile(transform.writer, config.transform.faultClickHouseDownFile)
 */
export function withOutageFile(writer: EventWriter, file: string): EventWriter {
  return withSimulatedOutage(writer, () => existsSync(file))
}
