import { describe, expect, it } from 'vitest'
import { dlq, drop, isOk, ok } from '../../../transform/pipeline/outcome.ts'

describe('outcome helpers', () => {
  it('builds the three outcomes', () => {
    expect(ok(1)).toEqual({ kind: 'ok', value: 1 })
    expect(drop('ignored')).toEqual({ kind: 'drop', reason: 'ignored' })
    expect(dlq('broken')).toEqual({ kind: 'dlq', reason: 'broken' })
    expect(isOk(ok(1))).toBe(true)
    expect(isOk(dlq('x'))).toBe(false)
  })
})
