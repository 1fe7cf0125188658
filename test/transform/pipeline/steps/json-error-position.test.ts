import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findJsonSyntaxError } from '../../../../transform/pipeline/steps/json-error-position.ts'

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on what is valid', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.json().map((j) => j.replace(/[,:\]}]/, '')),
          fc.constantFrom('-', '1.', '1e', 'nul', '"\\x"', '[1 2]'),
        ),
        (text) => {
          let valid = true
          try {
            JSON.parse(text)
          } catch {
            valid = false
          }
          expect(findJsonSyntaxError(text) === undefined).toBe(valid)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
