import { describe, expect, it } from 'vitest'
import { createValidateStep } from '../../../../transform/pipeline/steps/validate.ts'
import { anEvent } from '../../builders.ts'

const validate = createValidateStep()

describe('validate step', () => {
  it('accepts a valid event and fills the contract defaults', () => {
    const { name, author, props, ...event } = anEvent()
    const result = validate(event)
    expect(result.kind).toBe('ok')
    if (result.kind !== 'ok') return
    expect(result.value).toMatchObject({
      name: '',
      author: '',
      props: {},
      engaged_ms: 0,
      scroll_pct: 0,
      published_at: null,
    })
  })

  it('normalises free text to NFC', () => {
    const result = validate(anEvent({ title: 'Đà Lạt'.normalize('NFD') }))
    expect(result.kind === 'ok' && result.value.title).toBe('Đà Lạt'.normalize('NFC'))
  })

  it('normalises every free-text field, props values included, and leaves the input object as it was', () => {
    const nfd = 'Thời sự'.normalize('NFD')
    const input = anEvent({ name: nfd, section: nfd, author: nfd, props: { k: nfd } })
    const result = validate(input)
    expect(result.kind).toBe('ok')
    if (result.kind !== 'ok') return
    const nfc = 'Thời sự'.normalize('NFC')
    expect([result.value.name, result.value.section, result.value.author, result.value.props.k]).toEqual([
      nfc,
      nfc,
      nfc,
      nfc,
    ])
    expect(input.section).toBe(nfd)
  })

  it.each([
    ['referrer', '', 'ok'],
    ['referrer', 'https://www.google.com/', 'ok'],
    ['referrer', 'javascript:alert(1)', 'invalid event: referrer: must be an absolute http(s) URL or empty'],
    ['article_id', '', 'ok'],
    ['article_id', 'bai-1.html', 'ok'],
    [
      'article_id',
      'Bài 1',
      'invalid event: article_id: lower-case letters, digits, dot, underscore or dash, or empty',
    ],
  ])('%s %j: %s', (field, value, expected) => {
    const result = validate(anEvent({ [field]: value }))
    if (expected === 'ok') expect(result.kind === 'ok' && result.value[field as 'referrer']).toBe(value)
    else expect(result).toEqual({ kind: 'dlq', reason: expected })
  })

  it.each([
    [2, 'unsupported schema version 2'],
    ['1', 'unsupported schema version "1"'],
    [0, 'unsupported schema version 0'],
    [null, 'unsupported schema version null'],
    [undefined, 'unsupported schema version (missing v)'],
  ])('sends v=%j to the DLQ as an unsupported version', (v, reason) => {
    expect(validate({ ...anEvent(), v })).toEqual({ kind: 'dlq', reason })
  })

  it('names the field path and the problem', () => {
    const result = validate(anEvent({ client: { device: 'phone' as 'mobile' } }))
    expect(result.kind).toBe('dlq')
    expect(result.kind === 'dlq' && result.reason).toMatch(/^invalid event: client\.device: Invalid option/)
  })

  it('reports the first three problems and counts the rest', () => {
    const result = validate({ v: 1 })
    expect(result.kind).toBe('dlq')
    if (result.kind !== 'dlq') return
    expect(result.reason).toMatch(/^invalid event: event_id: .+; type: .+; ts: .+ \(\+\d+ more\)$/)
  })

  it('quotes property names that are not identifiers', () => {
    const result = validate(anEvent({ props: { 'utm x': 'a'.repeat(300) } }))
    expect(result.kind === 'dlq' && result.reason).toMatch(/props\["utm x"\]: /)
  })

  it.each([
    [null, 'null'],
    [[1], 'an array'],
    ['event', 'a string'],
    [42, 'a number'],
  ])('sends a non-object (%j) to the DLQ', (input, kind) => {
    expect(validate(input)).toEqual({
      kind: 'dlq',
      reason: `invalid event: expected a JSON object, got ${kind}`,
    })
  })

  it('rejects a URL that is not http(s), naming the field', () => {
    const result = validate(anEvent({ url: 'javascript:alert(1)' }))
    expect(result.kind === 'dlq' && result.reason).toBe('invalid event: url: must be an absolute http(s) URL')
  })
})
