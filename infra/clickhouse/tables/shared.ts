// Small codecs shared by the table modules: how timestamps, days and counts cross the ClickHouse boundary.
import { z } from 'zod'
import { AppError } from '../../errors.ts'

/** A write to a Nhịp table failed in the engine or on the way to the server: retrying may help. */
export class TableWriteError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('TABLE_WRITE', message, { retry: true, cause })
  }
}

/** Agency, site and article identifiers, as in the event contract. */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, underscore or dash')

/** A Vietnam calendar day, `YYYY-MM-DD`. */
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')

/** An instant given as epoch milliseconds or a Date. */
export const Instant = z
  .union([z.number().int().nonnegative(), z.date()])
  .transform((v) => (v instanceof Date ? v.getTime() : v))

/** DateTime64(3) text in UTC, the form every insert and query parameter uses. */
export function chDateTime(ms: number | Date): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

/** 64-bit integers come back quoted (output_format_json_quote_64bit_integers); counts here fit a double. */
export const Count = z.coerce.number().int().nonnegative()

/** A ratio the views return as NULL when its denominator is zero. */
export const Ratio = z.number().nullable()

/** `toUnixTimestamp(...)` output, as a Date. */
export const UnixSeconds = z.coerce.number().transform((s) => new Date(s * 1000))
