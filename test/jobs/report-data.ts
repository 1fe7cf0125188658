// A builder of ReportData for the pure narrative and rendering tests.
import type { ArticleRow, ReportData, Totals } from '../../jobs/reports/data.ts'
import { reportPeriod } from '../../jobs/reports/data.ts'

export const totals = (over: Partial<Totals> = {}): Totals => ({
  pageviews: 1000,
  readers: 600,
  engagedMs: 3_600_000,
  articleViews: 900,
  readCompletes: 300,
  ...over,
})

export function anArticle(over: Partial<ArticleRow> = {}): ArticleRow {
  return {
    site_id: 'baolamdong',
    article_id: 'a1',
    title: 'Đà Lạt mùa dã quỳ',
    section: 'Du lịch',
    author: 'Nguyễn Thị Hoa',
    pageviews: 100,
    prevPageviews: 100,
    engagedMs: 600_000,
    readCompletes: 30,
    byClass: { search: 50, social: 10, messaging: 20, aggregator: 10, direct: 10, internal: 0 },
    ...over,
  }
}

export function aReportData(over: Partial<ReportData> = {}): ReportData {
  return {
    agency: 'lamdong',
    sites: [
      {
        site_id: 'baolamdong',
        agency_id: 'lamdong',
        name: 'Báo Lâm Đồng',
        language: 'vi',
        created_at: '2026-01-01',
      },
    ],
    period: reportPeriod('daily', '2026-03-01'),
    current: totals(),
    previous: totals(),
    bySite: [{ site_id: 'baolamdong', name: 'Báo Lâm Đồng', current: totals(), previous: totals() }],
    timeline: Array.from({ length: 24 }, (_, index) => ({ index, current: 40, previous: 40 })),
    articles: [anArticle()],
    sections: [
      { section: 'Du lịch', pageviews: 1000, prevPageviews: 1000, engagedMs: 3_600_000, readCompletes: 300 },
    ],
    sources: [
      { section: 'Du lịch', referrerClass: 'search', source: 'google', pageviews: 1000, prevPageviews: 1000 },
    ],
    devices: [
      { device: 'mobile', pageviews: 700, prevPageviews: 690 },
      { device: 'desktop', pageviews: 300, prevPageviews: 310 },
    ],
    returning: { consentedReaders: 50, consentedReturning: 20, readerDays: 600, multiSessionReaderDays: 60 },
    paywall: [],
    publishing: [],
    recommendations: { bySite: [], bySource: [], topClicked: [] },
    coverage: { days: 1, current: 1, previous: 1 },
    ...over,
  }
}
