// The likely driver of a traffic anomaly: the referrer class or the article that moved most with it.
import { describe, expect, it } from 'vitest'
import { likelyDriver } from '../../jobs/forecast-drivers.ts'

describe('likelyDriver', () => {
  it('names the referrer class whose views rose far beyond its usual share', () => {
    const d = likelyDriver({
      deviation: 600,
      p50: 400,
      referrers: [
        { cls: 'search', actual: 250, share: 0.5 },
        { cls: 'messaging', actual: 650, share: 0.2 },
        { cls: 'direct', actual: 100, share: 0.3 },
      ],
      articles: [
        { article: 'a1', title: 'Bài một', actual: 120, expected: 100 },
        { article: 'a2', title: 'Bài hai', actual: 90, expected: 80 },
      ],
    })
    expect(d).toMatchObject({ kind: 'referrer', key: 'messaging' })
    expect(d.share).toBeCloseTo((650 - 80) / 600, 6)
  })

  it('names one article when it accounts for more of the jump than any referrer class', () => {
    const d = likelyDriver({
      deviation: 500,
      p50: 500,
      referrers: [
        { cls: 'social', actual: 500, share: 0.5 },
        { cls: 'search', actual: 500, share: 0.5 },
      ],
      articles: [
        { article: 'viral', title: 'Lễ hội hoa Đà Lạt', actual: 480, expected: 20 },
        { article: 'b', title: 'Khác', actual: 40, expected: 40 },
      ],
    })
    expect(d).toEqual({ kind: 'article', key: 'viral', title: 'Lễ hội hoa Đà Lạt', share: 460 / 500 })
  })

  it('explains a drop by what fell, and says nothing when nothing moved that way', () => {
    const drop = likelyDriver({
      deviation: -300,
      p50: 800,
      referrers: [
        { cls: 'aggregator', actual: 100, share: 0.5 },
        { cls: 'search', actual: 400, share: 0.5 },
      ],
      articles: [],
    })
    expect(drop).toMatchObject({ kind: 'referrer', key: 'aggregator' })
    expect(likelyDriver({ deviation: 100, p50: 100, referrers: [], articles: [] })).toEqual({
      kind: '',
      key: '',
      title: '',
      share: null,
    })
  })
})
