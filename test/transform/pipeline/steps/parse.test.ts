import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createParseStep, MAX_MESSAGE_BYTES } from '../../../../transform/pipeline/steps/parse.ts'
import { aMessage } from '../../builders.ts'

const parse = createParseStep()

describe('parse step', () => {
  it('parses an event message', () => {
    const result = parse(aMessage())
    expect(result.kind).toBe('ok')
    expect(result.kind === 'ok' && (result.value as { v: number }).v).toBe(1)
  })

  it('keeps Vietnamese text intact and skips a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"title":"Đà Lạt"}')])
    expect(parse(bytes)).toEqual({ kind: 'ok', value: { title: 'Đà Lạt' } })
  })

  it.each([
    ['{"a":}', 'invalid JSON at position 5: unexpected "}"'],
    ['{"a":1', 'invalid JSON at position 6: unexpected end of input'],
    ['[1,2,]', 'invalid JSON at position 5: unexpected "]"'],
    ['{a:1}', 'invalid JSON at position 1: expected a double-quoted property name'],
    ['{"a":1} x', 'invalid JSON at position 8: unexpected data after the JSON value'],
    ['', 'invalid JSON at position 0: unexpected end of input'],
    ['"abc', 'invalid JSON at position 4: unterminated string'],
    ['{"a":"\u0001"}', 'invalid JSON at position 6: control character in string'],
    ['01', 'invalid JSON at position 1: unexpected data after the JSON value'],
  ])('sends %j to the DLQ with the position', (text, reason) => {
    expect(parse(Buffer.from(text))).toEqual({ kind: 'dlq', reason })
  })

  it('sends invalid UTF-8 to the DLQ, saying where', () => {
    const bytes = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
    expect(parse(bytes)).toEqual({ kind: 'dlq', reason: 'invalid UTF-8 at byte 10' })
  })

  it('sends a message over 256 KiB to the DLQ, accepting one exactly at the limit', () => {
    const padded = (n: number) => Buffer.from(`"${'a'.repeat(n - 2)}"`)
    expect(parse(padded(MAX_MESSAGE_BYTES)).kind).toBe('ok')
    expect(parse(padded(MAX_MESSAGE_BYTES + 1))).toEqual({
      kind: 'dlq',
      reason: `message too large: ${MAX_MESSAGE_BYTES + 1} bytes (limit ${MAX_MESSAGE_BYTES})`,
    })
  })

  it('sends a null value (tombstone) to the DLQ', () => {
    expect(parse(null)).toEqual({ kind: 'dlq', reason: 'empty message (null value)' })
  })

  it('never throws, and reports a position inside the text for any invalid JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => j.slice(0, -1)),
          fc.uint8Array(),
        ),
        (input) => {
          const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input)
          const result = parse(bytes)
          if (result.kind === 'dlq' && result.reason.startsWith('invalid JSON at position')) {
            const position = Number(/position (\d+)/.exec(result.reason)?.[1])
            expect(position).toBeLessThanOrEqual(bytes.toString('utf8').length)
          }
          expect(['ok', 'dlq']).toContain(result.kind)
        },
      ),
      { numRuns: 500 },
    )
  })
})
