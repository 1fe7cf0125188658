import { describe, expect, it } from 'vitest'
import {
  cookielessVisitorId,
  createSaltStore,
  type SaltRecord,
  type SaltStoreDeps,
  vietnamDay,
} from '../../ingest/edge/visitor-id.ts'

const UA =
  'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36'

/** A clock, a counter-based random source and an in-memory table standing in for ClickHouse. */
function harness(start: string) {
  let now = new Date(start)
  let counter = 0
  const table: SaltRecord[] = []
  const calls = { load: 0, save: 0 }
  const deps: SaltStoreDeps = {
    load: async () => {
      calls.load++
      return table.map((r) => ({ ...r }))
    },
    save: async (rec) => {
      calls.save++
      table.push(rec)
    },
    now: () => now,
    random: (n) => {
      counter++
      return Buffer.alloc(n, counter)
    },
  }
  return {
    deps,
    table,
    calls,
    setNow: (iso: string) => {
      now = new Date(iso)
    },
  }
}

async function idAt(store: ReturnType<typeof createSaltStore>, siteId = 'baolamdong') {
  return cookielessVisitorId({ salt: await store.current(), siteId, ip: '14.160.0.1', userAgent: UA })
}

describe('cookielessVisitorId', () => {
  const salt = Buffer.alloc(32, 7)

  it('is a 22-character base64url string, stable for the same inputs', () => {
    const id = cookielessVisitorId({ salt, siteId: 'baolamdong', ip: '14.160.0.1', userAgent: UA })
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(cookielessVisitorId({ salt, siteId: 'baolamdong', ip: '14.160.0.1', userAgent: UA })).toBe(id)
  })

  it('differs by site, IP, user agent and salt', () => {
    const base = { salt, siteId: 'baolamdong', ip: '14.160.0.1', userAgent: UA }
    const id = cookielessVisitorId(base)
    expect(cookielessVisitorId({ ...base, siteId: 'baodanang' })).not.toBe(id)
    expect(cookielessVisitorId({ ...base, ip: '14.160.0.2' })).not.toBe(id)
    expect(cookielessVisitorId({ ...base, userAgent: `${UA} ` })).not.toBe(id)
    expect(cookielessVisitorId({ ...base, salt: Buffer.alloc(32, 8) })).not.toBe(id)
  })

  it('cannot be forged by moving characters between fields', () => {
    const a = cookielessVisitorId({ salt, siteId: 'ab', ip: 'c', userAgent: UA })
    const b = cookielessVisitorId({ salt, siteId: 'a', ip: 'bc', userAgent: UA })
    expect(a).not.toBe(b)
  })

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const base = { salt, siteId: 'baolamdong', userAgent: UA }
    expect(cookielessVisitorId({ ...base, ip: '::ffff:14.160.0.1' })).toBe(
      cookielessVisitorId({ ...base, ip: '14.160.0.1' }),
    )
  })

  it('refuses a short salt', () => {
    expect(() =>
      cookielessVisitorId({ salt: Buffer.alloc(4), siteId: 's', ip: '1.1.1.1', userAgent: UA }),
    ).toThrow()
  })
})

describe('createSaltStore', () => {
  it('gives the same id all day and a different one the next Vietnam day', async () => {
    const h = harness('2025-03-10T01:00:00Z') // 08:00 in Vietnam
    const store = createSaltStore(h.deps)
    const morning = await idAt(store)
    h.setNow('2025-03-10T16:59:59Z') // 23:59:59 in Vietnam
    expect(await idAt(store)).toBe(morning)
    h.setNow('2025-03-10T17:00:00Z') // midnight in Vietnam: a new day although it is still the 10th in UTC
    const nextDay = await idAt(store)
    expect(nextDay).not.toBe(morning)
    expect(h.table.map((r) => r.day)).toEqual(['2025-03-10', '2025-03-11'])
  })

  it('gives different ids for different sites on the same day', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    const store = createSaltStore(h.deps)
    expect(await idAt(store, 'baolamdong')).not.toBe(await idAt(store, 'baodanang'))
  })

  it('reuses a salt another collector already saved for today instead of minting one', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    h.table.push({ day: '2025-03-10', salt: Buffer.alloc(32, 0xaa) })
    const store = createSaltStore(h.deps)
    expect(await store.current()).toEqual(Buffer.alloc(32, 0xaa))
    expect(h.calls.save).toBe(0)
  })

  it('mints one salt, not several, when many requests arrive together at midnight', async () => {
    const h = harness('2025-03-10T17:00:00Z')
    const store = createSaltStore(h.deps)
    const salts = await Promise.all(Array.from({ length: 20 }, () => store.current()))
    expect(new Set(salts.map((s) => s.toString('hex'))).size).toBe(1)
    expect(h.calls.save).toBe(1)
  })

  it('converges on one winner when two collectors race to create the day’s salt', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    const a = createSaltStore({ ...h.deps, random: (n) => Buffer.alloc(n, 0xa0) })
    const b = createSaltStore({ ...h.deps, random: (n) => Buffer.alloc(n, 0x0b) })
    const [fromA, fromB] = await Promise.all([a.current(), b.current()])
    expect(h.table).toHaveLength(2) // both proposed…
    expect(fromA).toEqual(fromB) // …and both adopted the same one
    expect(await a.current()).toEqual(await b.current())
  })

  it("keeps yesterday's salt for late events but nothing older, and never creates one for the past", async () => {
    const h = harness('2025-03-10T01:00:00Z')
    const store = createSaltStore(h.deps)
    const day1 = await store.current()
    h.setNow('2025-03-11T01:00:00Z')
    const day2 = await store.current()
    expect(await store.saltFor(new Date('2025-03-10T10:00:00Z'))).toEqual(day1)
    expect(await store.saltFor(new Date('2025-03-11T10:00:00Z'))).toEqual(day2)
    h.setNow('2025-03-12T01:00:00Z')
    expect(await store.saltFor(new Date('2025-03-10T10:00:00Z'))).toBeUndefined()
    expect(await store.saltFor(new Date('2025-03-11T10:00:00Z'))).toEqual(day2)
    const fresh = createSaltStore(harness('2025-03-12T01:00:00Z').deps)
    expect(await fresh.saltFor(new Date('2025-03-11T10:00:00Z'))).toBeUndefined()
  })

  it('ignores salts loaded for other days, so a salt is never used outside its own day', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    h.table.push({ day: '2025-03-01', salt: Buffer.alloc(32, 0x55) })
    const store = createSaltStore(h.deps)
    const salt = await store.current()
    expect(salt).not.toEqual(Buffer.alloc(32, 0x55))
  })

  it('refuses a salt equal to one it has seen (a broken random source)', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    h.table.push({ day: '2025-03-09', salt: Buffer.alloc(32, 1) })
    const store = createSaltStore({ ...h.deps, random: (n) => Buffer.alloc(n, 1) })
    await expect(store.current()).rejects.toThrow(/reuse/)
  })

  it('refuses a random source that returns the wrong length', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    const store = createSaltStore({ ...h.deps, random: () => Buffer.alloc(8) })
    await expect(store.current()).rejects.toThrow(/expected 32/)
  })

  it('retries loading after a failed load instead of caching the failure', async () => {
    const h = harness('2025-03-10T01:00:00Z')
    let fail = true
    const store = createSaltStore({
      ...h.deps,
      load: async () => {
        if (fail) throw new Error('ClickHouse unavailable')
        return []
      },
    })
    await expect(store.current()).rejects.toThrow(/unavailable/)
    fail = false
    await expect(store.current()).resolves.toHaveLength(32)
  })
})

describe('vietnamDay', () => {
  it('uses Vietnam midnight (UTC+7), not UTC', () => {
    expect(vietnamDay(new Date('2025-03-10T16:59:59.999Z'))).toBe('2025-03-10')
    expect(vietnamDay(new Date('2025-03-10T17:00:00Z'))).toBe('2025-03-11')
  })
})
