// The logger shape the recommender needs: pino's (fields, message) call, so the CLI passes its pino logger.

/** Minimal structured logger (pino-compatible). */
export interface RecLog {
  info(fields: object, msg: string): void
  warn(fields: object, msg: string): void
}

/** Drops every line (tests and benchmarks that print their own tables). */
export const silentLog: RecLog = { info: () => {}, warn: () => {} }
