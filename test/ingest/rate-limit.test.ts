import { describe, expect, it } from 'vitest'
import { createRateLimiter } from '../../ingest/http/rate-limit.ts'

describe('createRateLimiter', () => {
  it('allows the burst, then answers the seconds to wait, and refills over time', () => {
    let t = 0
    const limiter = createRateLimiter({ ratePerSec: 2, burst: 3, now: () => t })
    expect([1, 2, 3].map(() => limiter.take('ip'))).toEqual([0, 0, 0])
    expect(limiter.take('ip')).toBe(1)
    expect(limiter.take('ip', 5)).toBe(3)
    t = 1000
    expect(limiter.take('ip', 2)).toBe(0)
    expect(limiter.take('ip')).toBe(1)
    expect(limiter.take('other')).toBe(0)
  })

  it('keeps at most maxKeys buckets and forgets the least recently seen one', () => {
    const limiter = createRateLimiter({ ratePerSec: 1, burst: 1, now: () => 0, maxKeys: 2 })
    expect(limiter.take('a')).toBe(0)
    expect(limiter.take('b')).toBe(0)
    expect(limiter.take('a')).toBe(1) // a was seen last, so b is the one forgotten next
    expect(limiter.take('c')).toBe(0)
    expect(limiter.take('a')).toBe(1) // still limited: its bucket was kept
    expect(limiter.take('b')).toBe(0) // forgotten: a fresh, full bucket
  })

  it('stays bounded under a flood of distinct addresses', () => {
    const limiter = createRateLimiter({ ratePerSec: 1, burst: 1, now: () => 0, maxKeys: 1000 })
    const ip = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`
    for (let i = 0; i < 50_000; i++) expect(limiter.take(ip(i))).toBe(0)
    expect(limiter.take(ip(49_990))).toBe(1) // among the last 1000 seen
    expect(limiter.take(ip(10))).toBe(0) // long forgotten
  })
})
