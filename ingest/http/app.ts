// The collector's HTTP surface, built from injected dependencies so tests drive it in-process (app.inject).
// Every body is validated with zod; every rejection is a 4xx JSON error naming the problem; an accepted
// event is acknowledged only once it is durable (Kafka or the on-disk spool).
import { createHash, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { Counter, Histogram, type Registry } from 'prom-client'
import type { z } from 'zod'
import { recordRoutes } from '../../infra/openapi.ts'
import {
  ArticleMessage,
  articleKey,
  BROWSER_BATCH_MAX,
  BrowserBatch,
  type ClientFacts,
  CONTENT_SCHEMA_VERSION,
  EVENT_SCHEMA_VERSION,
  type EventMessage,
  eventKey,
} from '../contract/index.ts'
import type { EventSink, OutRecord } from '../kafka/sink.ts'
import { hostAllowed, type Site, type SiteRegistry } from '../sites/sites.ts'
import { widgetPath } from '../tracker/paths.ts'
import { createRateLimiter } from './rate-limit.ts'
import { ContentInput, ServerEvent } from './schemas.ts'

/** A component /healthz reports on: resolves when healthy, throws with the reason otherwise. */
export type HealthCheck = () => Promise<void>

/** What the collector derives from the request at the edge; the raw IP and UA go no further. */
export interface EdgeEnrichment {
  clientFacts(ip: string, userAgent: string, hints: Record<string, string | undefined>): ClientFacts
  /** Cookieless daily visitor id: keyed hash of (today's salt, site, IP, UA). */
  visitorId(siteId: string, ip: string, userAgent: string): Promise<string>
}

export interface CollectorLimits {
  /** Accepted window for reader timestamps: how far in the past (browser) and in the future. */
  browserPastMs: number
  serverPastMs: number
  futureMs: number
  serverBatchMax: number
  ipRatePerSec: number
  ipBurst: number
  siteRatePerSec: number
  siteBurst: number
}

export const DEFAULT_LIMITS: CollectorLimits = {
  browserPastMs: 24 * 3_600_000,
  serverPastMs: 400 * 86_400_000,
  futureMs: 10 * 60_000,
  serverBatchMax: 5000,
  ipRatePerSec: 20,
  ipBurst: 60,
  siteRatePerSec: 5000,
  siteBurst: 20_000,
}

export interface CollectorDeps {
  metrics: Registry
  health: Record<string, HealthCheck>
  /** Longest a health check may take before it counts as failed. */
  healthTimeoutMs?: number
  sites?: SiteRegistry
  sink?: EventSink
  topics?: { events: string; content: string }
  edge?: EdgeEnrichment
  limits?: Partial<CollectorLimits>
  now?: () => number
  /** The browser tracker, served at a configurable, non-obvious path; its recommendation widget at `.r.js`. */
  tracker?: { path: string; code: string; widget?: string }
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string
  log?: { error(obj: object, msg: string): void }
  /** Honour X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy?: boolean
  /** Serve HTTPS with this PEM certificate and key (NHIP_TLS_CERT_FILE / NHIP_TLS_KEY_FILE). */
  https?: { cert: string | Buffer; key: string | Buffer }
}

/** A 4xx answer with a machine code and a message a developer can act on. */
class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>,
    readonly retryAfterS?: number,
  ) {
    super(message)
  }
}

function zodIssues(error: z.ZodError, prefix = ''): Array<{ path: string; message: string }> {
  return error.issues.slice(0, 5).map((i) => ({
    path: (prefix + i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join(''))
      .replace(/^\./, '')
      .replace(/\.\./g, '.')
      .replace(/\.\[/g, '['),
    message: i.message,
  }))
}

function invalid(what: string, error: z.ZodError, prefix = ''): HttpProblem {
  const issues = zodIssues(error, prefix)
  const first = issues[0]
  return new HttpProblem(
    400,
    'invalid_body',
    `invalid ${what}: ${first ? `${first.path || 'body'}: ${first.message}` : 'malformed'}`,
    issues,
  )
}

function parseJson(body: unknown): unknown {
  if (typeof body !== 'string' || body.length === 0)
    throw new HttpProblem(400, 'empty_body', 'the request body is empty')
  try {
    return JSON.parse(body)
  } catch (err) {
    throw new HttpProblem(400, 'malformed_json', `the body is not valid JSON: ${(err as Error).message}`)
  }
}

/** NDJSON (one object per line) or a JSON array / single object. */
function parseJsonOrNdjson(body: unknown, contentType: string | undefined): unknown[] {
  if (typeof body !== 'string' || body.trim().length === 0)
    throw new HttpProblem(400, 'empty_body', 'the request body is empty')
  const ndjson = contentType?.includes('ndjson') || (!body.trimStart().startsWith('[') && body.includes('\n'))
  if (ndjson) {
    return body
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        try {
          return JSON.parse(line) as unknown
        } catch (err) {
          throw new HttpProblem(
            400,
            'malformed_json',
            `line ${i + 1} is not valid JSON: ${(err as Error).message}`,
          )
        }
      })
  }
  const v = parseJson(body)
  return Array.isArray(v) ? v : [v]
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined
}

/** Constant-time comparison of two secrets of any length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname
  } catch {
    return undefined
  }
}

/** Fields of one event as either endpoint received them, in the contract's names. */
interface AcceptedEvent {
  event_id: string
  type: EventMessage['type']
  name?: string | undefined
  ts: number
  url: string
  referrer?: string | undefined
  title?: string | undefined
  article_id?: string | undefined
  section?: string | undefined
  author?: string | undefined
  published_at?: number | undefined
  engaged_ms?: number | undefined
  scroll_pct?: number | undefined
  props?: Record<string, string> | undefined
  visitor_id: string
  consented: boolean
  client: ClientFacts
}

/** The Kafka record of an accepted event: the contract's message keyed by site + visitor. */
function eventRecord(topic: string, site: Site, receivedAt: number, e: AcceptedEvent): OutRecord {
  const msg: EventMessage = {
    v: EVENT_SCHEMA_VERSION,
    event_id: e.event_id,
    type: e.type,
    name: e.name ?? '',
    ts: e.ts,
    received_at: receivedAt,
    agency_id: site.agency_id,
    site_id: site.site_id,
    url: e.url,
    referrer: e.referrer ?? '',
    title: e.title ?? '',
    article_id: e.article_id ?? '',
    section: e.section ?? '',
    author: e.author ?? '',
    published_at: e.published_at ?? null,
    visitor_id: e.visitor_id,
    consented: e.consented,
    engaged_ms: e.engaged_ms ?? 0,
    scroll_pct: e.scroll_pct ?? 0,
    props: e.props ?? {},
    client: e.client,
  }
  return { topic, key: eventKey(msg), value: Buffer.from(JSON.stringify(msg)) }
}

/**
 * Builds the HTTP app (not listening yet).
 * @example const app = createCollectorApp({ metrics, health, sites, sink, topics, edge })
 */
export function createCollectorApp(deps: CollectorDeps): FastifyInstance {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits }
  const now = deps.now ?? Date.now
  const options = { logger: false, bodyLimit: 1_048_576, trustProxy: deps.trustProxy ?? false }
  // Same app either way; only the listening socket differs (Fastify types the two separately).
  const app = (deps.https ? Fastify({ ...options, https: deps.https }) : Fastify(options)) as FastifyInstance
  recordRoutes(app)
  const timeoutMs = deps.healthTimeoutMs ?? 2000
  const perIp = createRateLimiter({ ratePerSec: limits.ipRatePerSec, burst: limits.ipBurst, now })
  const perSite = createRateLimiter({ ratePerSec: limits.siteRatePerSec, burst: limits.siteBurst, now })

  const accepted = new Counter({
    name: 'nhip_collector_events_accepted_total',
    help: 'Events accepted (durable in Kafka or the spool)',
    labelNames: ['route', 'site'] as const,
    registers: [deps.metrics],
  })
  const rejected = new Counter({
    name: 'nhip_collector_requests_rejected_total',
    help: 'Requests answered with a 4xx/5xx, by reason',
    labelNames: ['route', 'reason'] as const,
    registers: [deps.metrics],
  })
  const latency = new Histogram({
    name: 'nhip_collector_request_seconds',
    help: 'Time to accept a request (validation + durable hand-off)',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [deps.metrics],
  })

  // Bodies are read as text and parsed by the routes, so malformed JSON gets our error, not a generic one.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.setErrorHandler((err, req, reply) => {
    const route = req.routeOptions.url ?? 'unknown'
    if (err instanceof HttpProblem) {
      rejected.inc({ route, reason: err.code })
      if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS))
      return reply
        .code(err.status)
        .send({ error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) })
    }
    const e = err as { statusCode?: number; code?: string; message: string; retryAfterS?: number }
    if (e.code === 'SPOOL_FULL' || e.code === 'SPOOL_WRITE') {
      rejected.inc({ route, reason: 'unavailable' })
      reply.header('retry-after', '30')
      return reply.code(503).send({
        error: 'unavailable',
        message: 'the collector cannot store more events right now; retry later',
      })
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const code =
        e.statusCode === 413
          ? 'body_too_large'
          : e.statusCode === 415
            ? 'unsupported_media_type'
            : 'bad_request'
      rejected.inc({ route, reason: code })
      return reply.code(e.statusCode).send({ error: code, message: e.message })
    }
    rejected.inc({ route, reason: 'internal' })
    deps.log?.error({ err, route }, 'request failed')
    // An outage, not bad input: the client retries with the same event ids.
    reply.header('retry-after', '10')
    return reply
      .code(503)
      .send({ error: 'unavailable', message: 'temporarily unable to accept events; retry later' })
  })

  // Stopping: a request in flight when close() starts is answered with `Connection: close`, so its socket
  // ends with the answer. Otherwise it idles in keep-alive (Fastify keeps idle sockets 72 s) after close()
  // already swept the idle ones, and close() — the collector's whole stop — waits for it.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  app.addHook('onSend', async (req, reply) => {
    // Browsers must be able to read every /e answer — including 429/503 and their Retry-After — or the
    // tracker takes a refusal for a network error. Error bodies carry nothing secret.
    if (req.url === '/e' && req.headers.origin && !reply.getHeader('access-control-allow-origin')) {
      reply.header('access-control-allow-origin', req.headers.origin)
      reply.header('vary', 'origin')
    }
    if (req.url === '/e') reply.header('access-control-expose-headers', 'retry-after')
    // Security headers on every answer of every surface (the web app adds its page CSP on top).
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    if (!reply.getHeader('content-security-policy'))
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
    reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store')
  })

  function requireIngest(): {
    sites: SiteRegistry
    sink: EventSink
    topics: { events: string; content: string }
    edge: EdgeEnrichment
  } {
    if (!deps.sites || !deps.sink || !deps.topics || !deps.edge)
      throw new HttpProblem(404, 'not_found', 'ingestion is not enabled on this service')
    return { sites: deps.sites, sink: deps.sink, topics: deps.topics, edge: deps.edge }
  }

  function checkRate(
    limiter: ReturnType<typeof createRateLimiter>,
    key: string,
    cost: number,
    what: string,
  ): void {
    const wait = limiter.take(key, cost)
    if (wait > 0)
      throw new HttpProblem(
        429,
        'rate_limited',
        `too many requests for this ${what}; retry in ${wait} s`,
        undefined,
        wait,
      )
  }

  function checkTs(ts: number, pastMs: number, path: string): void {
    const t = now()
    if (ts > t + limits.futureMs)
      throw new HttpProblem(
        400,
        'timestamp_out_of_window',
        `${path}: timestamp is in the future beyond ${limits.futureMs / 60_000} min`,
      )
    if (ts < t - pastMs)
      throw new HttpProblem(
        400,
        'timestamp_out_of_window',
        `${path}: timestamp is older than ${Math.round(pastMs / 3_600_000)} h`,
      )
  }

  function allowedOrigin(site: Site, req: FastifyRequest): string | undefined {
    const origin = req.headers.origin
    const host =
      origin && origin !== 'null'
        ? hostOf(origin)
        : req.headers.referer
          ? hostOf(req.headers.referer)
          : undefined
    // sendBeacon and fetch send Origin on POST; Referer is the fallback for old browsers.
    if (!host || !hostAllowed(site, host)) return undefined
    return origin && origin !== 'null' ? origin : `https://${host}`
  }

  // CORS: only the registered origins of a site may post to /e (checked again per request body).
  app.options('/e', async (req, reply) => {
    const origin = req.headers.origin
    if (origin) {
      reply.header('access-control-allow-origin', origin)
      reply.header('vary', 'origin')
      reply.header('access-control-allow-methods', 'POST')
      reply.header('access-control-allow-headers', 'content-type')
      reply.header('access-control-max-age', '86400')
    }
    return reply.code(204).send()
  })

  app.post('/e', { bodyLimit: 65_536 }, async (req, reply) => {
    const started = process.hrtime.bigint()
    const { sites, sink, topics, edge } = requireIngest()
    const parsed = BrowserBatch.safeParse(parseJson(req.body))
    if (!parsed.success) {
      const tooMany = parsed.error.issues.some(
        (i) => i.path[0] === 'events' && i.code === 'too_big' && i.path.length === 1,
      )
      if (tooMany)
        throw new HttpProblem(
          413,
          'batch_too_large',
          `a browser batch holds at most ${BROWSER_BATCH_MAX} events`,
        )
      throw invalid('batch', parsed.error)
    }
    const batch = parsed.data
    const site = sites.bySite(batch.site)
    if (!site) throw new HttpProblem(404, 'unknown_site', `unknown site "${batch.site}"`)
    const origin = allowedOrigin(site, req)
    if (!origin) {
      throw new HttpProblem(
        403,
        'origin_not_allowed',
        `origin ${req.headers.origin ?? req.headers.referer ?? '(none)'} is not registered for site ${site.site_id}`,
      )
    }
    checkRate(perIp, req.ip, 1, 'address')
    checkRate(perSite, site.site_id, batch.events.length, 'site')

    const ua = req.headers['user-agent'] ?? ''
    const ip = req.ip
    const received = now()
    batch.events.forEach((e, i) => {
      checkTs(e.ts, limits.browserPastMs, `events[${i}].ts`)
      const h = hostOf(e.u)
      if (!h || !hostAllowed(site, h))
        throw new HttpProblem(
          403,
          'url_not_on_site',
          `events[${i}].u: ${e.u} is not on the domains of site ${site.site_id}`,
        )
    })
    const consented = batch.c === true && batch.vid !== undefined
    const visitor = consented && batch.vid ? batch.vid : await edge.visitorId(site.site_id, ip, ua)
    const client = edge.clientFacts(ip, ua, {
      'sec-ch-ua': req.headers['sec-ch-ua'] as string | undefined,
      'sec-ch-ua-mobile': req.headers['sec-ch-ua-mobile'] as string | undefined,
      'sec-ch-ua-platform': req.headers['sec-ch-ua-platform'] as string | undefined,
    })
    const records = batch.events.map((e) =>
      eventRecord(topics.events, site, received, {
        event_id: e.id,
        type: e.t,
        name: e.n,
        ts: e.ts,
        url: e.u,
        referrer: e.r,
        title: e.ti,
        article_id: e.a,
        section: e.s,
        author: e.au,
        published_at: e.pt,
        engaged_ms: e.e,
        scroll_pct: e.sc,
        props: e.p,
        visitor_id: visitor,
        consented,
        client,
      }),
    )
    await sink.send(records)
    accepted.inc({ route: '/e', site: site.site_id }, records.length)
    latency.observe({ route: '/e' }, Number(process.hrtime.bigint() - started) / 1e9)
    reply.header('access-control-allow-origin', origin ?? '')
    reply.header('vary', 'origin')
    return reply.code(202).send({ accepted: records.length })
  })

  function siteFromKey(req: FastifyRequest, sites: SiteRegistry): Site {
    const key = bearer(req)
    if (!key)
      throw new HttpProblem(401, 'missing_api_key', 'send the site API key as "Authorization: Bearer <key>"')
    const site = sites.byApiKey(key)
    if (!site)
      throw new HttpProblem(401, 'invalid_api_key', 'the API key is not valid (rotated or mistyped?)')
    return site
  }

  app.post('/v1/events', { bodyLimit: 5 * 1_048_576 }, async (req, reply) => {
    const started = process.hrtime.bigint()
    const { sites, sink, topics, edge } = requireIngest()
    const site = siteFromKey(req, sites)
    const items = parseJsonOrNdjson(req.body, req.headers['content-type'])
    if (items.length > limits.serverBatchMax) {
      throw new HttpProblem(
        413,
        'batch_too_large',
        `at most ${limits.serverBatchMax} events per request (got ${items.length})`,
      )
    }
    checkRate(perSite, site.site_id, items.length, 'site')
    const events = items.map((item, i) => {
      const r = ServerEvent.safeParse(item)
      if (!r.success) throw invalid('event', r.error, `[${i}].`)
      checkTs(r.data.ts, limits.serverPastMs, `[${i}].ts`)
      const h = hostOf(r.data.url)
      if (!h || !hostAllowed(site, h))
        throw new HttpProblem(
          403,
          'url_not_on_site',
          `[${i}].url: ${r.data.url} is not on the domains of site ${site.site_id}`,
        )
      return r.data
    })
    const received = now()
    const records: OutRecord[] = []
    for (const e of events) {
      const consented = e.visitor_id !== undefined
      const visitor = e.visitor_id ?? (await edge.visitorId(site.site_id, e.ip ?? '', e.user_agent ?? ''))
      const client = edge.clientFacts(e.ip ?? '', e.user_agent ?? '', {})
      records.push(
        eventRecord(topics.events, site, received, { ...e, visitor_id: visitor, consented, client }),
      )
    }
    await sink.send(records)
    accepted.inc({ route: '/v1/events', site: site.site_id }, records.length)
    latency.observe({ route: '/v1/events' }, Number(process.hrtime.bigint() - started) / 1e9)
    return reply.code(202).send({ accepted: records.length })
  })

  app.post('/v1/content', { bodyLimit: 2 * 1_048_576 }, async (req, reply) => {
    const { sites, sink, topics } = requireIngest()
    const site = siteFromKey(req, sites)
    const items = parseJsonOrNdjson(req.body, req.headers['content-type'])
    if (items.length > 1000)
      throw new HttpProblem(413, 'batch_too_large', `at most 1000 articles per request (got ${items.length})`)
    const received = now()
    const records = items.map((item, i): OutRecord => {
      const r = ContentInput.safeParse(item)
      if (!r.success) throw invalid('article', r.error, `[${i}].`)
      const a = r.data
      const h = hostOf(a.url)
      if (!h || !hostAllowed(site, h))
        throw new HttpProblem(
          403,
          'url_not_on_site',
          `[${i}].url: ${a.url} is not on the domains of site ${site.site_id}`,
        )
      const msg = ArticleMessage.parse({
        v: CONTENT_SCHEMA_VERSION,
        agency_id: site.agency_id,
        site_id: site.site_id,
        article_id: a.article_id,
        url: a.url,
        title: a.title,
        section: a.section ?? '',
        author: a.author ?? '',
        tags: a.tags ?? [],
        published_at: a.published_at,
        updated_at: a.updated_at ?? received,
        paywalled: a.paywalled ?? false,
        word_count: a.word_count ?? 0,
        source: a.source ?? 'cms',
      })
      return { topic: topics.content, key: articleKey(msg), value: Buffer.from(JSON.stringify(msg)) }
    })
    await sink.send(records)
    accepted.inc({ route: '/v1/content', site: site.site_id }, records.length)
    return reply.code(202).send({ accepted: records.length })
  })

  if (deps.tracker) {
    const { path, code, widget } = deps.tracker
    const scripts: Array<[string, string]> = [[path, code]]
    if (widget !== undefined) scripts.push([widgetPath(path), widget])
    for (const [at, body] of scripts) {
      app.get(at, async (_req, reply) => {
        reply.header('content-type', 'application/javascript; charset=utf-8')
        reply.header('cache-control', 'public, max-age=3600')
        reply.header('access-control-allow-origin', '*')
        return reply.send(body)
      })
    }
  }

  app.get('/healthz', async (_req, reply) => {
    const results = await Promise.all(
      Object.entries(deps.health).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined
        try {
          await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
            }),
          ])
          return [name, { ok: true }] as const
        } catch (err) {
          return [name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const
        } finally {
          clearTimeout(timer)
        }
      }),
    )
    const ok = results.every(([, r]) => r.ok)
    const backlog = deps.sink?.backlog()
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      checks: Object.fromEntries(results),
      ...(backlog ? { spool: backlog } : {}),
    })
  })

  app.get('/metrics', async (req: FastifyRequest, reply: FastifyReply) => {
    if (deps.metricsToken && !sameSecret(bearer(req) ?? '', deps.metricsToken)) {
      throw new HttpProblem(401, 'unauthorized', 'metrics need "Authorization: Bearer <NHIP_METRICS_TOKEN>"')
    }
    reply.header('content-type', deps.metrics.contentType)
    return deps.metrics.metrics()
  })

  return app
}
