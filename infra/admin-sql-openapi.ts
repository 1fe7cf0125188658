// OpenAPI description of POST /admin/sql (infra/admin-sql.ts): embedded mode only, loopback + token file.
import { AdminSqlBody } from './admin-sql.ts'
import { jsonSchemaOf, type OpenApiFragment, problems } from './openapi.ts'

/** Present only when the service holds the embedded engine (`nhip sql` runs through it). */
export const adminSqlOpenApi: OpenApiFragment = {
  paths: {
    '/admin/sql': {
      post: {
        summary:
          'Read-only SQL for local operators (`nhip sql` while `nhip start` holds the embedded engine)',
        description: 'Only from loopback, with the bearer token in NHIP_DATA_DIR/admin.token (mode 0600).',
        tags: ['ops'],
        security: [{ adminToken: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: jsonSchemaOf(AdminSqlBody) } },
        },
        responses: {
          '200': { description: 'the result in the requested format', content: { 'text/plain': {} } },
          ...problems({
            400: 'invalid body, a statement that is not read-only, or a failing query',
            403: 'not loopback or wrong token',
          }),
        },
      },
    },
  },
  securitySchemes: {
    adminToken: { type: 'http', scheme: 'bearer', description: 'the token in NHIP_DATA_DIR/admin.token' },
  },
}
