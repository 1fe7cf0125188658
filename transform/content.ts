// Content topic processing: bytes → validated article metadata, or a dead letter with the reason.
import { ArticleMessage, CONTENT_SCHEMA_VERSION } from '../ingest/contract/index.ts'
import type { Outcome } from './outcome.ts'

const MAX_BYTES = 256 * 1024

/** Parses and validates one `content` message. */
export function processContentMessage(value: Buffer | null): Outcome<ArticleMessage> {
  if (!value || value.length === 0) return { kind: 'dlq', reason: 'empty message' }
  if (value.length > MAX_BYTES) return { kind: 'dlq', reason: `message too large: ${value.length} bytes` }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (err) {
    return { kind: 'dlq', reason: `invalid JSON: ${(err as Error).message}` }
  }
  const v = (json as { v?: unknown } | null)?.v
  if (v !== CONTENT_SCHEMA_VERSION) return { kind: 'dlq', reason: `unsupported content schema version ${JSON.stringify(v)}` }
  const r = ArticleMessage.safeParse(json)
  if (!r.success) {
    const i = r.error.issues[0]
    return { kind: 'dlq', reason: `invalid article: ${i?.path.join('.') || 'message'}: ${i?.message}` }
  }
  return { kind: 'ok', value: r.data }
}
