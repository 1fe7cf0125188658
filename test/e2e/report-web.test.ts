// An editor reads yesterday's report in real Chromium: signs in to the web app (registered on a Fastify app
// as `nhip start` does, real chDB with seeded traffic and a generated report), opens the report from the
// list, and sees Vietnamese text, SVG charts and headline numbers equal to direct ClickHouse queries, with
// no console error (the strict CSP would report any inline script or external load). Another agency's
// report URL answers 404. A full-page screenshot goes to test-artifacts/.
import { mkdirSync, mkdtempSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { createJobScheduler } from '../../jobs/index.ts'
import { createFormatter } from '../../jobs/reports/format.ts'
import { addDays, vietnamDay } from '../../jobs/vietnam-time.ts'
import { registerWebApp } from '../../web/app.ts'
import { createUser } from '../../web/users.ts'
import { freshClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { directHeadline, seedScenario } from '../jobs/fixtures.ts'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const ARTIFACTS = path.resolve('test-artifacts')
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const day = addDays(vietnamDay(Date.now()), -1)
const PASSWORD = 'mật khẩu biên tập 2026'

let t: TestClickHouse
let app: FastifyInstance
let browser: Browser
let base: string

beforeAll(async () => {
  const started = Date.now()
  t = await freshClickHouse()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-e2e-report-'))
  await seedScenario(t.ch, day, addDays(day, -1))
  await createUser(t.ch, { username: 'hoa', agency_id: 'lamdong', role: 'editor', password: PASSWORD })
  const scheduler = createJobScheduler({ ch: t.ch, log, dataDir, lease: { settleMs: 0 } })
  expect((await scheduler.runJob('daily-report', { day })).status).toBe('succeeded')

  app = Fastify({ logger: false })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  registerWebApp(app, { ch: t.ch, log, dataDir, scheduler: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  console.log(`set-up (seed, report, server, browser) in ${Date.now() - started} ms`)
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
  await t?.cleanup()
})

describe("an editor reads yesterday's report in Chromium", () => {
  it('signs in, opens the report, and sees the numbers ClickHouse has', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text())
    })
    page.on('pageerror', (err) => errors.push(err.message))

    await page.goto(`${base}/app/login`)
    await page.fill('input[name="username"]', 'hoa')
    await page.fill('input[name="password"]', PASSWORD)
    await Promise.all([page.waitForURL(`${base}/app/reports`), page.click('button[type="submit"]')])
    expect(await page.textContent('h1')).toBe('Báo cáo · lamdong')

    await Promise.all([
      page.waitForURL(/daily-.*\.vi\.html$/),
      page.click(`a[href="/app/reports/lamdong/daily-${day}.vi.html"]`),
    ])
    expect(await page.title()).toContain('Báo cáo ngày')
    mkdirSync(ARTIFACTS, { recursive: true })
    const shot = path.join(ARTIFACTS, `report-daily-lamdong-${day}.vi.png`)
    await page.screenshot({ path: shot, fullPage: true })
    console.log(`screenshot: ${shot}`)

    // Vietnamese with its diacritics, as text the browser rendered (not just bytes in a file).
    const text = await page.evaluate(() => document.body.innerText)
    for (const s of [
      'Số liệu chính',
      'Điểm nổi bật',
      'Tỷ lệ đọc hết bài',
      'Thời gian đọc',
      'Bài được đọc nhiều nhất',
      'Nguồn truy cập',
      'Phễu paywall',
      'Giờ đăng bài tốt nhất',
    ]) {
      expect(text).toContain(s)
    }
    expect(text).toContain('Du lịch +60% lượt đọc so với hôm trước, chủ yếu từ Zalo')
    expect(text).toContain('<script>alert("xss")</script> Đà Lạt') // shown as text, never run
    expect(text).toBe(text.normalize('NFC'))

    // Charts: inline SVG with real size.
    const svgs = page.locator('figure svg')
    expect(await svgs.count()).toBeGreaterThanOrEqual(4)
    const box = await svgs.first().boundingBox()
    expect(box?.width).toBeGreaterThan(300)
    expect(await page.locator('figure svg path').count()).toBeGreaterThan(10)

    // Headline numbers equal direct ClickHouse queries on raw events.
    const direct = await directHeadline(t.ch, 'lamdong', day)
    const f = createFormatter('vi')
    const metric = (key: string) => page.textContent(`[data-metric="${key}"]`)
    expect(await metric('pageviews')).toBe(f.int(direct.pageviews))
    expect(await metric('readers')).toBe(f.int(direct.readers))
    expect(await metric('engaged')).toBe(f.duration(direct.engaged_ms))
    expect(await metric('read_complete_rate')).toBe(f.pct(direct.read_complete_rate))
    console.log('headline shown = direct:', direct)

    expect(errors).toEqual([])
    await page.close()
  })

  it("answers 404 for agency B's report URL", async () => {
    const page = await browser.newPage()
    await page.goto(`${base}/app/login`)
    await page.fill('input[name="username"]', 'hoa')
    await page.fill('input[name="password"]', PASSWORD)
    await Promise.all([page.waitForURL(`${base}/app/reports`), page.click('button[type="submit"]')])
    const res = await page.goto(`${base}/app/reports/hanoitimes/daily-${day}.en.html`)
    expect(res?.status()).toBe(404)
    expect(await page.textContent('main')).toContain('Không tìm thấy trang.')
    await page.close()
  })
})
