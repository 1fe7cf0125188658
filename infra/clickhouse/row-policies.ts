// Per-agency access for analysts on a ClickHouse server: a role, SELECT on the analyst tables and views,
// and a row policy `agency_id = '<agency>'` on each. Row policies are not schema (they live in the
// server's access storage), so they are generated here and applied by an operator, not by migrations.
//
// Once any row policy exists on a table, ClickHouse shows a user only the rows some policy of theirs
// allows (unless the server sets access_control_improvements.users_without_row_policies_can_read_rows).
// That includes the service user whose inserts feed the materialized views: give it the role made by
// platformAccessSql first, or it — and the rollups — would see nothing.
import { z } from 'zod'

/**
 * What an agency analyst may read, each with a row policy on agency_id: raw events, dimensions, rollups,
 * sessions, the model outputs (recommendations, forecasts and their metrics, anomalies, article potential)
 * and the documented views.
 */
export const ANALYST_OBJECTS = [
  'events',
  'articles',
  'sessions',
  'rollup_article_hourly',
  'rollup_site_hourly',
  'recommendations',
  'forecasts',
  'forecast_metrics',
  'forecast_anomalies',
  'article_potential',
  'v_articles',
  'v_article_daily',
  'v_traffic_sources',
  'v_sessions',
  'v_engagement',
  'v_paywall_funnel',
  'v_forecasts',
  'v_forecast_metrics',
  'v_forecast_anomalies',
  'v_article_potential',
] as const

/**
 * Columns of job_runs an analyst may read (it has no agency_id, so no row policy): the v_forecast* views keep
 * the rows of succeeded runs by these. The rest (errors, key figures, instances) is the platform's.
 */
export const ANALYST_JOB_RUN_COLUMNS = ['run_id', 'status', 'updated_at'] as const

const AgencyId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'an agency id: lower-case letters, digits, dot, underscore or dash')
const Database = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier (letters, digits, underscore)')
const RoleName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, underscore, dot or dash')

/** A ClickHouse identifier in backquotes (needed for names with `-` or `.`, harmless otherwise). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``
}

/** A ClickHouse string literal. */
export function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function objectsOf(database: string): string[] {
  return ANALYST_OBJECTS.map((o) => `${quoteIdentifier(database)}.${quoteIdentifier(o)}`)
}

/**
 * SQL that gives one agency's analysts read access to their agency's rows only:
 * `CREATE ROLE IF NOT EXISTS analyst_<agency>`, `GRANT SELECT` on every analyst table and view (and on the
 * run id and status columns of job_runs, which the forecast views read), and a permissive row policy `agency_id = '<agency>'` on each. Idempotent; grant the role to the analysts' users.
 * Throws a ZodError for an agency id outside `^[a-z0-9][a-z0-9._-]*$`.
 * @example for (const q of agencyAccessSql({ database: 'nhip', agencyId: 'lamdong' })) await ch.client.command({ query: q })
 */
export function agencyAccessSql(opts: { database: string; agencyId: string; roleName?: string }): string[] {
  const database = Database.parse(opts.database)
  const agencyId = AgencyId.parse(opts.agencyId)
  const role = quoteIdentifier(RoleName.parse(opts.roleName ?? `analyst_${agencyId}`))
  const policy = quoteIdentifier(`nhip_agency_${agencyId}`)
  const objects = objectsOf(database)
  return [
    `CREATE ROLE IF NOT EXISTS ${role}`,
    ...objects.map((o) => `GRANT SELECT ON ${o} TO ${role}`),
    `GRANT SELECT(${ANALYST_JOB_RUN_COLUMNS.join(', ')}) ON ${quoteIdentifier(database)}.${quoteIdentifier('job_runs')} TO ${role}`,
    ...objects.map(
      (o) =>
        `CREATE ROW POLICY IF NOT EXISTS ${policy} ON ${o} FOR SELECT USING agency_id = ${quoteString(agencyId)} AS PERMISSIVE TO ${role}`,
    ),
  ]
}

/**
 * SQL for the role that sees every row of the analyst tables and views (collector, workers, jobs, admins).
 * Apply it before any agency policy and grant the role to the service user.
 */
export function platformAccessSql(opts: { database: string; roleName?: string }): string[] {
  const database = Database.parse(opts.database)
  const role = quoteIdentifier(RoleName.parse(opts.roleName ?? 'nhip_platform'))
  const objects = objectsOf(database)
  return [
    `CREATE ROLE IF NOT EXISTS ${role}`,
    ...objects.map(
      (o) =>
        `CREATE ROW POLICY IF NOT EXISTS ${quoteIdentifier('nhip_platform_all')} ON ${o} FOR SELECT USING 1 AS PERMISSIVE TO ${role}`,
    ),
  ]
}
