// The report jobs on the real engine: seeded traffic → daily and weekly HTML reports whose headline numbers
// equal direct queries on raw events, Vietnamese by default and English for an English agency, with the
// story of the data told as a significant insight, reader-supplied titles escaped, and a clear "no data"
// report for a brand-new site. Also the CLI: `nhip jobs run daily-report --date D --out DIR`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { createJobScheduler, listReports, reportPath, type Scheduler } from '../../jobs/index.ts'
import { createFormatter } from '../../jobs/reports/format.ts'
import { addDays, vietnamDay } from '../../jobs/vietnam-time.ts'
import {
  directHeadline,
  REC_SEED,
  seedRecommendationEvents,
  seedScenario,
  XSS_TITLE,
} from '../jobs/fixtures.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const day = addDays(vietnamDay(Date.now()), -1)
const prevDay = addDays(day, -1)

let t: TestClickHouse
let dataDir: string
let scheduler: Scheduler

beforeAll(async () => {
  t = await freshClickHouse()
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-reports-'))
  const started = Date.now()
  await seedScenario(t.ch, day, prevDay)
  await seedRecommendationEvents(t.ch, day, prevDay)
  console.log(`seeded in ${Date.now() - started} ms`)
  scheduler = createJobScheduler({ ch: t.ch, log, dataDir, lease: { settleMs: 0 } })
})

afterAll(async () => {
  await scheduler?.stop()
  await t?.cleanup()
})

describe('daily report on seeded data', () => {
  let html: string
  beforeAll(async () => {
    const started = Date.now()
    const outcome = await scheduler.runJob('daily-report', { day })
    console.log(`daily-report: ${outcome.status} in ${Date.now() - started} ms`, outcome.keyFigures)
    expect(outcome.status).toBe('succeeded')
    expect(outcome.keyFigures).toMatchObject({ agencies: 3, reports: 3, reports_with_data: 2 })
    html = readFileSync(reportPath(dataDir, { agency: 'lamdong', kind: 'daily', day, lang: 'vi' }), 'utf8')
  })

  it('headline numbers equal direct queries on raw events', async () => {
    const direct = await directHeadline(t.ch, 'lamdong', day)
    const [listed] = await listReports(t.ch, { agency: 'lamdong', kind: 'daily', periodEnd: day })
    expect(listed?.headline.pageviews).toBe(direct.pageviews)
    expect(listed?.headline.readers).toBe(direct.readers)
    expect(listed?.headline.engaged_ms).toBe(direct.engaged_ms)
    expect(listed?.headline.read_complete_rate).toBeCloseTo(direct.read_complete_rate, 10)
    const f = createFormatter('vi')
    expect(html).toContain(`data-metric="pageviews">${f.int(direct.pageviews)}<`)
    expect(html).toContain(`data-metric="readers">${f.int(direct.readers)}<`)
    expect(html).toContain(`data-metric="engaged">${f.duration(direct.engaged_ms)}<`)
    expect(html).toContain(`data-metric="read_complete_rate">${f.pct(direct.read_complete_rate)}<`)
    console.log('lamdong', day, direct)
  })

  it('is Vietnamese, self-contained, with SVG charts and no script', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="vi">/)
    expect(html).toContain('Báo cáo ngày')
    expect(html).toContain('Lượt đọc')
    expect(html).toBe(html.normalize('NFC'))
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3)
    expect(html).not.toMatch(/<script|<link (?!rel="icon" href="data:,">)|src="http|href="http|url\(/i)
  })

  it('tells the story with a significant insight and its evidence', () => {
    expect(html).toMatch(/Du lịch \+60% lượt đọc so với hôm trước, chủ yếu từ Zalo/)
    expect(html).toMatch(/Kỳ trước 200 → kỳ này 320 lượt đọc; p &lt; 0,001/)
    // +15 % overall is within normal variation at p < 0.001: no sentence about it.
    expect(html).not.toMatch(/Lượt đọc toàn cơ quan/)
  })

  it('escapes titles that carry markup', () => {
    expect(html).not.toContain('<script>alert')
    expect(html).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt; Đà Lạt &amp; “sương mù”')
    expect(XSS_TITLE).toContain('<script>')
  })

  it('shows the paywall funnel, devices, sources and the honest returning-readers note', () => {
    expect(html).toContain('Phễu paywall')
    expect(html).toMatch(
      /<td>Kinh tế<\/td><td class="n">40<\/td><td class="n">10<\/td>\s*<td class="n">3<\/td><td class="n">7,5%<\/td>/,
    )
    expect(html).toContain('Điện thoại')
    expect(html).toContain('Nền tảng trong nước')
    expect(html).toContain('mã bạn đọc không dùng cookie được đổi mỗi ngày')
  })

  it('shows the recommendation block click-through, bots excluded, vs the previous day', async () => {
    const f = createFormatter('vi')
    const direct = await rows<{ imp: string; clk: string }>(
      t.ch,
      `SELECT countIf(type = 'rec_impression') AS imp, countIf(type = 'rec_click') AS clk FROM nhip.events
       WHERE agency_id = 'lamdong' AND day = '${day}' AND is_bot = 0`,
    )
    expect(Number(direct[0]?.imp)).toBe(REC_SEED.day.impressions)
    expect(Number(direct[0]?.clk)).toBe(REC_SEED.day.clicks)
    const s = /<section data-recs>[\s\S]*?<\/section>/.exec(html)?.[0] ?? ''
    expect(s).toContain('Khối bài gợi ý: tỷ lệ nhấp')
    expect(s).toContain(`data-metric="rec_impressions">${f.int(REC_SEED.day.impressions)}<`)
    expect(s).toContain(`data-metric="rec_clicks">${f.int(REC_SEED.day.clicks)}<`)
    expect(s).toContain(`data-metric="rec_ctr">${f.pct(REC_SEED.day.clicks / REC_SEED.day.impressions, 2)}<`)
    expect(s).toContain(`Kỳ trước: ${f.pct(REC_SEED.prevDay.clicks / REC_SEED.prevDay.impressions, 2)}`)
    // By source: the model's lists and the fallback's.
    expect(s).toMatch(
      new RegExp(
        `Mô hình gợi ý</td><td class="n">${f.int(REC_SEED.dayModel.impressions)}</td>\\s*<td class="n">${REC_SEED.dayModel.clicks}</td>`,
      ),
    )
    expect(s).toContain('Dự phòng (bài đọc nhiều, bài mới)')
    // Most clicked, with titles from the articles table and how often blocks listed them (every impression).
    expect(s).toMatch(
      new RegExp(
        `<td>Đà Lạt mùa dã quỳ</td><td>Báo Lâm Đồng</td>\\s*<td>Du lịch</td><td class="n">12</td><td class="n">${f.int(REC_SEED.day.impressions)}</td>`,
      ),
    )
    expect(s).toMatch(
      /<td>Khánh thành cầu mới qua sông Đa Nhim<\/td><td>Báo Lâm Đồng<\/td>\s*<td>Thời sự<\/td><td class="n">8<\/td>/,
    )
    // The bots' favourite (kinh-te-1) was never clicked by a reader.
    expect(s).not.toContain('Giá cà phê tăng kỷ lục')
    // An agency without a block says so.
    const en = readFileSync(
      reportPath(dataDir, { agency: 'hanoitimes', kind: 'daily', day, lang: 'en' }),
      'utf8',
    )
    expect(en).toContain('The recommendation block had no impressions in this period.')
  })

  it('is English for an agency whose sites are English', () => {
    const en = readFileSync(
      reportPath(dataDir, { agency: 'hanoitimes', kind: 'daily', day, lang: 'en' }),
      'utf8',
    )
    expect(en).toContain('<html lang="en">')
    expect(en).toContain('Daily report')
    expect(en).toContain('Pageviews')
    expect(en).not.toContain('Lượt đọc')
  })

  it('says "Chưa có dữ liệu" for a brand-new site without traffic', () => {
    const empty = readFileSync(reportPath(dataDir, { agency: 'moi', kind: 'daily', day, lang: 'vi' }), 'utf8')
    expect(empty).toContain('Chưa có dữ liệu')
    expect(empty).toContain('data-nodata')
    expect(empty).not.toContain('<h2>Điểm nổi bật</h2>')
  })

  it('records each report with the run id; only succeeded runs are listed', async () => {
    const recorded = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.reports WHERE period_end = '${day}'`,
    )
    expect(Number(recorded[0]?.n)).toBe(3)
    // A row from a run that never succeeded stays invisible.
    await t.ch.client.insert({
      table: 'nhip.reports',
      format: 'JSONEachRow',
      values: [
        {
          agency_id: 'lamdong',
          kind: 'daily',
          period_start: addDays(day, -3),
          period_end: addDays(day, -3),
          lang: 'vi',
          path: '/nope',
          bytes: 1,
          sha256: '0'.repeat(64),
          has_data: 1,
          headline: {},
          job: 'daily-report',
          run_id: '00000000-0000-4000-a000-000000000001',
          created_at: '2026-01-01 00:00:00',
        },
      ],
    })
    const listed = await listReports(t.ch, { agency: 'lamdong' })
    expect(listed.map((r) => r.period_end)).toEqual([day])
  })
})

describe('weekly report', () => {
  it('covers the 7 days ending on the date and compares with the week before', async () => {
    const outcome = await scheduler.runJob('weekly-report', { day })
    expect(outcome.status).toBe('succeeded')
    const html = readFileSync(
      reportPath(dataDir, { agency: 'lamdong', kind: 'weekly', day, lang: 'vi' }),
      'utf8',
    )
    expect(html).toContain('Báo cáo tuần')
    expect(html).toContain('Bạn đọc trung bình mỗi ngày')
    const direct = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.events WHERE agency_id = 'lamdong' AND is_bot = 0 AND type = 'pageview' AND day BETWEEN '${addDays(day, -6)}' AND '${day}'`,
    )
    expect(html).toContain(`data-metric="pageviews">${createFormatter('vi').int(Number(direct[0]?.n))}<`)
  })
})

describe('nhip jobs run (CLI)', () => {
  it('writes one HTML report per agency into --out and exits 0', async () => {
    // chDB allows one process per data path: hand the seeded data to the CLI process.
    await t.ch.close()
    const out = mkdtempSync(path.join(os.tmpdir(), 'nhip-reports-out-'))
    const started = Date.now()
    const r = spawnSync(
      path.resolve('bin/nhip'),
      ['jobs', 'run', 'daily-report', '--date', day, '--out', out],
      {
        env: { ...process.env, LOG_LEVEL: 'silent', NHIP_DATA_DIR: path.dirname(t.ch.where) },
        encoding: 'utf8',
        timeout: 80_000,
      },
    )
    console.log(`nhip jobs run → exit ${r.status} in ${Date.now() - started} ms\n${r.stdout}${r.stderr}`)
    expect(r.status).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toEqual([
      `hanoitimes-daily-${day}.en.html`,
      `lamdong-daily-${day}.vi.html`,
      `moi-daily-${day}.vi.html`,
    ])
    expect(r.stderr).toMatch(/daily report 3\/3/)
    expect(existsSync(path.join(out, files[1] ?? ''))).toBe(true)
    const failed = spawnSync(path.resolve('bin/nhip'), ['jobs', 'run', 'no-such-job'], {
      env: { ...process.env, LOG_LEVEL: 'silent', NHIP_DATA_DIR: path.dirname(t.ch.where) },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(failed.status).not.toBe(0)
    expect(failed.stderr).toMatch(/unknown job "no-such-job"/)
  })
})
