// The report's forecast parts as an editor reads them: actual vs the forecast made before the day, the coming
// days, anomalies with their likely driver and high-potential stories; a clear line when there is no forecast.
import { describe, expect, it } from 'vitest'
import type { ForecastSummary } from '../../jobs/reports/data.ts'
import { renderReport } from '../../jobs/reports/render.ts'
import { aReportData } from './report-data.ts'

const generatedAt = new Date('2026-03-02T00:00:00Z')

const summary = (): ForecastSummary => ({
  pageviews: 800,
  pageviewsP10: 700,
  pageviewsP90: 900,
  outlook: [
    { day: '2026-03-02', p10: 900, p50: 1000, p90: 1200 },
    { day: '2026-03-03', p10: 950, p50: 1100, p90: 1300 },
  ],
  outlookSections: [{ section: 'Du lịch', p50: 600 }],
  anomalies: [
    {
      site_id: 'baolamdong',
      kind: 'section',
      key: 'Du lịch',
      time: '2026-03-01 20:00',
      actual: 400,
      p10: 100,
      p50: 150,
      p90: 200,
      direction: 'above',
      size: 1,
      driverKind: 'referrer',
      driver: 'messaging',
      title: '',
    },
    {
      site_id: 'baolamdong',
      kind: 'site',
      key: '',
      time: '2026-03-01 09:00',
      actual: 500,
      p10: 300,
      p50: 350,
      p90: 420,
      direction: 'above',
      size: 0.19,
      driverKind: 'article',
      driver: 'a9',
      title: '<b>Hoa dã quỳ</b> nở rộ',
    },
  ],
  potential: [
    {
      site_id: 'baolamdong',
      article_id: 'a9',
      title: 'Đà Lạt mùa hoa',
      section: 'Du lịch',
      viewsSoFar: 300,
      p50_24h: 500,
      p90_24h: 800,
      p50_72h: 700,
      loglinear24h: 400,
      method: 'model',
    },
  ],
  modelVersion: 'fc-20260301-abcdef12',
})

describe('forecast section of the report', () => {
  it('reads actual vs forecast, the coming days, anomalies with drivers and potential, in Vietnamese', async () => {
    const { html } = await renderReport(aReportData({ forecast: summary() }), {
      lang: 'vi',
      agencyName: 'Báo Lâm Đồng',
      generatedAt,
    })
    // aReportData has 1 000 pageviews: above the 700–900 range, +25 % on the forecast.
    expect(html).toContain('data-vs-forecast="above"')
    expect(html).toContain(
      'So với dự báo: lượt đọc thực tế cao hơn dự báo (+25%; dự báo 800, khoảng 700–900).',
    )
    expect(html).toContain('dự kiến khoảng 1.000 lượt đọc (từ 900 đến 1.200)')
    expect(html).toContain('Cả 2 ngày tới: khoảng 2.100 lượt đọc.')
    expect(html).toContain('Chuyên mục Du lịch (Báo Lâm Đồng)')
    expect(html).toContain('nguồn Ứng dụng nhắn tin')
    // Titles are escaped, never markup.
    expect(html).toContain('bài “&lt;b&gt;Hoa dã quỳ&lt;/b&gt; nở rộ”')
    expect(html).toContain('Đà Lạt mùa hoa')
    expect(html).toContain('+25%')
    expect(html).toContain('fc-20260301-abcdef12')
  })

  it('says inside the range in English, and that there is no forecast when none exists', async () => {
    const inside = await renderReport(
      aReportData({ forecast: { ...summary(), pageviews: 1000, pageviewsP10: 900, pageviewsP90: 1100 } }),
      { lang: 'en', agencyName: 'A', generatedAt },
    )
    expect(inside.html).toContain(
      'vs forecast: actual pageviews were within the forecast range (0%; forecast 1,000',
    )
    expect(inside.html).toContain('Anomalies vs forecast')
    const none = await renderReport(aReportData(), { lang: 'en', agencyName: 'A', generatedAt })
    expect(none.html).not.toContain('data-vs-forecast')
    expect(none.html).toContain('No forecast for this period yet')
  })
})
