import { describe, expect, it } from 'vitest'
import type { ReportData } from '../../jobs/reports/data.ts'
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

describe('recommendation block click-through', () => {
  const recs = (): ReportData['recommendations'] => ({
    bySite: [
      {
        site_id: 'baolamdong',
        current: { impressions: 4000, clicks: 160 },
        previous: { impressions: 3000, clicks: 60 },
      },
      {
        site_id: 'lamdongtv',
        current: { impressions: 1000, clicks: 10 },
        previous: { impressions: 0, clicks: 0 },
      },
    ],
    bySource: [
      { source: 'model', impressions: 3500, clicks: 150 },
      { source: 'fallback', impressions: 1500, clicks: 20 },
    ],
    topClicked: [
      {
        site_id: 'baolamdong',
        article_id: 'bld-1',
        title: '<b>Đà Lạt</b> mùa sương',
        section: 'Du lịch',
        clicks: 42,
        shown: 700,
      },
      { site_id: 'lamdongtv', article_id: 'tv-9', title: '', section: '', clicks: 5, shown: 0 },
    ],
  })
  const sites: ReportData['sites'] = [
    {
      site_id: 'baolamdong',
      agency_id: 'lamdong',
      name: 'Báo Lâm Đồng',
      language: 'vi',
      created_at: '2026-01-01',
    },
    {
      site_id: 'lamdongtv',
      agency_id: 'lamdong',
      name: 'Đài PT-TH Lâm Đồng',
      language: 'vi',
      created_at: '2026-01-01',
    },
  ]
  const section = (html: string) => /<section data-recs>[\s\S]*?<\/section>/.exec(html)?.[0] ?? ''

  it('shows impressions, clicks and click-through vs the previous period, per site, by source and by article', async () => {
    const { html } = await renderReport(aReportData({ sites, recommendations: recs() }), {
      lang: 'vi',
      agencyName: 'Báo Lâm Đồng',
      generatedAt,
    })
    const s = section(html)
    expect(s).toContain('<h2>Khối bài gợi ý: tỷ lệ nhấp</h2>')
    expect(s).toContain('data-metric="rec_impressions">5.000<')
    expect(s).toContain('data-metric="rec_clicks">170<')
    // 170 / 5,000 = 3.4 % against 60 / 3,000 = 2 %: +1.4 points, under the report's 2-point minimum effect.
    expect(s).toContain('data-metric="rec_ctr">3,4%<')
    expect(s).toContain('Kỳ trước: 2% · <span class="">Thay đổi: +1,4 điểm %</span>')
    expect(s).toContain('+1,4 điểm %: nằm trong mức dao động thông thường')
    // Clicks nearly tripled on more impressions: a significant count change.
    expect(s).toMatch(
      /data-metric="rec_clicks">170<\/div>\s*<div class="cmp">Kỳ trước: 60 · <span class="up">/,
    )
    // Per site with names, a site new to the block has no previous rate.
    expect(s).toMatch(
      /<td>Báo Lâm Đồng<\/td><td class="n">4\.000<\/td><td class="n">160<\/td>\s*<td class="n">4%<\/td><td class="n">2%<\/td><td class="n">\+2,0 điểm %<\/td>/,
    )
    expect(s).toMatch(
      /<td>Đài PT-TH Lâm Đồng<\/td><td class="n">1\.000<\/td><td class="n">10<\/td>\s*<td class="n">1%<\/td><td class="n">–<\/td><td class="n">–<\/td>/,
    )
    expect(s).toMatch(
      /Mô hình gợi ý<\/td><td class="n">3\.500<\/td>\s*<td class="n">150<\/td><td class="n">4,29%/,
    )
    expect(s).toContain('Dự phòng (bài đọc nhiều, bài mới)')
    // Titles are escaped; an article without metadata shows its id; no listing yet → no rate.
    expect(s).toContain('&lt;b&gt;Đà Lạt&lt;/b&gt; mùa sương')
    expect(s).toMatch(/<td class="n">42<\/td><td class="n">700<\/td>\s*<td class="n">6%<\/td>/)
    expect(s).toMatch(
      /<td>tv-9<\/td><td>Đài PT-TH Lâm Đồng<\/td>\s*<td>\(chưa phân mục\)<\/td><td class="n">5<\/td><td class="n">0<\/td>\s*<td class="n">–<\/td>/,
    )
    expect(s).not.toContain('data-recs-nodata')
    expect(s).toBe(s.normalize('NFC'))

    const en = section(
      (
        await renderReport(aReportData({ sites, recommendations: recs() }), {
          lang: 'en',
          agencyName: 'A',
          generatedAt,
        })
      ).html,
    )
    expect(en).toContain('<h2>Recommendation block click-through</h2>')
    expect(en).toContain('data-metric="rec_ctr">3.4%<')
    expect(en).toContain('+1.4 pp')
    expect(en).toContain('Most-clicked recommended articles')
  })

  it('says so clearly when no block was shown in the period', async () => {
    const empty = recs()
    for (const r of empty.bySite) r.current = { impressions: 0, clicks: 0 }
    for (const [data, text] of [
      [aReportData(), 'Không có lượt hiển thị khối bài gợi ý nào trong kỳ này.'],
      [
        aReportData({ sites, recommendations: { ...empty, bySource: [], topClicked: [] } }),
        'Không có lượt hiển thị khối bài gợi ý nào trong kỳ này.',
      ],
    ] as const) {
      const s = section((await renderReport(data, { lang: 'vi', agencyName: 'A', generatedAt })).html)
      expect(s).toContain('data-recs-nodata')
      expect(s).toContain(text)
      expect(s).not.toContain('data-metric="rec_ctr"')
    }
    const en = section((await renderReport(aReportData(), { lang: 'en', agencyName: 'A', generatedAt })).html)
    expect(en).toContain('The recommendation block had no impressions in this period.')
  })
})
