// The morning report on simulated newsroom traffic, the way an agency runs the platform: `nhip simulate`
// back-fills two days, `nhip users add` creates an editor, `nhip jobs run daily-report` writes yesterday's
// report, `nhip start` serves it, and an editor reads it in real Chromium. The headline numbers on the page
// equal direct ClickHouse queries (run through the service with `nhip sql`); another agency's report is 404.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GroundTruth } from '../../bench/simulator/ground-truth.ts'
import { findFreePortBlock } from '../../infra/kafka/broker.ts'
import { createFormatter } from '../../jobs/reports/format.ts'
import { runNhip, startNhip } from '../support/cli.ts'

const ARTIFACTS = path.resolve('test-artifacts')
const PASSWORD = 'mật khẩu của biên tập viên'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const STEP_TIMEOUT = 240_000

const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-e2e-sim-report-'))
const env = { ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: '', NHIP_DATA_DIR: dir }
const children: ChildProcess[] = []

const nhip = (args: string[], stdin?: string) =>
  runNhip(args, { env, children, timeoutMs: STEP_TIMEOUT, ...(stdin !== undefined ? { stdin } : {}) })

let truth: GroundTruth
let agencyA: string
let agencyB: string
let day: string
let base: string
let browser: Browser

beforeAll(async () => {
  await nhip(['simulate', '--seed', '7', '--days', '2', '--scale', '0.3'])
  truth = JSON.parse(
    readFileSync(path.join(dir, 'simulator', 'ground-truth-seed7.json'), 'utf8'),
  ) as GroundTruth
  day = truth.params.end_day
  const agencies = [...new Set(truth.sites.map((s) => s.agency_id))]
  expect(agencies.length).toBeGreaterThanOrEqual(2)
  agencyA = agencies[0] as string
  agencyB = agencies[1] as string
  await nhip(
    ['users', 'add', '--username', 'lan', '--agency', agencyA, '--role', 'editor', '--password-stdin'],
    PASSWORD,
  )
  await nhip(['jobs', 'run', 'daily-report', '--date', day])

  const port = await findFreePortBlock(1)
  const started = await startNhip({ ...env, NHIP_PORT: String(port) }, children)
  expect(started.output()).toContain('Nhịp is running')
  base = `http://127.0.0.1:${port}`
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}, 600_000)

afterAll(async () => {
  await browser?.close()
  const running = children.filter((c) => c.exitCode === null)
  for (const c of running) c.kill('SIGKILL')
  await Promise.all(running.map((c) => new Promise((resolve) => c.once('exit', resolve))))
  rmSync(dir, { recursive: true, force: true })
})

/** The same figures the report shows, straight from the raw events (through the running service). */
async function directHeadline(agency: string) {
  const { stdout } = await nhip([
    'sql',
    '-f',
    'json',
    `SELECT countIf(type = 'pageview') AS pageviews,
            uniqExactIf(visitor_id, type = 'pageview') AS readers,
            sumIf(engaged_ms, type = 'engagement') AS engaged_ms,
            countIf(type = 'read_complete' AND article_id != '') / countIf(type = 'pageview' AND article_id != '') AS rc
     FROM nhip.events WHERE agency_id = '${agency}' AND day = '${day}' AND is_bot = 0`,
  ])
  const row = JSON.parse(stdout.trim()) as Record<string, string | number>
  return {
    pageviews: Number(row.pageviews),
    readers: Number(row.readers),
    engaged_ms: Number(row.engaged_ms),
    read_complete_rate: Number(row.rc),
  }
}

async function signIn(page: import('playwright-core').Page): Promise<void> {
  await page.goto(`${base}/app/login`)
  await page.fill('input[name="username"]', 'lan')
  await page.fill('input[name="password"]', PASSWORD)
  await Promise.all([page.waitForURL(`${base}/app/reports`), page.click('button[type="submit"]')])
}

describe("an editor reads yesterday's report on simulated traffic", () => {
  it(
    'signs in, opens the report, and sees the numbers ClickHouse has',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const errors: string[] = []
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text())
      })
      page.on('pageerror', (err) => errors.push(err.message))
      await signIn(page)
      await Promise.all([
        page.waitForURL(/daily-.*\.vi\.html$/),
        page.click(`a[href="/app/reports/${agencyA}/daily-${day}.vi.html"]`),
      ])
      expect(await page.title()).toContain('Báo cáo ngày')
      mkdirSync(ARTIFACTS, { recursive: true })
      const shot = path.join(ARTIFACTS, `report-simulated-${agencyA}-${day}.vi.png`)
      await page.screenshot({ path: shot, fullPage: true })
      console.log(`screenshot: ${shot}`)

      const text = await page.evaluate(() => document.body.innerText)
      for (const s of ['Số liệu chính', 'Bài được đọc nhiều nhất', 'Nguồn truy cập', 'Thời gian đọc'])
        expect(text).toContain(s)
      expect(text).toBe(text.normalize('NFC'))
      // Simulated Vietnamese section names render with their diacritics.
      expect(text).toMatch(/Thời sự|Kinh tế|Nông nghiệp|Du lịch|Văn hóa|Thể thao|Pháp luật|Giáo dục/)
      expect(await page.locator('figure svg').count()).toBeGreaterThanOrEqual(4)

      const direct = await directHeadline(agencyA)
      expect(direct.pageviews).toBeGreaterThan(100)
      const f = createFormatter('vi')
      const metric = (key: string) => page.textContent(`[data-metric="${key}"]`)
      expect(await metric('pageviews')).toBe(f.int(direct.pageviews))
      expect(await metric('readers')).toBe(f.int(direct.readers))
      expect(await metric('engaged')).toBe(f.duration(direct.engaged_ms))
      expect(await metric('read_complete_rate')).toBe(f.pct(direct.read_complete_rate))
      console.log(`headline of ${agencyA} ${day} shown = direct:`, direct)
      expect(errors).toEqual([])
      await page.close()
    },
    STEP_TIMEOUT,
  )

  it("answers 404 for another agency's report", async () => {
    const page = await browser.newPage()
    await signIn(page)
    const res = await page.goto(`${base}/app/reports/${agencyB}/daily-${day}.vi.html`)
    expect(res?.status()).toBe(404)
    await page.close()
  })
})
