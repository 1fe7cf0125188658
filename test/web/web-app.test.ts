// The web app in-process (fastify inject) on the real engine with generated reports: sign-in, CSRF,
// security headers, the agency boundary (404 for another agency's report), sign-out, the insights page.
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { createJobScheduler } from '../../jobs/index.ts'
import {
  insertRecommendations,
  RECOMMENDATIONS_JOB,
  type RecommendationRecord,
} from '../../jobs/recommend/recommendations-table.ts'
import { recordRun } from '../../jobs/runs-table.ts'
import { addDays, vietnamDay } from '../../jobs/vietnam-time.ts'
import { CSP, registerWebApp } from '../../web/app.ts'
import { createUser } from '../../web/users.ts'
import { insertArticles, seedScenario } from '../jobs/fixtures.ts'
import { freshClickHouse, type TestClickHouse } from '../support/clickhouse.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const day = addDays(vietnamDay(Date.now()), -1)
const PASSWORD = 'biên tập viên 2026'

let t: TestClickHouse
let app: FastifyInstance
let dataDir: string

/** The app as `nhip start` builds it: every body parsed as a raw string. */
function buildApp(opts: { trustProxy?: boolean } = {}): FastifyInstance {
  const a = Fastify({ logger: false, trustProxy: opts.trustProxy ?? false })
  a.removeAllContentTypeParsers()
  a.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  registerWebApp(a, { ch: t.ch, log, dataDir, scheduler: false, maxLoginFailures: 3 })
  return a
}

beforeAll(async () => {
  t = await freshClickHouse()
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-web-'))
  await seedScenario(t.ch, day, addDays(day, -1))
  await createUser(t.ch, { username: 'hoa', agency_id: 'lamdong', role: 'editor', password: PASSWORD })
  await createUser(t.ch, { username: 'linh', agency_id: 'hanoitimes', role: 'editor', password: PASSWORD })
  await createUser(t.ch, { username: 'minh', agency_id: 'hanoitimes', role: 'analyst', password: PASSWORD })
  await createUser(t.ch, { username: 'an', agency_id: 'hanoitimes', role: 'analyst', password: PASSWORD })
  const scheduler = createJobScheduler({ ch: t.ch, log, dataDir, lease: { settleMs: 0 } })
  expect((await scheduler.runJob('daily-report', { day })).status).toBe('succeeded')
  app = buildApp()
  await app.ready()
}, 60_000)

afterAll(async () => {
  await app?.close()
  await t?.cleanup()
})

function cookiesOf(res: { headers: Record<string, unknown> }): string[] {
  const h = res.headers['set-cookie']
  return Array.isArray(h) ? h.map(String) : h ? [String(h)] : []
}

function cookieValue(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return cookiesOf(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    ?.slice(name.length + 1)
}

async function loginForm() {
  const res = await app.inject({ method: 'GET', url: '/app/login' })
  const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? ''
  return { res, csrf, cookie: `nhip_login=${cookieValue(res, 'nhip_login')}` }
}

async function signIn(username: string, password = PASSWORD, target = app) {
  const form = await loginForm()
  const res = await target.inject({
    method: 'POST',
    url: '/app/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
    payload: new URLSearchParams({ csrf: form.csrf, username, password }).toString(),
  })
  return { res, session: cookieValue(res, 'nhip_session') }
}

describe('sign-in', () => {
  it('serves the form with the security headers and a login CSRF cookie', async () => {
    const { res, csrf } = await loginForm()
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-security-policy']).toBe(CSP)
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body).toContain('Đăng nhập')
    expect(res.body).not.toContain('<script')
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(cookiesOf(res)[0]).toMatch(
      /^nhip_login=[^;]+; Path=\/app; HttpOnly; SameSite=Strict; Max-Age=3600$/,
    )
  })

  it('refuses a post without the form token, or from another origin', async () => {
    const form = await loginForm()
    const payload = new URLSearchParams({ username: 'hoa', password: PASSWORD }).toString()
    const noToken = await app.inject({
      method: 'POST',
      url: '/app/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      payload,
    })
    expect(noToken.statusCode).toBe(403)
    const evil = await app.inject({
      method: 'POST',
      url: '/app/login',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: form.cookie,
        origin: 'https://evil.example',
      },
      payload: `${payload}&csrf=${form.csrf}`,
    })
    expect(evil.statusCode).toBe(403)
  })

  it('says the same thing for a wrong password and an unknown user, then throttles', async () => {
    const wrong = await signIn('minh', 'sai mật khẩu rồi')
    const unknown = await signIn('nobody', 'sai mật khẩu rồi')
    expect(wrong.res.statusCode).toBe(401)
    expect(unknown.res.statusCode).toBe(401)
    expect(wrong.res.body).toContain('Sai tên đăng nhập hoặc mật khẩu.')
    expect(wrong.session).toBeUndefined()
    await signIn('minh', 'sai lần nữa nhé')
    await signIn('minh', 'sai lần thứ ba')
    const throttled = await signIn('minh', PASSWORD)
    expect(throttled.res.statusCode).toBe(429)
    expect(throttled.session).toBeUndefined()
  })

  it('sets an HttpOnly, SameSite=Strict session cookie (Secure over https)', async () => {
    const { res, session } = await signIn('hoa')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/app/reports')
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(cookiesOf(res).find((c) => c.startsWith('nhip_session='))).toMatch(
      /; Path=\/app; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    )
    const https = buildApp({ trustProxy: true })
    const form = await loginForm()
    const res2 = await https.inject({
      method: 'POST',
      url: '/app/login',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: form.cookie,
        'x-forwarded-proto': 'https',
      },
      payload: new URLSearchParams({ csrf: form.csrf, username: 'hoa', password: PASSWORD }).toString(),
    })
    expect(cookiesOf(res2).find((c) => c.startsWith('nhip_session='))).toMatch(/; Secure$/)
    expect(res2.headers['strict-transport-security']).toBe('max-age=31536000')
    await https.close()
  })
})

describe('reports and the agency boundary', () => {
  it('lists only the own agency reports and serves them from the saved file', async () => {
    const { session } = await signIn('hoa')
    const cookie = `nhip_session=${session}`
    const list = await app.inject({ method: 'GET', url: '/app/reports', headers: { cookie } })
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain(`/app/reports/lamdong/daily-${day}.vi.html`)
    expect(list.body).not.toContain('hanoitimes')
    const report = await app.inject({
      method: 'GET',
      url: `/app/reports/lamdong/daily-${day}.vi.html`,
      headers: { cookie },
    })
    expect(report.statusCode).toBe(200)
    expect(report.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(report.headers['content-security-policy']).toBe(CSP)
    expect(report.body).toContain('Báo cáo ngày')
    expect(report.body).toContain('<svg')
  })

  it("answers 404 for another agency's report, however it is asked", async () => {
    const { session } = await signIn('hoa')
    const cookie = `nhip_session=${session}`
    for (const url of [
      `/app/reports/hanoitimes/daily-${day}.en.html`,
      `/app/reports/hanoitimes/daily-${day}.vi.html`,
      `/app/reports/lamdong/daily-${day}.en.html`,
      '/app/reports/lamdong/..%2F..%2Fetc%2Fpasswd',
      `/app/reports/lamdong/daily-${addDays(day, -30)}.vi.html`,
      '/app/nothing-here',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } })
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-security-policy']).toBe(CSP)
    }
    const other = await signIn('linh')
    expect(other.res.statusCode).toBe(303)
    const own = await app.inject({
      method: 'GET',
      url: `/app/reports/hanoitimes/daily-${day}.en.html`,
      headers: { cookie: `nhip_session=${other.session}` },
    })
    expect(own.statusCode).toBe(200)
    expect(own.body).toContain('<html lang="en">')
  })

  it('sends signed-out visitors to the sign-in page', async () => {
    for (const cookie of ['', 'nhip_session=forged-token-forged-token-forged-token-00000']) {
      const res = await app.inject({
        method: 'GET',
        url: `/app/reports/lamdong/daily-${day}.vi.html`,
        headers: { cookie },
      })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('/app/login')
    }
  })
})

describe('insights page', () => {
  it('shows the latest succeeded run’s lists of the own agency only, "Chưa có" before any run', async () => {
    const { session } = await signIn('hoa')
    const cookie = `nhip_session=${session}`
    const before = await app.inject({ method: 'GET', url: '/app/insights', headers: { cookie } })
    expect(before.statusCode).toBe(200)
    expect(before.body.match(/Chưa có\./g)).toHaveLength(2)

    const published = Date.parse(`${day}T02:00:00Z`)
    await insertArticles(t.ch, [
      {
        agency_id: 'lamdong',
        site_id: 'baolamdong',
        article_id: 'rec-nguon',
        title: 'Mùa hoa dã quỳ',
        section: 'Du lịch',
        author: 'A',
        published_at: published,
      },
      {
        agency_id: 'lamdong',
        site_id: 'lamdongtv',
        article_id: 'rec-goi-y',
        title: '<b>Đà Lạt</b> đón khách',
        section: 'Du lịch',
        author: 'B',
        published_at: published - 3_600_000,
      },
      {
        agency_id: 'lamdong',
        site_id: 'baolamdong',
        article_id: 'rec-cu',
        title: 'Bài của lần chạy cũ',
        section: 'Thời sự',
        author: 'C',
        published_at: published - 7_200_000,
      },
      {
        agency_id: 'hanoitimes',
        site_id: 'hanoitimes',
        article_id: 'en-1',
        title: 'Secret of B',
        section: 'News',
        author: 'D',
        published_at: published,
      },
    ])
    const rec = (run: string, over: Partial<RecommendationRecord>): RecommendationRecord => ({
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      kind: 'article',
      key: 'rec-nguon',
      rank: 1,
      article_id: 'rec-goi-y',
      score: 3.25,
      reason: 'related',
      model_version: 4,
      run_id: run,
      generated_at: new Date(published + 86_400_000),
      ...over,
    })
    const run = async (run_id: string, status: 'succeeded' | 'failed', at: number) =>
      recordRun(t.ch, {
        job: RECOMMENDATIONS_JOB,
        run_id,
        scheduled_for: new Date(at),
        trigger: 'manual',
        attempt: 1,
        instance: 'web-test',
        started_at: new Date(at),
        ended_at: new Date(at + 1000),
        status,
        error: status === 'failed' ? 'killed' : '',
        key_figures: {},
      })
    const [older, latest, failed] = [randomUUID(), randomUUID(), randomUUID()]
    await insertRecommendations(t.ch, [
      rec(older, { article_id: 'rec-cu', model_version: 3 }),
      rec(latest, {}),
      rec(latest, { rank: 2, article_id: 'rec-cu', reason: 'trending', score: 1.5 }),
      rec(latest, { kind: 'visitor', key: 'doc-gia-1', reason: 'for_you' }),
      rec(latest, { agency_id: 'hanoitimes', site_id: 'hanoitimes', key: 'en-1', article_id: 'en-1' }),
      // A newer run that failed after writing: never shown.
      rec(failed, { article_id: 'en-1', model_version: 5 }),
    ])
    await run(older, 'succeeded', Date.now() - 3 * 3_600_000)
    await run(latest, 'succeeded', Date.now() - 2 * 3_600_000)
    await run(failed, 'failed', Date.now() - 3_600_000)

    const after = await app.inject({ method: 'GET', url: '/app/insights', headers: { cookie } })
    expect(after.statusCode).toBe(200)
    const table = /<table data-recommendations>[\s\S]*?<\/table>/.exec(after.body)?.[0] ?? ''
    expect(table).toContain('Mùa hoa dã quỳ')
    expect(table).toContain('&lt;b&gt;Đà Lạt&lt;/b&gt; đón khách')
    expect(table).toContain('Liên quan')
    expect(table).toContain('Đang được đọc nhiều')
    expect(table.match(/<tr>/g)).toHaveLength(3)
    expect(after.body).toContain('mô hình v4')
    expect(after.body).toContain('1 danh sách cho độc giả')
    expect(after.body).not.toContain('Secret of B')
    expect(after.body).not.toContain('doc-gia-1')
    expect(after.body).not.toContain('v5')
    expect(after.body.match(/Chưa có\./g)).toHaveLength(1)

    // The other agency sees its own list, in English (its language).
    const other = await signIn('linh')
    const en = await app.inject({
      method: 'GET',
      url: '/app/insights',
      headers: { cookie: `nhip_session=${other.session}` },
    })
    expect(en.body).toContain('Secret of B')
    expect(en.body).toContain('Related')
    expect(en.body).not.toContain('Mùa hoa dã quỳ')
  })
})

describe('analyst SQL page', () => {
  const form = 'application/x-www-form-urlencoded'
  async function analyst() {
    // (minh, the other analyst, is throttled by the sign-in tests)
    const { session } = await signIn('an')
    const cookie = `nhip_session=${session}`
    const page = await app.inject({ method: 'GET', url: '/app/sql', headers: { cookie } })
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const post = (fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/app/sql',
        headers: { cookie, 'content-type': form },
        payload: new URLSearchParams({ csrf, ...fields }).toString(),
      })
    return { page, post }
  }

  it('runs a SELECT over the own agency’s rows only, and audits it', async () => {
    const { page, post } = await analyst()
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('SQL query') // hanoitimes reads English
    const res = await post({ query: 'SELECT DISTINCT agency_id FROM nhip.events ORDER BY agency_id' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toMatch(/<td>hanoitimes<\/td>/)
    expect(res.body).not.toMatch(/<td>lamdong<\/td>/)
    const everyone = await t.ch.client.query({
      query: 'SELECT count(DISTINCT agency_id) AS n FROM nhip.events',
      format: 'JSONEachRow',
    })
    expect(Number((await everyone.json<{ n: string }>())[0]?.n)).toBeGreaterThan(1)
    const audited = await t.ch.client.query({
      query: "SELECT action, agency_id, details FROM nhip.audit_log WHERE actor = 'web:an' ORDER BY at",
      format: 'JSONEachRow',
    })
    const [entry] = await audited.json<{ action: string; agency_id: string; details: string }>()
    expect(entry).toMatchObject({ action: 'sql.query', agency_id: 'hanoitimes' })
    expect(entry?.details).not.toContain('SELECT')
  })

  it('downloads CSV, refuses reads outside the analyst tables with the reason, and needs the form token', async () => {
    const { post } = await analyst()
    const csv = await post({ query: "SELECT 'a,b' AS x, 2 AS y", format: 'csv' })
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.body).toBe('x,y\r\n"a,b",2\r\n')
    const refused = await post({ query: 'SELECT password_hash FROM nhip.users' })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('nhip.users is not an analyst table')
    expect(refused.body).not.toMatch(/\$argon2|scrypt\$/)
    expect((await post({ query: 'SELECT 1', csrf: 'wrong' })).statusCode).toBe(403)
  })

  it('is not offered to editors', async () => {
    const { session } = await signIn('hoa')
    const cookie = `nhip_session=${session}`
    const res = await app.inject({ method: 'GET', url: '/app/sql', headers: { cookie } })
    expect(res.statusCode).toBe(403)
    const reports = await app.inject({ method: 'GET', url: '/app/reports', headers: { cookie } })
    expect(reports.body).not.toContain('href="/app/sql"')
  })
})

describe('sign-out', () => {
  it('needs the session CSRF token, then revokes the session', async () => {
    const { session } = await signIn('hoa')
    const cookie = `nhip_session=${session}`
    const page = await app.inject({ method: 'GET', url: '/app/reports', headers: { cookie } })
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const headers = { cookie, 'content-type': 'application/x-www-form-urlencoded' }
    expect(
      (await app.inject({ method: 'POST', url: '/app/logout', headers, payload: 'csrf=wrong' })).statusCode,
    ).toBe(403)
    const out = await app.inject({ method: 'POST', url: '/app/logout', headers, payload: `csrf=${csrf}` })
    expect(out.statusCode).toBe(303)
    expect(cookiesOf(out)[0]).toMatch(/^nhip_session=; .*Max-Age=0/)
    const after = await app.inject({ method: 'GET', url: '/app/reports', headers: { cookie } })
    expect(after.statusCode).toBe(303)
  })
})

describe('scheduler lifecycle', () => {
  it('runs the job scheduler while the app runs: started on ready, stopped on close', async () => {
    const a = Fastify({ logger: false })
    const web = registerWebApp(a, {
      ch: t.ch,
      log,
      dataDir,
      scheduler: { lease: { settleMs: 0 }, instance: 'web-test' },
    })
    expect(web.scheduler()).toBeUndefined()
    await a.ready()
    const s = web.scheduler()
    expect(s?.instance).toBe('web-test')
    expect(s?.jobs().map((j) => `${j.name} ${j.schedule}`)).toEqual([
      'daily-report 0 6 * * *',
      'weekly-report 0 7 * * 1',
      'housekeeping 30 3 * * *',
      'forecast-train 20 2 * * *',
      'forecast 5 * * * *',
      'recommendations 30 2 * * *',
    ])
    await a.close()
    // Closed: no further run starts.
    expect((await s?.runJob('housekeeping'))?.status).toBe('skipped')
  })
})
