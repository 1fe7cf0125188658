// Token buckets in memory: per IP and per site, answered with 429 + Retry-After by the routes.
import { LRUCache } from 'lru-cache'

export interface RateLimiter {
  /** Takes `cost` tokens for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string, cost?: number): number
}

/**
 * @param ratePerSec tokens refilled per second
 * @param burst bucket size
 * @example const perIp = createRateLimiter({ ratePerSec: 20, burst: 60, now: Date.now })
 */
export function createRateLimiter(opts: {
  ratePerSec: number
  burst: number
  now: () => number
  maxKeys?: number
}): RateLimiter {
  // Bounded memory: past maxKeys the least recently seen bucket is forgotten (a full bucket is the same as no
  // bucket). An LRU made for this, not a Map trimmed at its oldest key: V8 keeps a deleted Map entry as a hole
  // until the table is rebuilt, so `keys().next()` walks ever more holes — 26 µs per call at 100 000 keys
  // after a million distinct addresses, a quarter of the collector's CPU in bench:collector.
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: opts.maxKeys ?? 100_000 })
  return {
    take(key, cost = 1) {
      const now = opts.now()
      let b = buckets.get(key)
      if (!b) {
        b = { tokens: opts.burst, at: now }
        buckets.set(key, b)
      } else {
        b.tokens = Math.min(opts.burst, b.tokens + ((now - b.at) / 1000) * opts.ratePerSec)
        b.at = now
      }
      if (b.tokens >= cost) {
        b.tokens -= cost
        return 0
      }
      return Math.max(1, Math.ceil((cost - b.tokens) / opts.ratePerSec))
    },
  }
}
