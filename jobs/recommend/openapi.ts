// OpenAPI description of GET /v1/recommendations (models/recommend/http-route.ts): the query parameters come
// from the route's zod schema; the response schema is checked against RecommendationsResponse at compile time.
import { z } from 'zod'
import { jsonResponse, jsonSchemaOf, type OpenApiFragment, problems } from '../../infra/openapi.ts'
import {
  DEFAULT_K,
  MAX_K,
  RECOMMENDATIONS_PATH,
  RecommendationsQuery,
  type RecommendationsResponse,
} from '../../models/recommend/index.ts'

const RecommendationsBody = z.object({
  site: z.string(),
  items: z.array(
    z.object({
      article_id: z.string(),
      url: z.string(),
      title: z.string(),
      section: z.string(),
      published_at: z.string(),
      premium: z.boolean(),
      reason: z.string().describe('related | for_you | trending | fresh'),
      score: z.number(),
    }),
  ),
  source: z.enum(['model', 'precomputed', 'fallback']),
  model_version: z.number().nullable(),
})
// Fails to compile when the route's response type and this description part ways.
const _sameShape: z.infer<typeof RecommendationsBody> = {} as RecommendationsResponse
void _sameShape

function queryParameters(): Array<Record<string, unknown>> {
  const schema = jsonSchemaOf(RecommendationsQuery) as {
    properties: Record<string, unknown>
    required?: string[]
  }
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }))
}

/** The recommendations endpoint the tracker's widget calls from readers' browsers. */
export function recommendationsOpenApi(): OpenApiFragment {
  return {
    paths: {
      [RECOMMENDATIONS_PATH]: {
        get: {
          summary: 'Related / for-you articles of a site (never another agency’s)',
          description: `Up to k (default ${DEFAULT_K}, at most ${MAX_K}) articles. CORS is granted to the site's registered domains only.`,
          tags: ['collector'],
          parameters: queryParameters(),
          responses: {
            '200': jsonResponse('recommended articles', RecommendationsBody),
            ...problems({
              400: 'invalid query parameter (named)',
              403: 'origin not registered for the site',
              404: 'unknown site',
              500: 'recommendations temporarily unavailable',
            }),
          },
        },
      },
    },
  }
}
