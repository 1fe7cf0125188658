import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { freshness, recommend } from '../../../models/recommend/index.ts'
import { anArticle, aPolicy, aRequest, captureLog, NOW } from './builders.ts'

describe('recommend (candidate rules and ranking)', () => {
  it('never recommends another agency’s article or one the reader has read, whatever the scores', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            agency: fc.constantFrom('baolamdong', 'lamdongtv', 'other'),
            score: fc.double({ min: -50, max: 50, noNaN: true }),
            age: fc.integer({ min: 0, max: 200 }),
            read: fc.boolean(),
            section: fc.constantFrom('Kinh tế', 'Thể thao', 'Du lịch'),
          }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 15 }),
        (specs, k) => {
          const arts = specs.map((s) => anArticle({ agency: s.agency, ageHours: s.age, section: s.section }))
          const read = new Set(arts.filter((_, i) => specs[i]?.read).map((a) => a.id))
          const scores = new Map(arts.map((a, i) => [a.id, specs[i]?.score ?? 0]))
          const trending = new Map(arts.map((a) => [a.id, 1]))
          const res = recommend(
            aRequest({ read, k }),
            { candidates: arts, modelScores: scores, trending },
            aPolicy(),
          )
          const byId = new Map(arts.map((a) => [a.id, a]))
          for (const r of res.items) {
            expect(byId.get(r.id)?.agency).toBe('baolamdong')
            expect(read.has(r.id)).toBe(false)
          }
          expect(new Set(res.items.map((r) => r.id)).size).toBe(res.items.length)
          expect(res.items.length).toBeLessThanOrEqual(k)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('prefers fresher articles: per-section half-life scales the model score', () => {
    const policy = aPolicy({ halfLifeHoursBySection: { 'Thời sự': 6 }, defaultHalfLifeHours: 48 })
    const news = anArticle({ section: 'Thời sự', ageHours: 6 })
    const travel = anArticle({ section: 'Du lịch', ageHours: 6 })
    expect(freshness(news, NOW, policy)).toBeCloseTo(0.5, 10)
    expect(freshness(travel, NOW, policy)).toBeCloseTo(0.5 ** (6 / 48), 10)
    const fresh = anArticle({ ageHours: 1 })
    const stale = anArticle({ ageHours: 100 })
    const res = recommend(
      aRequest({ k: 2 }),
      {
        candidates: [stale, fresh],
        modelScores: new Map([
          [stale.id, 1],
          [fresh.id, 1],
        ]),
      },
      policy,
    )
    expect(res.items.map((r) => r.id)).toEqual([fresh.id, stale.id])
  })

  it('caps articles per section in the top-K, relaxing only when K cannot be filled otherwise', () => {
    const eco = Array.from({ length: 6 }, () => anArticle({ section: 'Kinh tế' }))
    const sport = Array.from({ length: 2 }, () => anArticle({ section: 'Thể thao' }))
    const scores = new Map([
      ...eco.map((a, i) => [a.id, 10 - i] as const),
      ...sport.map((a) => [a.id, 0] as const),
    ])
    const res = recommend(
      aRequest({ k: 5 }),
      { candidates: [...eco, ...sport], modelScores: scores },
      aPolicy({ maxPerSection: 2 }),
    )
    expect(res.items.map((r) => r.section)).toEqual(['Kinh tế', 'Kinh tế', 'Thể thao', 'Thể thao', 'Kinh tế'])
  })

  it('hides paywalled articles from non-subscribers when the agency says so', () => {
    const paid = anArticle({ paywalled: true })
    const free = anArticle()
    const input = {
      candidates: [paid, free],
      modelScores: new Map([
        [paid.id, 5],
        [free.id, 1],
      ]),
    }
    const strict = aPolicy({ excludePaywalledForNonSubscribers: true })
    expect(recommend(aRequest({ k: 2 }), input, strict).items.map((r) => r.id)).toEqual([free.id])
    expect(recommend(aRequest({ k: 2, subscriber: true }), input, strict).items.map((r) => r.id)).toEqual([
      paid.id,
      free.id,
    ])
    expect(recommend(aRequest({ k: 2 }), input, aPolicy()).items.map((r) => r.id)).toEqual([paid.id, free.id])
  })

  it('falls back to trending in the section, then fresh, with a clear log line when the model has nothing', () => {
    const { lines, log } = captureLog()
    const hotSport = anArticle({ section: 'Thể thao', ageHours: 5 })
    const hotEco = anArticle({ section: 'Kinh tế', ageHours: 5 })
    const newest = anArticle({ section: 'Du lịch', ageHours: 0.5 })
    const trending = new Map([
      [hotSport.id, 50],
      [hotEco.id, 100],
    ])
    const res = recommend(
      aRequest({ k: 2, section: 'Thể thao' }),
      { candidates: [hotEco, newest, hotSport], modelScores: null, trending },
      aPolicy(),
      log,
    )
    expect(res.items.map((r) => [r.id, r.source])).toEqual([
      [hotSport.id, 'trending'],
      [newest.id, 'fresh'],
    ])
    expect(res.fallbackReason).toMatch(/no model scores/)
    expect(lines.some((l) => /serving trending in section, then fresh/.test(l.msg))).toBe(true)
  })

  it('returns an empty list, not an error, when nothing is eligible', () => {
    const { log } = captureLog()
    const read = anArticle()
    const res = recommend(
      aRequest({ read: new Set([read.id]) }),
      { candidates: [read, anArticle({ agency: 'other' })] },
      aPolicy(),
      log,
    )
    expect(res.items).toEqual([])
  })
})
