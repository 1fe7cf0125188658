import { describe, expect, it } from 'vitest'
import { createFormatter } from '../../jobs/reports/format.ts'
import { messages } from '../../jobs/reports/i18n.ts'
import { buildInsights, explainCount, risingArticles } from '../../jobs/reports/insights.ts'
import { anArticle, aReportData, totals } from './report-data.ts'

const vi = messages('vi')
const en = messages('en')
const fvi = createFormatter('vi')
const fen = createFormatter('en')

describe('buildInsights', () => {
  it('says nothing when nothing changed significantly', () => {
    expect(buildInsights(aReportData(), vi, fvi)).toEqual([])
  })

  it('says nothing about empty data', () => {
    const empty = aReportData({
      current: totals({ pageviews: 0, readers: 0, engagedMs: 0, articleViews: 0, readCompletes: 0 }),
      previous: totals({ pageviews: 0, readers: 0, engagedMs: 0, articleViews: 0, readCompletes: 0 }),
      sections: [],
      sources: [],
      articles: [],
    })
    expect(buildInsights(empty, vi, fvi)).toEqual([])
  })

  it('explains a section that grew, with the source that drove it and the evidence', () => {
    const data = aReportData({
      period: {
        kind: 'weekly',
        from: '2026-02-23',
        to: '2026-03-01',
        prevFrom: '2026-02-16',
        prevTo: '2026-02-22',
      },
      sections: [
        { section: 'Du lịch', pageviews: 1350, prevPageviews: 1000, engagedMs: 1, readCompletes: 1 },
      ],
      sources: [
        {
          section: 'Du lịch',
          referrerClass: 'messaging',
          source: 'zalo',
          pageviews: 500,
          prevPageviews: 200,
        },
        { section: 'Du lịch', referrerClass: 'search', source: 'google', pageviews: 850, prevPageviews: 800 },
      ],
    })
    const insights = buildInsights(data, vi, fvi)
    const first = insights.find((i) => i.kind === 'section')
    expect(insights.map((i) => i.text)).toContain('Lượt đọc từ Zalo +150% so với tuần trước')
    expect(first?.text).toBe('Du lịch +35% lượt đọc so với tuần trước, chủ yếu từ Zalo')
    expect(first?.evidence).toBe('Kỳ trước 1.000 → kỳ này 1.350 lượt đọc; p < 0,001')
    const firstEn = buildInsights(data, en, fen).find((i) => i.kind === 'section')
    expect(firstEn?.text).toBe('Du lịch +35% pageviews on the previous week, mostly from Zalo')
  })

  it('names no driver when no source made at least half of the change', () => {
    const data = aReportData({
      sections: [
        { section: 'Thể thao', pageviews: 1400, prevPageviews: 1000, engagedMs: 1, readCompletes: 1 },
      ],
      sources: [
        {
          section: 'Thể thao',
          referrerClass: 'messaging',
          source: 'zalo',
          pageviews: 350,
          prevPageviews: 200,
        },
        {
          section: 'Thể thao',
          referrerClass: 'search',
          source: 'google',
          pageviews: 400,
          prevPageviews: 270,
        },
        {
          section: 'Thể thao',
          referrerClass: 'social',
          source: 'facebook',
          pageviews: 650,
          prevPageviews: 530,
        },
      ],
    })
    const texts = buildInsights(data, vi, fvi).map((i) => i.text)
    expect(texts).toContain('Thể thao +40% lượt đọc so với hôm trước')
  })

  it('compares nothing when the previous period has empty days (tracking started during it)', async () => {
    const data = aReportData({
      period: {
        kind: 'weekly',
        from: '2026-02-23',
        to: '2026-03-01',
        prevFrom: '2026-02-16',
        prevTo: '2026-02-22',
      },
      current: totals({ pageviews: 7000 }),
      previous: totals({ pageviews: 2000 }),
      coverage: { days: 7, current: 7, previous: 2 },
      sections: [
        { section: 'Du lịch', pageviews: 7000, prevPageviews: 2000, engagedMs: 1, readCompletes: 1 },
      ],
    })
    expect(buildInsights(data, vi, fvi)).toEqual([])
    const { renderReport } = await import('../../jobs/reports/render.ts')
    const { html } = await renderReport(data, { lang: 'vi', agencyName: 'A', generatedAt: new Date() })
    expect(html).toContain('Kỳ trước chỉ có dữ liệu 2/7 ngày nên không so sánh.')
    expect(html).not.toContain('có ý nghĩa thống kê.</div>')
  })

  it('ranks by significance and keeps at most eight', () => {
    const sections = Array.from({ length: 12 }, (_, i) => ({
      section: `Mục ${i}`,
      pageviews: 1000 + 100 * (i + 2),
      prevPageviews: 1000,
      engagedMs: 0,
      readCompletes: 0,
    }))
    const out = buildInsights(aReportData({ sections, sources: [] }), vi, fvi)
    expect(out).toHaveLength(8)
    expect(out[0]?.text).toMatch(/^Mục 11 /)
    expect(out.map((i) => i.score)).toEqual([...out.map((i) => i.score)].sort((a, b) => b - a))
  })

  it('reports a significant read-complete rate change and a paywall conversion change', () => {
    const data = aReportData({
      current: totals({ articleViews: 5000, readCompletes: 2000 }),
      previous: totals({ articleViews: 5000, readCompletes: 1500 }),
      paywall: [
        { section: 'Kinh tế', shown: 5000, started: 400, completed: 150, prevShown: 5000, prevCompleted: 50 },
      ],
    })
    const kinds = buildInsights(data, vi, fvi).map((i) => [i.kind, i.text])
    expect(kinds).toContainEqual(['rate', 'Tỷ lệ đọc hết bài thay đổi từ 30% (hôm trước) lên 40%'])
    expect(kinds).toContainEqual([
      'paywall',
      'Tỷ lệ đăng ký sau paywall của mục Kinh tế: 1% (hôm trước) → 3%',
    ])
  })

  it('finds rising stories, new ones included, but not small ones', () => {
    const data = aReportData({
      articles: [
        anArticle({ article_id: 'up', pageviews: 400, prevPageviews: 100 }),
        anArticle({ article_id: 'new', pageviews: 80, prevPageviews: 0 }),
        anArticle({ article_id: 'tiny', pageviews: 12, prevPageviews: 1 }),
        anArticle({ article_id: 'flat', pageviews: 500, prevPageviews: 480 }),
      ],
    })
    expect(risingArticles(data).map((r) => r.article.article_id)).toEqual(['up', 'new'])
  })
})

describe('explainCount', () => {
  it('explains significant and ordinary changes in plain words', () => {
    expect(explainCount(vi, fvi, 'hôm trước', 1000, 1400).explanation).toBe(
      'Tăng +40% so với hôm trước; mức thay đổi có ý nghĩa thống kê.',
    )
    expect(explainCount(vi, fvi, 'hôm trước', 1000, 1020).explanation).toBe(
      '+2%: nằm trong mức dao động thông thường, chưa đủ để kết luận.',
    )
    expect(explainCount(vi, fvi, 'hôm trước', 0, 20).explanation).toBe('Kỳ trước chưa có số liệu để so sánh.')
  })
})
