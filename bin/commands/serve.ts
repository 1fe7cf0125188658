// `nhip serve`: the collector alone. Its stop is bounded: on SIGTERM/SIGINT it stops accepting, hands the
// spool to Kafka for a while (ingest/kafka/stop-collector.ts) and exits, whatever Kafka or a library does.
// Accepted events not yet in Kafka stay in the durable spool and are delivered at the next start.
import type { Context } from '../context.ts'
import { startCommand } from './start.ts'

/** From the signal, the whole stop must be over by then — inside a supervisor's usual 30 s grace. */
export const STOP_DEADLINE_MS = 25_000
/** Once every stop step is done, the event loop must empty within this; what still holds it is logged. */
export const EXIT_GRACE_MS = 2000

/** Runs the collector until SIGTERM/SIGINT, then stops within {@link STOP_DEADLINE_MS} and exits. */
export async function serveCommand(ctx: Context): Promise<void> {
  const { log } = ctx
  let signalled = false
  const armDeadline = (signal: NodeJS.Signals) => {
    if (signalled) return
    signalled = true
    // Not expected (every step is bounded); if a step hangs anyway, the spool is crash-safe, so exiting loses
    // nothing acknowledged. Non-zero: an operator should look at the log line.
    setTimeout(() => {
      log.error(
        { signal, deadline_ms: STOP_DEADLINE_MS, active: process.getActiveResourcesInfo() },
        'collector did not stop within the deadline; exiting (accepted events stay in the spool for the next start)',
      )
      process.exit(1)
    }, STOP_DEADLINE_MS).unref()
  }
  try {
    await startCommand(ctx, {
      role: 'collector',
      // Armed once serving: a signal during start-up keeps its default (immediate) effect.
      onListening: () => {
        process.once('SIGTERM', armDeadline)
        process.once('SIGINT', armDeadline)
      },
    })
  } finally {
    process.off('SIGTERM', armDeadline)
    process.off('SIGINT', armDeadline)
    // Everything is closed and the spool released. A handle that still keeps the loop alive (a library's
    // socket or timer) must not keep a stopped collector running: name it, then exit.
    setTimeout(() => {
      log.warn(
        { active: process.getActiveResourcesInfo() },
        'collector stopped but something still holds the event loop; exiting',
      )
      process.exit()
    }, EXIT_GRACE_MS).unref()
  }
}
