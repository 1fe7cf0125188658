// OpenAPI description of the collector's routes (see ingest/http/app.ts). Request bodies are the zod
// schemas the routes validate with, so the description cannot drift from what is accepted.
import { z } from 'zod'
import {
  jsonResponse,
  jsonSchemaOf,
  type OpenApiFragment,
  type OpenApiPaths,
  problems,
} from '../../infra/openapi.ts'
import { BROWSER_BATCH_MAX, BrowserBatch } from '../contract/index.ts'
import { widgetPath } from '../tracker/paths.ts'
import { ContentInput, ServerEvent } from './schemas.ts'

const Accepted = z.object({
  accepted: z.number().int().describe('events (or articles) now durable in Kafka or the spool'),
})

const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
  spool: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('records and bytes waiting in the on-disk spool'),
})

/** A JSON array or one object, or NDJSON (one object per line). */
function batchBody(item: z.ZodType, what: string, max: number): Record<string, unknown> {
  const one = jsonSchemaOf(item)
  return {
    required: true,
    description: `${what}: a JSON array (at most ${max}), a single object, or NDJSON (one object per line)`,
    content: {
      'application/json': { schema: { oneOf: [{ type: 'array', maxItems: max, items: one }, one] } },
      'application/x-ndjson': { schema: one },
    },
  }
}

const ingestProblems = (extra: Record<number, string> = {}) =>
  problems({
    400: 'invalid body: malformed JSON, a field that fails validation (named in `issues`), a timestamp out of window',
    413: 'body or batch too large',
    429: 'rate limit of the address or site; see Retry-After',
    503: 'the collector cannot store events right now (spool full or an outage); retry with the same event ids',
    ...extra,
  })

/**
 * The collector's paths; `trackerPath` is the configured, non-obvious tracker script path.
 * `ingest: false` describes a transform-only worker (health and metrics only).
 * @example openApiDocument([collectorOpenApi({ trackerPath: '/s/p.js' })])
 */
export function collectorOpenApi(opts: { trackerPath?: string; ingest?: boolean }): OpenApiFragment {
  const ops: OpenApiPaths = {
    '/healthz': {
      get: {
        summary: 'Health of the service and its dependencies',
        tags: ['ops'],
        responses: {
          '200': jsonResponse('every check passed', Health),
          '503': jsonResponse('a check failed (named, with its error)', Health),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        description: 'Requires `Authorization: Bearer <NHIP_METRICS_TOKEN>` when that variable is set.',
        tags: ['ops'],
        security: [{ metricsToken: [] }, {}],
        responses: {
          '200': { description: 'Prometheus text exposition format', content: { 'text/plain': {} } },
          ...problems({ 401: 'missing or wrong metrics token' }),
        },
      },
    },
  }
  if (opts.ingest !== false) {
    Object.assign(ops, {
      '/e': {
        post: {
          summary: 'Browser events from the tracker',
          description:
            'Accepted only from the registered origins of the site (Origin, else Referer). sendBeacon posts text/plain; any content type is read as JSON.',
          tags: ['collector'],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: jsonSchemaOf(BrowserBatch) },
              'text/plain': { schema: jsonSchemaOf(BrowserBatch) },
            },
          },
          responses: {
            '202': jsonResponse(`accepted (at most ${BROWSER_BATCH_MAX} events per batch)`, Accepted),
            ...ingestProblems({
              403: 'origin or page URL not registered for the site',
              404: 'unknown site',
            }),
          },
        },
        options: {
          summary: 'CORS preflight for /e',
          tags: ['collector'],
          responses: { '204': { description: 'CORS headers for the requesting origin' } },
        },
      },
      '/v1/events': {
        post: {
          summary: 'Server-side events of a site (back-fills, apps)',
          tags: ['collector'],
          security: [{ siteApiKey: [] }],
          requestBody: batchBody(ServerEvent, 'events', 5000),
          responses: {
            '202': jsonResponse('accepted', Accepted),
            ...ingestProblems({
              401: 'missing or invalid API key',
              403: 'an event URL is not on the domains of the site',
            }),
          },
        },
      },
      '/v1/content': {
        post: {
          summary: 'Article metadata upserts from a CMS or RSS bridge',
          tags: ['collector'],
          security: [{ siteApiKey: [] }],
          requestBody: batchBody(ContentInput, 'articles', 1000),
          responses: {
            '202': jsonResponse('accepted', Accepted),
            ...ingestProblems({
              401: 'missing or invalid API key',
              403: 'an article URL is not on the domains of the site',
            }),
          },
        },
      },
    } satisfies OpenApiPaths)
    if (opts.trackerPath) {
      ops[opts.trackerPath] = {
        get: {
          summary: 'The browser tracker script (path set by NHIP_TRACKER_PATH)',
          tags: ['collector'],
          responses: {
            '200': {
              description: 'JavaScript, cacheable for an hour',
              content: { 'application/javascript': {} },
            },
          },
        },
      }
      ops[widgetPath(opts.trackerPath)] = {
        get: {
          summary: "The tracker's recommendation widget, loaded on demand next to the tracker (`.r.js`)",
          tags: ['collector'],
          responses: {
            '200': {
              description: 'JavaScript, cacheable for an hour',
              content: { 'application/javascript': {} },
            },
          },
        },
      }
    }
  }
  return {
    paths: ops,
    securitySchemes: {
      siteApiKey: {
        type: 'http',
        scheme: 'bearer',
        description: 'the site API key printed by `nhip sites add` / `rotate-key`',
      },
      metricsToken: { type: 'http', scheme: 'bearer', description: 'NHIP_METRICS_TOKEN' },
    },
  }
}
