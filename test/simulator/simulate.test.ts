import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { SITES } from '../../bench/simulator/catalog.ts'
import { serializeGroundTruth } from '../../bench/simulator/ground-truth.ts'
import { vietnamHourIndex } from '../../bench/simulator/model.ts'
import { Simulation, simulateDays } from '../../bench/simulator/simulate.ts'
import { ArticleMessage, EventMessage } from '../../ingest/contract/index.ts'
import { createEventPipeline, createSessionizer, type EnrichedEvent } from '../../transform/pipeline/index.ts'

const HOUR = 3_600_000

function run(seed: number, days = 2, scale = 0.3) {
  const sim = new Simulation({ seed, startDay: '2026-11-20', days, scale })
  const hash = createHash('sha256')
  let events = 0
  for (const batch of sim.hours()) {
    for (const a of batch.articles) hash.update(JSON.stringify(a))
    for (const e of batch.events) {
      hash.update(JSON.stringify(e))
      events++
    }
  }
  return { events, digest: hash.digest('hex'), truth: serializeGroundTruth(sim.groundTruth()) }
}

describe('simulation: determinism', () => {
  it('gives identical events and byte-identical ground truth for the same seed, and differs for another', () => {
    const a = run(7)
    const b = run(7)
    const c = run(8)
    expect(a.events).toBeGreaterThan(10_000)
    expect(b.digest).toBe(a.digest)
    expect(b.truth).toBe(a.truth)
    expect(c.digest).not.toBe(a.digest)
    expect(c.truth).not.toBe(a.truth)
  }, 120_000)

  it('reads neither the clock nor Math.random', () => {
    const firstEvents = () =>
      [...simulateDays({ seed: 3, startDay: '2026-01-05', days: 1, scale: 0.1 })][8]?.events.slice(0, 5)
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('the simulator must not use Math.random')
    })
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(new Date('2026-03-01T00:00:00Z'))
      const first = firstEvents()
      vi.setSystemTime(new Date('2031-07-15T13:45:00Z'))
      expect(firstEvents()).toEqual(first)
      expect(first?.length).toBe(5)
    } finally {
      vi.useRealTimers()
      random.mockRestore()
    }
  }, 60_000)
})

describe('simulation: one day through the contract and the real pipeline', () => {
  const sim = new Simulation({ seed: 11, startDay: '2026-11-24', days: 1, scale: 0.5 })
  const hosts = new Map(SITES.map((s) => [s.site_id, [s.domain]]))
  const pipeline = createEventPipeline({
    siteHosts: (id) => hosts.get(id) ?? [],
    sessionizer: createSessionizer(),
  })
  const batches = [...sim.hours()]
  const truth = sim.groundTruth()

  it('streams hour by hour: 24 batches, sessions starting inside their hour', () => {
    expect(batches).toHaveLength(24)
    batches.forEach((b, i) => {
      expect(b.hourStart).toBe((batches[0]?.hourStart ?? 0) + i * HOUR)
      for (const e of b.events) if (e.type === 'pageview') expect(e.ts).toBeGreaterThanOrEqual(b.hourStart)
    })
    // The first batch carries the back catalog; later ones only what is published in their hour.
    expect(batches[0]?.articles.length).toBeGreaterThan(500)
    for (const b of batches.slice(1))
      for (const a of b.articles) expect(a.published_at).toBeGreaterThanOrEqual(b.hourStart)
  })

  it('makes only contract-valid events and articles, all accepted by the transform pipeline', () => {
    let pageviews = 0
    const referrers = new Map<string, number>()
    for (const b of batches) {
      for (const a of b.articles) expect(ArticleMessage.safeParse(a).success).toBe(true)
      for (const e of b.events) {
        const parsed = EventMessage.safeParse(e)
        if (!parsed.success) throw new Error(`${JSON.stringify(parsed.error.issues)} in ${JSON.stringify(e)}`)
        expect(parsed.data).toEqual(e)
        const out = pipeline(Buffer.from(JSON.stringify(e)))
        if (out.kind !== 'ok') throw new Error(`pipeline ${out.kind}: ${out.reason}`)
        const row: EnrichedEvent = out.value
        expect(row.is_bot).toBe(e.client.bot || e.client.bot_kind !== '')
        if (e.type === 'pageview' && !row.is_bot) {
          pageviews++
          const key = `${e.site_id}|${row.referrer_class}`
          referrers.set(key, (referrers.get(key) ?? 0) + 1)
        }
      }
    }
    // The ground truth's referrer classes are the ones the pipeline assigns.
    const expected = new Map<string, number>()
    for (const d of truth.days)
      for (const [cls, n] of Object.entries(d.referrers)) {
        const key = `${d.site_id}|${cls}`
        expected.set(key, (expected.get(key) ?? 0) + n)
      }
    expect(Object.fromEntries([...referrers].sort())).toEqual(Object.fromEntries([...expected].sort()))
    expect(pageviews).toBe(truth.totals.pageviews)
  }, 120_000)

  it('shapes each page like the tracker: pageview first, referrer only there, milestones once, heartbeats ≤ 16 s', () => {
    let pages = 0
    for (const b of batches) {
      let url = ''
      let visitor = ''
      let lastTs = 0
      let milestones: number[] = []
      for (const e of b.events) {
        if (e.type === 'pageview') {
          pages++
          url = e.url
          visitor = e.visitor_id
          lastTs = e.ts
          milestones = []
          continue
        }
        expect(e.url).toBe(url)
        expect(e.visitor_id).toBe(visitor)
        expect(e.referrer).toBe('')
        expect(e.ts).toBeGreaterThanOrEqual(lastTs)
        lastTs = e.ts
        if (e.type === 'scroll') {
          expect([25, 50, 75, 100]).toContain(e.scroll_pct)
          expect(milestones.every((m) => m < e.scroll_pct)).toBe(true)
          milestones.push(e.scroll_pct)
        }
        if (e.type === 'engagement') {
          expect(e.engaged_ms).toBeGreaterThan(0)
          expect(e.engaged_ms).toBeLessThan(16_000)
        }
        if (e.type === 'paywall') expect(e.name).toBe('paywall_shown')
        if (e.type === 'subscribe') expect(['subscribe_start', 'subscribe_complete']).toContain(e.name)
        if (e.type === 'click') expect(['internal', 'outbound']).toContain(e.props.kind)
      }
    }
    expect(pages).toBeGreaterThan(1000)
  })

  it('keeps a ground truth that adds up to the events it made', () => {
    const events = batches.reduce((n, b) => n + b.events.length, 0)
    expect(truth.totals.events).toBe(events)
    const hourly = truth.hourly.reduce((n, r) => n + r[3], 0)
    expect(hourly).toBe(truth.totals.article_pageviews)
    const byHour = new Map<string, number>()
    for (const b of batches)
      for (const e of b.events)
        if (e.type === 'pageview' && e.article_id && !e.client.bot && e.client.bot_kind === '') {
          const k = `${e.site_id}|${e.article_id}|${vietnamHourIndex(e.ts)}`
          byHour.set(k, (byHour.get(k) ?? 0) + 1)
        }
    expect(byHour.size).toBe(truth.hourly.length)
    expect(truth.params).toMatchObject({
      seed: 11,
      start_day: '2026-11-24',
      end_day: '2026-11-24',
      holdout_day: '2026-11-25',
    })
    expect(truth.agencies.map((a) => a.agency_id)).toEqual(['baolamdong', 'lamdongtv', 'vanhoalamdong'])
    expect(truth.sites).toHaveLength(5)
    const keys = truth.hourly.map((r) => `${r[0]}\u0000${r[1]}\u0000${r[2]}`)
    expect(keys).toEqual([...keys].sort())
  })
})
