// Teardown that also runs when a benchmark is interrupted: the Kafka broker is a detached JVM, so a
// Ctrl-C, a kill or a closed pipe (`npm run bench:x | head`) would otherwise leave it running with its
// ports and temp dir. Steps run in reverse order of registration, each even if an earlier one failed.
import { progress } from './progress.ts'

export class Teardown {
  private readonly steps: Array<() => Promise<void>> = []
  private running: Promise<void> | undefined

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        progress(`${signal}: stopping what the benchmark started…`)
        void this.run().finally(() => process.exit(130))
      })
    }
    // A reader that went away must not kill the process before the broker is stopped.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
    })
  }

  /** Registers a step; the last registered runs first. */
  add(step: () => Promise<void>): void {
    this.steps.unshift(step)
  }

  /** Runs every step once (later calls wait for the same run). */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps) {
        try {
          await step()
        } catch (err) {
          progress(`cleanup step failed: ${err instanceof Error ? err.message : String(err)}`)
        }
      }
    })()
    return this.running
  }
}
