import { describe, expect, it } from 'vitest'
import { renderReport } from '../../jobs/reports/render.ts'
import { anArticle, aReportData, totals } from './report-data.ts'

const generatedAt = new Date('2026-03-02T00:00:00Z')

describe('renderReport', () => {
  it('renders one self-contained page with charts and escaped titles', async () => {
    const data = aReportData({ articles: [anArticle({ title: '<img src=x onerror=alert(1)> Lũ ở Đà Lạt' })] })
    const { html, hasData, headline } = await renderReport(data, {
      lang: 'vi',
      agencyName: 'Báo Lâm Đồng',
      generatedAt,
    })
    expect(hasData).toBe(true)
    expect(headline).toEqual({
      pageviews: 1000,
      readers: 600,
      engaged_ms: 3_600_000,
      read_complete_rate: 300 / 900,
    })
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; Lũ ở Đà Lạt')
    expect(html).not.toMatch(/<img|<script|https?:\/\/(?!www\.w3\.org)/)
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3)
    expect(html).toContain('@media print')
    expect(html).toContain('<meta http-equiv="Content-Security-Policy"')
    expect(html).toContain('Thứ Hai, 2 tháng 3, 2026'.replace('Thứ Hai, 2', 'Chủ Nhật, 1'))
  })

  it('renders "Chưa có dữ liệu" for a day without traffic, and no charts', async () => {
    const zero = totals({ pageviews: 0, readers: 0, engagedMs: 0, articleViews: 0, readCompletes: 0 })
    const data = aReportData({
      current: zero,
      previous: zero,
      articles: [],
      sections: [],
      sources: [],
      devices: [],
    })
    const { html, hasData } = await renderReport(data, { lang: 'vi', agencyName: 'Trang mới', generatedAt })
    expect(hasData).toBe(false)
    expect(html).toContain('Chưa có dữ liệu')
    expect(html).not.toContain('<svg')
    const en = await renderReport(data, { lang: 'en', agencyName: 'New site', generatedAt })
    expect(en.html).toContain('No data yet')
  })

  it('shows the forecast column only when a forecast exists', async () => {
    const without = await renderReport(aReportData(), { lang: 'en', agencyName: 'A', generatedAt })
    expect(without.html).not.toContain('Forecast:')
    const withFc = await renderReport(aReportData({ forecast: { pageviews: 800 } }), {
      lang: 'en',
      agencyName: 'A',
      generatedAt,
    })
    expect(withFc.html).toContain('Forecast: 800 (+25%)')
  })
})
