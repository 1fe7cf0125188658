// The simulated recommendation block: readers who reach an article's end see it (rec_impression) and some go on
// through it (rec_click) — a few percent, more when the article matches their tastes. (The block draws from its
// own random stream, so it adds events without changing any other event of a seed.)
import { describe, expect, it } from 'vitest'
import type { GroundTruth } from '../../bench/simulator/ground-truth.ts'
import { REC_BLOCK_K, recClickShare } from '../../bench/simulator/model.ts'
import { Simulation } from '../../bench/simulator/simulate.ts'
import { EventMessage } from '../../ingest/contract/index.ts'

function simulate(seed: number): { events: EventMessage[]; truth: GroundTruth } {
  const sim = new Simulation({ seed, startDay: '2026-11-20', days: 1, scale: 0.5 })
  const events: EventMessage[] = []
  for (const batch of sim.hours()) events.push(...batch.events)
  return { events, truth: sim.groundTruth() }
}
const events = (seed: number) => simulate(seed).events

describe('simulated recommendation block', () => {
  const { events: all, truth } = simulate(7)
  const readers = all.filter((e) => !e.client.bot)
  const shown = readers.filter((e) => e.type === 'rec_impression')
  const clicks = readers.filter((e) => e.type === 'rec_click')

  it('is seen on some article pages and clicked a few percent of the time, top positions most', () => {
    const articleViews = readers.filter((e) => e.type === 'pageview' && e.article_id !== '').length
    expect(shown.length).toBeGreaterThan(0.1 * articleViews)
    expect(shown.length).toBeLessThan(0.5 * articleViews)
    const ctr = clicks.length / shown.length
    expect(ctr).toBeGreaterThan(0.01)
    expect(ctr).toBeLessThan(0.08)
    const at = (p: string) => clicks.filter((c) => c.props.position === p).length
    expect(at('1')).toBeGreaterThan(at('5'))
    expect(all.filter((e) => e.client.bot && e.type.startsWith('rec_'))).toEqual([])
  }, 120_000)

  it('makes events the contract accepts, each click after an impression listing it and before its pageview', () => {
    for (const e of [...shown, ...clicks]) {
      expect(EventMessage.safeParse(e).success).toBe(true)
      expect(e.props.source_article).toBe(e.article_id)
      expect(['model', 'precomputed', 'fallback']).toContain(e.props.source)
    }
    for (const s of shown) {
      const items = s.props.items?.split(',') ?? []
      expect(items.length).toBeGreaterThan(0)
      expect(items.length).toBeLessThanOrEqual(REC_BLOCK_K)
      expect(new Set(items).size).toBe(items.length)
      expect(items).not.toContain(s.article_id)
    }
    for (const c of clicks) {
      const rec = c.props.rec_article ?? ''
      const imp = shown.findLast(
        (s) => s.visitor_id === c.visitor_id && s.props.source_article === c.article_id && s.ts <= c.ts,
      )
      expect(imp?.props.items?.split(',')[Number(c.props.position) - 1]).toBe(rec)
      expect(
        readers.some(
          (e) =>
            e.type === 'pageview' && e.visitor_id === c.visitor_id && e.article_id === rec && e.ts > c.ts,
        ),
      ).toBe(true)
    }
  })

  it('favours articles that match the reader’s interests', () => {
    expect(recClickShare(1)).toBeGreaterThan(3 * recClickShare(0.1))
    expect(recClickShare(0)).toBeGreaterThan(0)
  })

  it('is counted in the ground truth', () => {
    expect(truth.totals.rec_impressions).toBe(shown.length)
    expect(truth.totals.rec_clicks).toBe(clicks.length)
    expect(truth.totals.events).toBe(all.length)
    const day = truth.days.find((d) => d.site_id === 'baolamdong')
    expect(day?.rec_impressions).toBe(
      shown.filter((e) => e.site_id === 'baolamdong' && e.ts < Date.parse('2026-11-21T00:00:00+07:00'))
        .length,
    )
  })

  it('is deterministic for a seed', () => {
    expect(events(7)).toEqual(all)
  })
})
