// Typed errors that tell the caller whether trying again can help (outages) or not (bad input, bugs).

/** Base class: every error we raise on purpose carries a stable code and a retry hint. */
export class AppError extends Error {
  readonly code: string
  readonly retry: boolean
  constructor(code: string, message: string, opts: { retry?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.retry = opts.retry ?? false
  }
}

/** A setting is missing or malformed; start-up stops with a message naming the variable. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super('CONFIG', message)
  }
}

/** ClickHouse could not be reached or opened; retrying later may help. */
export class ClickHouseUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('CLICKHOUSE_UNAVAILABLE', message, { retry: true, cause })
  }
}

/** The embedded ClickHouse data path is held by another process (chDB allows one per path). */
export class DataPathLockedError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('DATA_PATH_LOCKED', message, { retry: false, cause })
  }
}

/** Kafka could not be reached; retrying later may help. */
export class KafkaUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('KAFKA_UNAVAILABLE', message, { retry: true, cause })
  }
}

/** A migration file was edited after it had been applied, or a migration failed. */
export class MigrationError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('MIGRATION', message, { retry: false, cause })
  }
}

/** Message of any thrown value, for logs and one-line CLI errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/** Whether `err` is a Node system error with this errno code. */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}
