// The tracker loads on every article page of every site: its size is a budget, not a wish.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildTracker, TRACKER_DIST, TRACKER_GZIP_BUDGET } from '../../ingest/tracker/build.ts'

describe('tracker build', () => {
  it('fits 2.5 KB gzipped and writes dist/n.js', { timeout: 60_000 }, async () => {
    const { code, gzipBytes, minBytes } = await buildTracker()
    expect(TRACKER_GZIP_BUDGET).toBe(2560)
    expect(gzipBytes).toBeLessThanOrEqual(TRACKER_GZIP_BUDGET)
    expect(gzipBytes).toBe(gzipSync(code, { level: 9 }).length)
    expect(minBytes).toBe(Buffer.byteLength(code))
    expect(readFileSync(TRACKER_DIST, 'utf8')).toBe(code)
    // Type-only imports of the contract must not drag zod into the bundle.
    expect(code).not.toMatch(/zod|ZodError/)
  })
})
