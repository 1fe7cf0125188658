import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type EventMessageInput, LIMITS } from '../../../../ingest/contract/index.ts'
import { createValidateStep } from '../../../../transform/pipeline/steps/validate.ts'

const validate = createValidateStep()

const VIETNAMESE = [
  ...'aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐÂĂƠƯ .,-?!"\'',
]
/** Free text without control characters, mixing ASCII and Vietnamese (some of it decomposed). */
const text = (maxLength: number) =>
  fc
    .oneof(fc.string({ maxLength }), fc.string({ unit: fc.constantFrom(...VIETNAMESE), maxLength }))
    .chain((s) => fc.constantFrom(s, s.normalize('NFD')))
    .filter((s) => s.length <= maxLength)
const id = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,40}$/)
const url = fc
  .webUrl({ withQueryParameters: true, withFragments: true })
  .filter((u) => u.length <= LIMITS.urlLength)

const validEvent: fc.Arbitrary<EventMessageInput> = fc.record(
  {
    v: fc.constant(1 as const),
    event_id: fc.uuid({ version: [4, 7] }),
    type: fc.constantFrom(...EVENT_TYPES),
    name: text(LIMITS.nameLength),
    ts: fc.integer({ min: 0, max: 2 ** 42 }),
    received_at: fc.integer({ min: 0, max: 2 ** 42 }),
    agency_id: id,
    site_id: id,
    url,
    referrer: fc.oneof(fc.constant(''), url),
    title: text(LIMITS.titleLength),
    article_id: fc.oneof(fc.constant(''), id),
    section: text(LIMITS.nameLength),
    author: text(LIMITS.nameLength * 2),
    published_at: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 ** 42 })),
    visitor_id: fc.string({ minLength: 8, maxLength: LIMITS.idLength }),
    consented: fc.boolean(),
    engaged_ms: fc.integer({ min: 0, max: LIMITS.engagedMsMax }),
    scroll_pct: fc.integer({ min: 0, max: 100 }),
    props: fc.dictionary(
      fc.string({ minLength: 1, maxLength: LIMITS.propKeyLength }),
      text(LIMITS.propValueLength),
      {
        maxKeys: LIMITS.propsCount,
      },
    ),
    client: fc.record({
      device: fc.constantFrom('mobile', 'tablet', 'desktop', 'tv', 'other' as const),
      os: fc.string({ maxLength: 32 }),
      browser: fc.string({ maxLength: 32 }),
      bot: fc.boolean(),
      bot_kind: fc.constantFrom('', 'crawler', 'headless', 'datacenter', 'automation' as const),
      country: fc.string({ maxLength: 2 }),
      province: fc.string({ maxLength: 64 }),
    }),
  },
  {
    requiredKeys: [
      'v',
      'event_id',
      'type',
      'ts',
      'received_at',
      'agency_id',
      'site_id',
      'url',
      'visitor_id',
      'consented',
      'client',
    ],
  },
)

/** One structural change to an object: delete a key, or set a key (existing, nested or new) to anything. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), key: fc.string() }),
  fc.record({ op: fc.constant('set' as const), key: fc.string(), value: fc.anything() }),
  fc.record({ op: fc.constant('setClient' as const), key: fc.string(), value: fc.anything() }),
  fc.record({ op: fc.constant('replace' as const), value: fc.anything() }),
)
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

function mutate(event: EventMessageInput, m: Mutation, keyHint: number): unknown {
  const obj: Record<string, unknown> = JSON.parse(JSON.stringify(event))
  const keys = Object.keys(obj)
  const existing = keys[keyHint % keys.length] ?? 'v'
  switch (m.op) {
    case 'delete':
      delete obj[keyHint % 2 === 0 ? existing : m.key]
      return obj
    case 'set':
      obj[keyHint % 2 === 0 ? existing : m.key] = m.value
      return obj
    case 'setClient': {
      const client = obj.client as Record<string, unknown>
      const clientKeys = Object.keys(client)
      client[keyHint % 2 === 0 ? (clientKeys[keyHint % clientKeys.length] ?? 'bot') : m.key] = m.value
      return obj
    }
    case 'replace':
      return m.value
  }
}

describe('validate step (properties)', () => {
  it('accepts every valid event message, directly and after a JSON round trip', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const direct = validate(event)
        if (direct.kind !== 'ok') throw new Error(`rejected a valid event: ${direct.reason}`)
        const roundTrip = validate(JSON.parse(JSON.stringify(event)))
        expect(roundTrip.kind).toBe('ok')
      }),
      { numRuns: 500 },
    )
  })

  it('never throws on a mutated event: it passes, or goes to the DLQ with a readable reason', () => {
    fc.assert(
      fc.property(validEvent, mutation, fc.nat(), (event, m, keyHint) => {
        const result = validate(mutate(event, m, keyHint))
        if (result.kind === 'ok') {
          // Whatever passed is a valid event again.
          expect(validate(JSON.parse(JSON.stringify(result.value))).kind).toBe('ok')
          return
        }
        expect(result.kind).toBe('dlq')
        expect(result.reason).toMatch(/^(invalid event: |unsupported schema version )/)
        expect(result.reason.length).toBeLessThan(1000)
        expect(result.reason).not.toMatch(/\n/)
      }),
      { numRuns: 1000 },
    )
  })
})
