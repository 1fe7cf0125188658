// OpenAPI description of the editors' web app under /app (see web/app.ts). Pages are HTML; the forms are
// described by the zod schemas below, which name the fields web/app.ts reads.
import { z } from 'zod'
import { jsonSchemaOf, type OpenApiFragment, type OpenApiOperation } from '../infra/openapi.ts'

export const LoginForm = z.object({
  username: z.string().max(64),
  password: z.string(),
  csrf: z.string().describe('the token of the sign-in form (also in the nhip_login cookie)'),
})
export const SqlForm = z.object({
  csrf: z.string().describe('the per-session token shown in every page form'),
  query: z.string().max(100_000).describe('one SELECT over the analyst tables and views'),
  format: z.enum(['html', 'csv']).optional().describe('csv: the result as a download (up to 100 000 rows)'),
})
export const LogoutForm = z.object({
  csrf: z.string().describe('the per-session token shown in every page form'),
})

const html = (description: string) => ({ description, content: { 'text/html': {} } })
const redirect = (to: string) => ({ description: `redirect (303) to ${to}` })
const session = [{ webSession: [] }]

function page(summary: string, extra: Record<string, Record<string, unknown>> = {}): OpenApiOperation {
  return {
    summary,
    tags: ['web'],
    security: session,
    responses: { '200': html(summary), '303': redirect('/app/login when not signed in'), ...extra },
  }
}

function form(schema: z.ZodType): Record<string, unknown> {
  return {
    required: true,
    content: { 'application/x-www-form-urlencoded': { schema: jsonSchemaOf(schema) } },
  }
}

const root: OpenApiOperation = {
  summary: 'Entry: to the reports when signed in, else to sign-in',
  tags: ['web'],
  responses: { '303': redirect('/app/reports or /app/login') },
}

/** The web app's paths. */
export const webOpenApi: OpenApiFragment = {
  paths: {
    '/app': { get: root },
    '/app/': { get: root },
    '/app/login': {
      get: {
        summary: 'Sign-in form (Vietnamese first)',
        tags: ['web'],
        responses: {
          '200': html('the form, with a fresh CSRF token'),
          '303': redirect('/app/reports when signed in'),
        },
      },
      post: {
        summary: 'Sign in',
        tags: ['web'],
        requestBody: form(LoginForm),
        responses: {
          '303': redirect('/app/reports, with the HttpOnly SameSite=Strict session cookie'),
          '401': html('wrong user name or password'),
          '403': html('expired form or a cross-site request'),
          '429': html('too many failures from this address for this user; wait 15 minutes'),
        },
      },
    },
    '/app/logout': {
      post: {
        summary: 'Sign out (ends the session)',
        tags: ['web'],
        security: session,
        requestBody: form(LogoutForm),
        responses: { '303': redirect('/app/login'), '403': html('expired form or a cross-site request') },
      },
    },
    '/app/reports': { get: page("The agency's daily and weekly reports") },
    '/app/reports/{agency}/{file}': {
      get: {
        ...page('One saved report (HTML)', { '404': html("no such report, or another agency's") }),
        parameters: [
          { name: 'agency', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              pattern: String.raw`^(daily|weekly)-\d{4}-\d{2}-\d{2}\.(vi|en)\.html$`,
            },
          },
        ],
      },
    },
    '/app/insights': { get: page('Recommendations and forecasts of the agency') },
    '/app/sql': {
      get: page('SQL query form for analysts and administrators', {
        '403': html('editors have no SQL page'),
      }),
      post: {
        summary:
          "Run one SELECT over the analyst tables and views, filtered by the engine to the viewer's agency (audited)",
        tags: ['web'],
        security: session,
        requestBody: form(SqlForm),
        responses: {
          '200': {
            description: 'the result table (HTML, up to 10 000 rows) or a CSV download',
            content: { 'text/html': {}, 'text/csv': {} },
          },
          '303': redirect('/app/login when not signed in'),
          '400': html('the query was refused or failed; the page names why'),
          '403': html('editors, an expired form or a cross-site request'),
        },
      },
    },
  },
  securitySchemes: {
    webSession: { type: 'apiKey', in: 'cookie', name: 'nhip_session', description: 'set by POST /app/login' },
  },
}
