// GET /v1/recommendations: the public endpoint the tracker's recommendation block calls from readers' browsers
// on agency sites. The query is validated with zod (400 names the field), an unknown site is 404, and CORS is
// granted only to the site's registered domains (the same host rule as the collector's /e). Answers come from
// the in-memory RecommendationService: never another agency's article, never one the reader has read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { hostAllowed, type Site } from '../../ingest/sites/sites.ts'
import type { RecommendationService, ServedItem, ServedSource } from './serving-store.ts'

export const RECOMMENDATIONS_PATH = '/v1/recommendations'
export const MAX_K = 20
export const DEFAULT_K = 6
const MAX_RECENT = 50

const IdParam = (name: string, max: number) =>
  z
    .string({ error: `${name} must be a single value` })
    .trim()
    .min(1, `${name} must not be empty`)
    .max(max, `${name} must be at most ${max} characters`)
    .regex(/^[^\s,]+$/, `${name} must not contain spaces or commas`)

/** The query string of GET /v1/recommendations. */
export const RecommendationsQuery = z.object({
  site: IdParam('site', 64),
  article: IdParam('article', 200).optional(),
  visitor: IdParam('visitor', 64).optional(),
  recent: z
    .string({ error: 'recent must be a single comma-separated value' })
    .max(8_000, 'recent is too long')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .pipe(
      z
        .array(z.string().max(200, 'recent: each article id must be at most 200 characters'))
        .max(MAX_RECENT, `recent: at most ${MAX_RECENT} article ids`),
    )
    .optional(),
  k: z.coerce
    .number({ error: 'k must be a number' })
    .int('k must be a whole number')
    .min(1, 'k must be at least 1')
    .max(MAX_K, `k must be at most ${MAX_K}`)
    .default(DEFAULT_K),
})

/** The response body (the tracker widget is written against this shape). */
export interface RecommendationsResponse {
  site: string
  items: ServedItem[]
  source: ServedSource
  model_version: number | null
}

export interface RecommendationsRouteDeps {
  /** The collector's site registry (or anything that finds a registered site by id). */
  sites: { bySite(siteId: string): Site | undefined }
  service: RecommendationService
  log: { error(fields: object, msg: string): void }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).hostname
  } catch {
    return undefined
  }
}

function problem(reply: FastifyReply, status: number, error: string, message: string, extra: object = {}) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error, message, ...extra })
}

/**
 * Registers GET /v1/recommendations on a fastify app.
 * @example registerRecommendationsRoute(collector.app, { sites: collector.sites, service, log })
 */
export function registerRecommendationsRoute(app: FastifyInstance, deps: RecommendationsRouteDeps): void {
  app.get(RECOMMENDATIONS_PATH, async (req: FastifyRequest, reply: FastifyReply) => {
    const parsed = RecommendationsQuery.safeParse(req.query)
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => ({
        path: i.path.map(String).join('.') || 'query',
        message: i.message,
      }))
      const first = issues[0]
      return problem(
        reply,
        400,
        'invalid_query',
        `invalid query: ${first ? `${first.path}: ${first.message}` : 'malformed'}`,
        { issues },
      )
    }
    const q = parsed.data
    const site = deps.sites.bySite(q.site)
    if (!site) return problem(reply, 404, 'unknown_site', `unknown site "${q.site}"`)
    const origin = req.headers.origin
    if (origin !== undefined && origin !== 'null') {
      const host = hostOf(origin)
      if (!host || !hostAllowed(site, host)) {
        return problem(
          reply,
          403,
          'origin_not_allowed',
          `origin ${origin} is not registered for site ${site.site_id}`,
        )
      }
      reply.header('access-control-allow-origin', origin)
      reply.header('vary', 'origin')
    }
    try {
      const result = deps.service.recommend({
        site: { site_id: site.site_id, agency_id: site.agency_id, language: site.language },
        ...(q.article ? { article: q.article } : {}),
        ...(q.visitor ? { visitor: q.visitor } : {}),
        recent: q.recent ?? [],
        k: q.k,
      })
      const body: RecommendationsResponse = {
        site: site.site_id,
        items: result.items,
        source: result.source,
        model_version: result.model_version,
      }
      // Personal (history-based) answers must not be stored by shared caches.
      return reply.code(200).header('cache-control', 'private, no-store').send(body)
    } catch (err) {
      deps.log.error(
        { err: err instanceof Error ? err.message : String(err), site: site.site_id },
        'recommendations request failed',
      )
      return problem(reply, 500, 'internal', 'recommendations are temporarily unavailable')
    }
  })
}
