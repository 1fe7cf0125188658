// The editors' web app under /app: sign-in, the agency's reports (served from the saved files after an
// agency check), recommendations and forecasts when those tables exist, sign-out. Security on every page:
// strict CSP (no script at all), frame and MIME protections, HttpOnly + SameSite=Strict session cookies
// (Secure over https), a per-session CSRF token on POST forms, and 404 — not 403 — for other agencies' pages.
// Also runs the job scheduler for the app's lifetime unless told not to.
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { audit } from '../infra/audit.ts'
import { AgencySqlError, runAgencySql, runAgencySqlCsv } from '../infra/clickhouse/agency-sql.ts'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { errorMessage } from '../infra/errors.ts'
import type { Logger } from '../infra/logger.ts'
import {
  agencyLanguage,
  createJobScheduler,
  type Lang,
  listReportSites,
  listReports,
  messages,
  type Scheduler,
  type SchedulerOptions,
} from '../jobs/index.ts'
import { queryRecommendationsOverview } from '../jobs/recommend/recommendations-table.ts'
import { succeededRunIdsSql } from '../jobs/runs-table.ts'
import {
  insightsPage,
  loginPage,
  messagePage,
  reportListPage,
  sqlPage,
  type TablePreview,
  type Viewer,
} from './pages.ts'
import {
  createSession,
  csrfToken,
  findSession,
  revokeSession,
  SESSION_TTL_MS,
  safeEqual,
  type WebSession,
} from './sessions.ts'
import { authenticate } from './users.ts'

export interface WebAppDeps {
  ch: ClickHouse
  log: Logger
  dataDir: string
  now?: () => Date
  /**
   * The job scheduler runs while the app runs (started on ready, with catch-up; stopped on close).
   * `false` serves pages only (tests, or a second web instance that should not schedule).
   */
  scheduler?: false | Pick<SchedulerOptions, 'schedules' | 'jobOptions' | 'retry' | 'lease' | 'instance'>
  /** Sign-in failures allowed per client address and username in 15 minutes. Default 10. */
  maxLoginFailures?: number
}

export interface WebApp {
  /** The running scheduler once the app is ready (undefined when disabled). */
  scheduler(): Scheduler | undefined
}

export const CSP =
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
const SESSION_COOKIE = 'nhip_session'
const LOGIN_COOKIE = 'nhip_login'
const REPORT_FILE = /^(daily|weekly)-(\d{4}-\d{2}-\d{2})\.(vi|en)\.html$/

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim())
  }
  return out
}

function cookie(req: FastifyRequest, name: string, value: string, maxAgeS: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : ''
  return `${name}=${value}; Path=/app; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`
}

function formOf(req: FastifyRequest): URLSearchParams {
  return new URLSearchParams(typeof req.body === 'string' ? req.body : '')
}

/**
 * Requests from another site are refused even with a valid token (belt and braces with SameSite). With
 * Referrer-Policy no-referrer, browsers send `Origin: null` on same-origin form posts: Sec-Fetch-Site decides then.
 */
function crossOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site']
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true
  const origin = req.headers.origin
  if (!origin || origin === 'null') return false
  try {
    return new URL(origin).host !== req.headers.host
  } catch {
    return true
  }
}

/**
 * Adds the web app to a Fastify instance (before `listen`). Bodies may arrive as raw strings (the collector
 * app parses every content type as text): forms are parsed here with URLSearchParams.
 * @example const web = registerWebApp(collector.app, { ch, log, dataDir: config.dataDir })
 */
export function registerWebApp(app: FastifyInstance, deps: WebAppDeps): WebApp {
  const { ch } = deps
  const log = deps.log.child({ component: 'web' })
  const now = deps.now ?? (() => new Date())
  const reportsRoot = path.resolve(deps.dataDir, 'reports')
  const maxFailures = deps.maxLoginFailures ?? 10
  const failures = new Map<string, { count: number; until: number }>()
  const langCache = new Map<string, { lang: Lang; at: number }>()
  let scheduler: Scheduler | undefined

  if (deps.scheduler !== false) {
    const schedOpts = deps.scheduler ?? {}
    app.addHook('onReady', async () => {
      scheduler = createJobScheduler({ ch, log: deps.log, dataDir: deps.dataDir, now, ...schedOpts })
      await scheduler.start()
    })
    app.addHook('onClose', async () => {
      await scheduler?.stop()
    })
  }

  async function langOf(agency: string): Promise<Lang> {
    const hit = langCache.get(agency)
    if (hit && Date.now() - hit.at < 60_000) return hit.lang
    const lang = agencyLanguage(await listReportSites(ch, agency))
    langCache.set(agency, { lang, at: Date.now() })
    return lang
  }

  async function sessionOf(
    req: FastifyRequest,
  ): Promise<{ session: WebSession; viewer: Viewer; token: string } | undefined> {
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE)
    if (!token) return undefined
    const session = await findSession(ch, token, now())
    if (!session) return undefined
    return {
      session,
      token,
      viewer: {
        username: session.username,
        agency_id: session.agency_id,
        role: session.role,
        csrf: csrfToken(token),
      },
    }
  }

  function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
    return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(body)
  }

  function loginForm(
    reply: FastifyReply,
    req: FastifyRequest,
    status: number,
    error?: string,
    username?: string,
  ): FastifyReply {
    const csrf = randomBytes(24).toString('base64url')
    reply.header('set-cookie', cookie(req, LOGIN_COOKIE, csrf, 3600))
    return sendPage(
      reply,
      status,
      loginPage('vi', { csrf, ...(error ? { error } : {}), ...(username ? { username } : {}) }),
    )
  }

  async function tablePreview(table: string, agency: string): Promise<TablePreview | undefined> {
    const rs = await ch.client.query({
      query:
        'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
      query_params: { db: ch.database, t: table },
      format: 'JSONEachRow',
    })
    const columns = (await rs.json<{ name: string }>()).map((c) => c.name)
    // Without an agency column the rows cannot be filtered to the viewer's agency: show nothing.
    if (!columns.includes('agency_id')) return undefined
    const order = ['score', 'rank', 'day', 'target_day', 'date', 'created_at'].find((c) =>
      columns.includes(c),
    )
    const runFilter = columns.includes('run_id') ? `AND run_id IN (${succeededRunIdsSql(ch.database)})` : ''
    const direction = order === 'rank' ? 'ASC' : 'DESC'
    const data = await ch.client.query({
      query: `SELECT * FROM ${ch.database}.${table} WHERE agency_id = {agency:String} ${runFilter}
              ${order ? `ORDER BY ${order} ${direction}` : ''} LIMIT 20`,
      query_params: { agency },
      format: 'JSONCompactEachRow',
    })
    return { columns, rows: await data.json<unknown[]>() }
  }

  app.register(
    async (web) => {
      if (!web.hasContentTypeParser('application/x-www-form-urlencoded')) {
        web.addContentTypeParser(
          'application/x-www-form-urlencoded',
          { parseAs: 'string', bodyLimit: 16_384 },
          (_req, body, done) => done(null, body),
        )
      }

      web.addHook('onSend', async (req, reply, payload) => {
        reply.header('content-security-policy', CSP)
        reply.header('x-frame-options', 'DENY')
        reply.header('x-content-type-options', 'nosniff')
        reply.header('referrer-policy', 'no-referrer')
        reply.header('cross-origin-opener-policy', 'same-origin')
        reply.header('cross-origin-resource-policy', 'same-origin')
        reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()')
        reply.header('cache-control', 'no-store')
        if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
        return payload
      })

      web.setNotFoundHandler(async (_req, reply) =>
        sendPage(reply, 404, messagePage('vi', '404', messages('vi').web.notFound)),
      )

      web.setErrorHandler(async (err, req, reply) => {
        const status = (err as { statusCode?: number }).statusCode
        if (status && status >= 400 && status < 500)
          return sendPage(reply, status, messagePage('vi', String(status), errorMessage(err)))
        log.error({ err: errorMessage(err), url: req.url }, 'web request failed')
        return sendPage(reply, 500, messagePage('vi', '500', 'Lỗi máy chủ. / Server error.'))
      })

      web.get('/', async (req, reply) =>
        reply.redirect((await sessionOf(req)) ? '/app/reports' : '/app/login', 303),
      )

      web.get('/login', async (req, reply) => {
        if (await sessionOf(req)) return reply.redirect('/app/reports', 303)
        return loginForm(reply, req, 200)
      })

      web.post('/login', async (req, reply) => {
        const m = messages('vi')
        const form = formOf(req)
        const expected = parseCookies(req.headers.cookie).get(LOGIN_COOKIE) ?? ''
        const given = form.get('csrf') ?? ''
        if (crossOrigin(req) || !expected || !safeEqual(expected, given))
          return loginForm(reply, req, 403, m.web.formExpired)
        const username = (form.get('username') ?? '').trim().toLowerCase().slice(0, 64)
        const password = form.get('password') ?? ''
        const key = `${req.ip}|${username}`
        const f = failures.get(key)
        if (f && f.count >= maxFailures && f.until > Date.now()) {
          log.warn({ ip: req.ip, username }, 'sign-in refused: too many failures')
          return loginForm(reply, req, 429, m.web.tooManyAttempts, username)
        }
        const user = username && password ? await authenticate(ch, username, password) : undefined
        if (!user) {
          const cur = f && f.until > Date.now() ? f : { count: 0, until: Date.now() + 15 * 60_000 }
          cur.count++
          failures.set(key, cur)
          log.info({ ip: req.ip, username }, 'sign-in failed')
          return loginForm(reply, req, 401, m.web.badCredentials, username)
        }
        failures.delete(key)
        const { token } = await createSession(ch, user, now())
        log.info({ username: user.username, agency: user.agency_id }, 'signed in')
        reply.header('set-cookie', [
          cookie(req, SESSION_COOKIE, token, SESSION_TTL_MS / 1000),
          cookie(req, LOGIN_COOKIE, '', 0),
        ])
        return reply.redirect('/app/reports', 303)
      })

      web.post('/logout', async (req, reply) => {
        const s = await sessionOf(req)
        if (!s) return reply.redirect('/app/login', 303)
        const given = formOf(req).get('csrf') ?? ''
        if (crossOrigin(req) || !safeEqual(s.viewer.csrf, given)) {
          return sendPage(
            reply,
            403,
            messagePage(await langOf(s.viewer.agency_id), '403', messages('vi').web.formExpired, s.viewer),
          )
        }
        await revokeSession(ch, s.session, now())
        reply.header('set-cookie', cookie(req, SESSION_COOKIE, '', 0))
        return reply.redirect('/app/login', 303)
      })

      web.get('/reports', async (req, reply) => {
        const s = await sessionOf(req)
        if (!s) return reply.redirect('/app/login', 303)
        const reports = await listReports(ch, { agency: s.viewer.agency_id })
        return sendPage(reply, 200, reportListPage(await langOf(s.viewer.agency_id), s.viewer, reports))
      })

      web.get<{ Params: { agency: string; file: string } }>('/reports/:agency/:file', async (req, reply) => {
        const s = await sessionOf(req)
        if (!s) return reply.redirect('/app/login', 303)
        const notFound = async () =>
          sendPage(
            reply,
            404,
            messagePage(await langOf(s.viewer.agency_id), '404', messages('vi').web.notFound, s.viewer),
          )
        // Another agency's report does not exist as far as this viewer can tell.
        if (req.params.agency !== s.viewer.agency_id) return notFound()
        const match = REPORT_FILE.exec(req.params.file)
        if (!match) return notFound()
        const [, kind, day, lang] = match
        const [report] = await listReports(ch, {
          agency: s.viewer.agency_id,
          kind: kind as 'daily' | 'weekly',
          periodEnd: day ?? '',
          lang: lang as Lang,
          limit: 1,
        })
        const file = report ? path.resolve(report.path) : undefined
        if (report?.site_id !== '' || !file?.startsWith(reportsRoot + path.sep)) return notFound()
        let body: Buffer
        try {
          body = await readFile(file)
        } catch (err) {
          log.warn({ file, err: errorMessage(err) }, 'listed report file is missing')
          return notFound()
        }
        return reply.code(200).header('content-type', 'text/html; charset=utf-8').send(body)
      })

      web.get('/insights', async (req, reply) => {
        const s = await sessionOf(req)
        if (!s) return reply.redirect('/app/login', 303)
        const [recommendations, forecasts] = await Promise.all([
          // The latest succeeded run of the nightly job, the viewer's agency only.
          queryRecommendationsOverview(ch, s.viewer.agency_id, { articles: 10, perArticle: 5 }),
          tablePreview('forecasts', s.viewer.agency_id),
        ])
        return sendPage(
          reply,
          200,
          insightsPage(await langOf(s.viewer.agency_id), s.viewer, {
            ...(recommendations ? { recommendations } : {}),
            ...(forecasts ? { forecasts } : {}),
          }),
        )
      })

      // Analyst SQL on the embedded engine (no users or row policies there): the engine filters every analyst
      // table by the viewer's agency, and reads outside them are refused (infra/clickhouse/agency-sql.ts).
      // Every run is in the audit log (the query's hash and size, not its text: it may quote reader ids).
      /** The signed-in analyst or admin and their language; otherwise the answer already sent (sign-in or 403). */
      async function analystOf(
        req: FastifyRequest,
        reply: FastifyReply,
      ): Promise<{ s: NonNullable<Awaited<ReturnType<typeof sessionOf>>>; lang: Lang } | FastifyReply> {
        const s = await sessionOf(req)
        if (!s) return reply.redirect('/app/login', 303)
        const lang = await langOf(s.viewer.agency_id)
        if (s.viewer.role === 'editor')
          return sendPage(reply, 403, messagePage(lang, '403', messages(lang).web.sqlForbidden, s.viewer))
        return { s, lang }
      }

      web.get('/sql', async (req, reply) => {
        const who = await analystOf(req, reply)
        if (!('lang' in who)) return who
        const { s, lang } = who
        const example = `SELECT site_id, count() AS pageviews\nFROM ${ch.database}.events\nWHERE type = 'pageview' AND day >= today() - 7\nGROUP BY site_id\nORDER BY pageviews DESC`
        return sendPage(reply, 200, sqlPage(lang, s.viewer, { query: example }))
      })

      web.post('/sql', async (req, reply) => {
        const who = await analystOf(req, reply)
        if (!('lang' in who)) return who
        const { s, lang } = who
        const form = formOf(req)
        if (crossOrigin(req) || !safeEqual(s.viewer.csrf, form.get('csrf') ?? ''))
          return sendPage(reply, 403, messagePage(lang, '403', messages(lang).web.formExpired, s.viewer))
        const query = form.get('query') ?? ''
        const csv = form.get('format') === 'csv'
        const entry = {
          actor: `web:${s.viewer.username}`,
          action: csv ? 'sql.export' : 'sql.query',
          agencyId: s.viewer.agency_id,
          details: {
            query_sha256: createHash('sha256').update(query).digest('hex'),
            query_chars: query.length,
          },
        }
        try {
          if (csv) {
            const r = await runAgencySqlCsv(ch, query, s.viewer.agency_id)
            await audit(ch, { ...entry, details: { ...entry.details, rows: r.rows, truncated: r.truncated } })
            return reply
              .code(200)
              .header('content-type', 'text/csv; charset=utf-8')
              .header('content-disposition', `attachment; filename="nhip-${s.viewer.agency_id}.csv"`)
              .send(r.csv)
          }
          const r = await runAgencySql(ch, query, s.viewer.agency_id)
          await audit(ch, {
            ...entry,
            details: { ...entry.details, rows: r.rows.length, truncated: r.truncated },
          })
          return sendPage(reply, 200, sqlPage(lang, s.viewer, { query, result: r }))
        } catch (err) {
          if (!(err instanceof AgencySqlError)) throw err
          await audit(ch, { ...entry, details: { ...entry.details, refused: err.message.slice(0, 200) } })
          return sendPage(reply, 400, sqlPage(lang, s.viewer, { query, error: err.message }))
        }
      })
    },
    { prefix: '/app' },
  )

  return { scheduler: () => scheduler }
}
