import { describe, expect, it } from 'vitest'
import { buildCatalogue, buildExamples, buildLog, timeSplit } from '../../../models/recommend/index.ts'

const day = (d: number, h: number) => Date.parse(`2026-06-0${d}T${String(h).padStart(2, '0')}:00:00+07:00`)

describe('time split and next-read examples', () => {
  const reads = [
    { user: 'u1', item: 'a', ts: day(1, 8) },
    { user: 'u1', item: 'b', ts: day(1, 9) },
    { user: 'u2', item: 'a', ts: day(1, 23) },
    { user: 'u1', item: 'a', ts: day(2, 7) }, // a re-read: never a query
    { user: 'u1', item: 'c', ts: day(2, 8) },
    { user: 'u3', item: 'c', ts: day(2, 9) }, // no history: not a query
  ]
  const catalogue = buildCatalogue(reads, [{ id: 'c', title: 'Bài mới', published: day(2, 10) }])
  const log = buildLog(reads, catalogue)

  it('splits at Vietnamese midnight: train up to day D, test on day D+1', () => {
    const s = timeSplit(log, 1)
    expect(s.testStart).toBe(day(2, 0))
    expect(s.trainCount).toBe(3)
    expect(s.testCount).toBe(3)
    expect(s.partialLastDayMerged).toBe(false)
  })

  it('uses the reader’s earlier reads as the query and skips re-reads and readers without history', () => {
    const s = timeSplit(log, 1)
    const { examples, stats } = buildExamples(log, s.trainCount, log.ts.length, 3)
    expect(stats).toEqual({ reads: 3, noHistory: 1, repeats: 1 })
    expect(examples.count).toBe(1)
    expect(catalogue.items[examples.target[0] ?? -1]?.id).toBe('c')
    expect([...examples.history].map((i) => (i < 0 ? null : catalogue.items[i]?.id))).toEqual([
      'b',
      'a',
      null,
    ])
  })

  it('pulls a publication time after the first read back to that read', () => {
    expect(catalogue.published[catalogue.index.get('c') ?? -1]).toBe(day(2, 8))
  })

  it('counts a stub last day (sessions past midnight) with the day before it', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      user: `u${i % 7}`,
      item: `a${i}`,
      ts: day(1 + Math.floor(i / 20), 10) + i * 60_000,
    }))
    const withStub = [...many, { user: 'u1', item: 'late', ts: day(3, 0) + 5 * 60_000 }]
    const l = buildLog(withStub, buildCatalogue(withStub))
    const s = timeSplit(l, 1)
    expect(s.partialLastDayMerged).toBe(true)
    expect(s.testStart).toBe(day(2, 0))
    expect(s.testCount).toBe(21)
  })
})
