// Token buckets in memory: per IP and per site, answered with 429 + Retry-After by the routes.

export interface RateLimiter {
  /** Takes `cost` tokens for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string, cost?: number): number
}

/**
 * @param ratePerSec tokens refilled per second
 * @param burst bucket size
 * @example const perIp = createRateLimiter({ ratePerSec: 20, burst: 60, now: Date.now })
 */
export function createRateLimiter(opts: { ratePerSec: number; burst: number; now: () => number; maxKeys?: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const maxKeys = opts.maxKeys ?? 100_000
  return {
    take(key, cost = 1) {
      const now = opts.now()
      let b = buckets.get(key)
      if (!b) {
        // Bounded memory: forget the oldest bucket (a full bucket is the same as no bucket).
        if (buckets.size >= maxKeys) {
          const first = buckets.keys().next().value
          if (first !== undefined) buckets.delete(first)
        }
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
