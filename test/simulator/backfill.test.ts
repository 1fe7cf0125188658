import { describe, expect, it } from 'vitest'
import { backfill, type SimRecord } from '../../bench/simulator/backfill.ts'
import { Simulation } from '../../bench/simulator/simulate.ts'
import { ArticleMessage, EventMessage } from '../../ingest/contract/index.ts'

describe('back-fill driver', () => {
  it('delivers every article and event once, in batches, articles before the events of their hour', async () => {
    const sim = new Simulation({ seed: 5, startDay: '2026-11-01', days: 2, scale: 0.2 })
    const batches: SimRecord[][] = []
    const days: string[] = []
    const result = await backfill({
      simulation: sim,
      deliver: async (records) => {
        batches.push(records)
      },
      topics: { events: 'ev', content: 'ct' },
      batchRecords: 2000,
      onDay: (p) => days.push(`${p.dayIndex}/${p.days} ${p.day} ${p.events}`),
    })
    const records = batches.flat()
    const events = records.filter((r) => r.topic === 'ev')
    const articles = records.filter((r) => r.topic === 'ct')
    expect(result.events).toBe(events.length)
    expect(result.articles).toBe(articles.length)
    expect(result.batches).toBe(batches.length)
    expect(sim.groundTruth().totals.events).toBe(events.length)
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(2000 + 2000)
    expect(days).toHaveLength(2)
    expect(days[0]).toMatch(/^1\/2 2026-11-01 \d+$/)
    expect(days[1]).toBe(`2/2 2026-11-02 ${events.length}`)

    const ids = new Set<string>()
    let lastArticleIndex = -1
    records.forEach((r, i) => {
      const value: unknown = JSON.parse(r.value.toString('utf8'))
      if (r.topic === 'ct') {
        const a = ArticleMessage.parse(value)
        expect(r.key).toBe(`${a.site_id}:${a.article_id}`)
        lastArticleIndex = i
      } else {
        const e = EventMessage.parse(value)
        expect(r.key).toBe(`${e.site_id}:${e.visitor_id}`)
        ids.add(e.event_id)
      }
    })
    expect(ids.size).toBe(events.length)
    expect(lastArticleIndex).toBeGreaterThan(0)
  }, 60_000)

  it('stops at the first failed delivery (the caller retries; nothing is skipped silently)', async () => {
    const sim = new Simulation({ seed: 5, startDay: '2026-11-01', days: 1, scale: 0.1 })
    let calls = 0
    await expect(
      backfill({
        simulation: sim,
        deliver: async () => {
          calls++
          if (calls === 2) throw new Error('ClickHouse went away')
        },
        topics: { events: 'ev', content: 'ct' },
        batchRecords: 500,
      }),
    ).rejects.toThrow('ClickHouse went away')
    expect(calls).toBe(2)
  }, 60_000)
})
