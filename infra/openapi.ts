// OpenAPI 3.1 for the HTTP service: each surface (collector, web app, admin SQL, …) describes its own paths,
// request bodies come from the zod schemas the routes validate with (z.toJSONSchema), and the composition
// root merges them and serves the result at GET /openapi.json. `recordRoutes` lists what Fastify really
// serves, so a test (and the start-up check) can compare the two both ways.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options'

export interface OpenApiOperation {
  summary: string
  description?: string
  tags?: string[]
  security?: Array<Record<string, string[]>>
  parameters?: Array<Record<string, unknown>>
  requestBody?: Record<string, unknown>
  responses: Record<string, Record<string, unknown>>
}

/** Paths of one surface, in OpenAPI syntax (`/app/reports/{agency}/{file}`). */
export type OpenApiPaths = Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>

/** A surface's contribution: its paths and any security schemes they reference. */
export interface OpenApiFragment {
  paths: OpenApiPaths
  securitySchemes?: Record<string, Record<string, unknown>>
}

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description: string }
  paths: OpenApiPaths
  components: {
    schemas: Record<string, unknown>
    responses: Record<string, unknown>
    securitySchemes: Record<string, Record<string, unknown>>
  }
}

/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) of what a zod schema accepts as input.
 * @example jsonSchemaOf(BrowserBatch)
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>
  return rest
}

/** The JSON error body every 4xx/5xx of the collector carries. */
export const ProblemBody = z.object({
  error: z.string().describe('machine-readable code, e.g. invalid_body, invalid_api_key, rate_limited'),
  message: z.string().describe('what is wrong and how to fix it'),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('validation problems, first five, with the field path'),
})

/** A response described by its JSON body schema. */
export function jsonResponse(
  description: string,
  schema?: z.ZodType | Record<string, unknown>,
): Record<string, unknown> {
  if (!schema) return { description }
  const s = schema instanceof z.ZodType ? jsonSchemaOf(schema) : schema
  return { description, content: { 'application/json': { schema: s } } }
}

/** Problem responses by status, with the reasons the route gives. */
export function problems(statuses: Record<number, string>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(statuses).map(([status, why]) => [
      status,
      { $ref: '#/components/responses/Problem', description: why },
    ]),
  )
}

/** Fastify's `/a/:b` → OpenAPI's `/a/{b}`. */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

/**
 * Merges surface fragments into one document. Two fragments describing the same operation is a bug.
 * @example openApiDocument([collectorOpenApi({ trackerPath }), webOpenApi])
 */
export function openApiDocument(fragments: OpenApiFragment[], version = '1'): OpenApiDocument {
  const paths: OpenApiPaths = {}
  const securitySchemes: Record<string, Record<string, unknown>> = {}
  for (const f of fragments) {
    for (const [p, ops] of Object.entries(f.paths)) {
      const target = paths[p] ?? {}
      for (const [method, op] of Object.entries(ops) as Array<[HttpMethod, OpenApiOperation]>) {
        if (target[method]) throw new Error(`OpenAPI: ${method.toUpperCase()} ${p} is described twice`)
        target[method] = op
      }
      paths[p] = target
    }
    Object.assign(securitySchemes, f.securitySchemes)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nhịp',
      version,
      description:
        'Nhịp — nền tảng phân tích bạn đọc tự vận hành cho các cơ quan báo chí. / Self-hosted audience analytics for news agencies: collector, editors’ web app, operator endpoints.',
    },
    paths,
    components: {
      schemas: { Problem: jsonSchemaOf(ProblemBody) },
      responses: {
        Problem: {
          description: 'an error with a machine code and a message naming the problem',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      securitySchemes,
    },
  }
}

/** The path describing /openapi.json itself. */
const OPENAPI_PATH: OpenApiPaths = {
  '/openapi.json': {
    get: {
      summary: 'This description (OpenAPI 3.1)',
      tags: ['ops'],
      responses: { '200': { description: 'the OpenAPI document', content: { 'application/json': {} } } },
    },
  },
}

/**
 * Builds the document from the surfaces' fragments and serves it at `GET /openapi.json` (described too).
 * @example const doc = registerOpenApi(app, [collectorOpenApi({ trackerPath }), webOpenApi])
 */
export function registerOpenApi(app: FastifyInstance, fragments: OpenApiFragment[]): OpenApiDocument {
  const doc = openApiDocument([...fragments, { paths: OPENAPI_PATH }])
  const body = JSON.stringify(doc)
  app.get('/openapi.json', async (_req, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(body),
  )
  return doc
}

export interface ServedRoute {
  method: string
  /** OpenAPI syntax. */
  path: string
}

const recorded = new WeakMap<FastifyInstance, ServedRoute[]>()

/**
 * Records every route added to `app` (and its plugins) from now on. Call right after creating the app.
 * @example recordRoutes(app); …; servedRoutes(app)
 */
export function recordRoutes(app: FastifyInstance): void {
  const routes: ServedRoute[] = []
  recorded.set(app, routes)
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat())
      routes.push({ method: method.toLowerCase(), path: openApiPath(r.url ?? r.path) })
  })
}

/**
 * The routes recorded by {@link recordRoutes}. Fastify adds a HEAD twin to every GET (and for a prefixed
 * plugin's `/` it reports only the twin of `/prefix/`), and the service registers no HEAD route of its own,
 * so HEAD counts as its GET.
 */
export function servedRoutes(app: FastifyInstance): ServedRoute[] {
  const seen = new Map<string, ServedRoute>()
  for (const r of recorded.get(app) ?? []) {
    const method = r.method === 'head' ? 'get' : r.method
    seen.set(`${method} ${r.path}`, { method, path: r.path })
  }
  return [...seen.values()]
}

/**
 * Both directions of disagreement between what is served and what is described, as `METHOD /path` lines.
 * @example const { undocumented, unserved } = compareRoutes(servedRoutes(app), doc)
 */
export function compareRoutes(
  served: ServedRoute[],
  doc: Pick<OpenApiDocument, 'paths'>,
): { undocumented: string[]; unserved: string[] } {
  const key = (m: string, p: string) => `${m.toUpperCase()} ${p}`
  const servedKeys = new Set(served.map((r) => key(r.method, r.path)))
  const described = new Set(
    Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => key(m, p))),
  )
  return {
    undocumented: [...servedKeys].filter((k) => !described.has(k)).sort(),
    unserved: [...described].filter((k) => !servedKeys.has(k)).sort(),
  }
}
