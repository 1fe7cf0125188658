// Structured JSON logs (pino) to stderr, so command output on stdout stays clean for pipes.
import { pino, type Logger } from 'pino'

export type { Logger }

/** Secrets that must never reach a log line, whatever field they hide in. */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
]

/**
 * Creates the process logger.
 * @example const log = createLogger({ level: 'info', name: 'collector' })
 */
export function createLogger(opts: { level: string; name?: string }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.name ?? 'nhip', pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  )
}
