// Step 1: Kafka message bytes → a JSON value. Bytes that are not UTF-8 JSON, or too large, are dead letters.

import { dlq, ok, type StepResult } from '../outcome.ts'
import { findJsonSyntaxError } from './json-error-position.ts'

export const MAX_MESSAGE_BYTES = 256 * 1024

export interface ParseStepOptions {
  /** Largest accepted message; the collector never produces events near this. Default 256 KiB. */
  maxBytes?: number
}

/**
 * @example createParseStep()(Buffer.from('{"v":1}')) // { kind: 'ok', value: { v: 1 } }
 */
export function createParseStep(
  options: ParseStepOptions = {},
): (bytes: Buffer | null) => StepResult<unknown> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  return (bytes) => {
    if (bytes === null) return dlq('empty message (null value)')
    if (bytes.length > maxBytes) return dlq(`message too large: ${bytes.length} bytes (limit ${maxBytes})`)
    let text: string
    try {
      text = utf8.decode(bytes)
    } catch {
      return dlq(`invalid UTF-8 at byte ${firstInvalidUtf8Byte(bytes)}`)
    }
    try {
      return ok(JSON.parse(text) as unknown)
    } catch {
      const error = findJsonSyntaxError(text)
      return dlq(error ? `invalid JSON at position ${error.position}: ${error.problem}` : 'invalid JSON')
    }
  }
}

/** Offset where decoding fails: the length of the longest prefix that is valid UTF-8 (or an unfinished sequence). */
function firstInvalidUtf8Byte(bytes: Buffer): number {
  let lo = 0
  let hi = bytes.length
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    try {
      // stream: true tolerates a sequence cut at the end of the prefix; a fresh decoder per probe.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true })
      lo = mid
    } catch {
      hi = mid - 1
    }
  }
  return lo
}
