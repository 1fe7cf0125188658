import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { AliasTable, hashId, hashLabels, Rng, searchCumulative } from '../../bench/simulator/random.ts'

describe('seeded randomness', () => {
  it('gives the same stream for the same labels and a different one otherwise', () => {
    const a = Rng.for(7, 'traffic', 0, 20_000, 8)
    const b = Rng.for(7, 'traffic', 0, 20_000, 8)
    const c = Rng.for(7, 'traffic', 0, 20_000, 9)
    const draw = (r: Rng) => Array.from({ length: 20 }, () => r.u32())
    const sa = draw(a)
    expect(sa).toEqual(draw(b))
    expect(sa).not.toEqual(draw(c))
    expect(hashLabels(7, 'x')).toBe(hashLabels(7, 'x'))
    expect(hashLabels(7, 'x')).not.toBe(hashLabels(8, 'x'))
  })

  it('draws uniform floats in [0, 1) with the right mean', () => {
    const r = new Rng(1)
    let sum = 0
    let outside = 0
    for (let i = 0; i < 100_000; i++) {
      const x = r.float()
      if (!(x >= 0 && x < 1)) outside++
      sum += x
    }
    expect(outside).toBe(0)
    expect(sum / 100_000).toBeCloseTo(0.5, 2)
  })

  it('makes valid, distinct version-4 UUIDs', () => {
    const r = new Rng(2)
    const ids = new Set<string>()
    for (let i = 0; i < 50_000; i++) ids.add(r.uuid())
    expect(ids.size).toBe(50_000)
    for (const id of [...ids].slice(0, 1000)) {
      expect(z.uuid().safeParse(id).success).toBe(true)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
  })

  it('makes 22-character URL-safe ids that depend only on their labels', () => {
    expect(hashId(7, 'vid', 12, 0)).toBe(hashId(7, 'vid', 12, 0))
    expect(hashId(7, 'vid', 12, 0)).not.toBe(hashId(7, 'vid', 12, 1))
    expect(hashId(7, 'vid', 12, 0)).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('samples an alias table in proportion to the weights', () => {
    const table = new AliasTable([5, 1, 0, 4])
    const r = new Rng(3)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 100_000; i++) {
      const k = table.draw(r)
      counts[k] = (counts[k] ?? 0) + 1
    }
    expect(counts[2]).toBe(0)
    expect((counts[0] ?? 0) / 100_000).toBeCloseTo(0.5, 1)
    expect((counts[3] ?? 0) / 100_000).toBeCloseTo(0.4, 1)
  })

  it('has Poisson, gamma and beta draws with the right means', () => {
    const r = new Rng(4)
    const mean = (f: () => number, n = 20_000) => Array.from({ length: n }, f).reduce((a, b) => a + b, 0) / n
    expect(mean(() => r.poisson(3))).toBeCloseTo(3, 1)
    expect(mean(() => r.poisson(200)) / 200).toBeCloseTo(1, 2)
    expect(mean(() => r.gamma(0.4))).toBeCloseTo(0.4, 1)
    expect(mean(() => r.beta(2, 6))).toBeCloseTo(0.25, 1)
  })

  it('finds the bucket of a running sum', () => {
    const cum = [1, 3, 6, 10]
    expect(searchCumulative(cum, 4, 0)).toBe(0)
    expect(searchCumulative(cum, 4, 2.5)).toBe(1)
    expect(searchCumulative(cum, 4, 3)).toBe(2)
    expect(searchCumulative(cum, 4, 9.99)).toBe(3)
  })
})
