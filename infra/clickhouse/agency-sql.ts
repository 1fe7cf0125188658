// Analyst SQL scoped to one agency, enforced by the engine itself — for the embedded engine, which has no users,
// roles or row policies (on a ClickHouse server use row-policies.ts instead). An analyst's query runs only if:
//  - it is one SELECT (or WITH … SELECT); it is wrapped as a subquery, so FORMAT, INTO OUTFILE and a second
//    statement are syntax errors;
//  - it sets no settings of its own: the parsed query (EXPLAIN AST) holds exactly one SETTINGS clause, ours;
//  - it reads only the analyst tables and views of ANALYST_OBJECTS and no table function (EXPLAIN QUERY TREE
//    lists every table of every subquery, CTE and join, as database.table);
// and ours is `additional_table_filters`: every analyst table and view is read through `agency_id = '<agency>'`,
// whatever alias, join or subquery names it. The settings are written into the query (SETTINGS clause), never
// as session settings: chDB keeps session settings for the queries after it, which would filter the service.
import { AppError } from '../errors.ts'
import type { ClickHouse } from './client.ts'
import { ANALYST_OBJECTS, quoteString } from './row-policies.ts'

/** Table functions that read nothing but generate numbers. */
const SAFE_TABLE_FUNCTIONS = new Set(['numbers', 'zeros', 'generate_series', 'generateSeries'])

export class AgencySqlError extends AppError {
  constructor(message: string) {
    super('ANALYST_SQL', message, { retry: false })
  }
}

export interface AgencySqlLimits {
  /** Seconds before the engine stops the query. Default 30. */
  maxSeconds?: number
  /** Rows returned at most (the rest is cut, and `truncated` says so). Default 10 000. */
  maxRows?: number
  /** Memory the query may use, bytes. Default 2 GB. */
  maxMemoryBytes?: number
}

export interface AgencySqlResult {
  columns: string[]
  rows: unknown[][]
  /** True when the result had more rows than `maxRows`. */
  truncated: boolean
}

/** The agency filter of every analyst table and view, as the value of `additional_table_filters`. */
function tableFilters(database: string, agencyId: string): string {
  const filter = `agency_id = ${quoteString(agencyId)}`
  return `{${ANALYST_OBJECTS.map((o) => `${quoteString(`${database}.${o}`)}: ${quoteString(filter)}`).join(', ')}}`
}

async function explain(ch: ClickHouse, kind: 'AST' | 'QUERY TREE', sql: string): Promise<string> {
  try {
    // The client's FORMAT clause lands inside the explained query; the engine answers EXPLAIN in CSV.
    const rs = await ch.client.query({ query: `EXPLAIN ${kind} ${sql}`, format: 'CSV' })
    return (await rs.text())
      .split('\n')
      .map((l) => (l.startsWith('"') && l.endsWith('"') ? l.slice(1, -1).replaceAll('""', '"') : l))
      .join('\n')
  } catch (err) {
    // The engine's parser message names the position and what it expected.
    const message = err instanceof Error ? err.message : String(err)
    throw new AgencySqlError(
      `the query is not one SELECT the engine accepts: ${message.replace(/\s+/g, ' ').slice(0, 300)}`,
    )
  }
}

/**
 * The analyst's query wrapped and scoped to `agencyId`, after the checks above; throws {@link AgencySqlError}
 * naming the problem (a setting, a table outside the analyst tables, a table function, a parse error).
 * @example const sql = await agencyScopedSql(ch, 'SELECT count() FROM nhip.events', 'lamdong')
 */
export async function agencyScopedSql(
  ch: ClickHouse,
  query: string,
  agencyId: string,
  limits: AgencySqlLimits = {},
): Promise<string> {
  const body = query.trim().replace(/;\s*$/, '')
  if (!body) throw new AgencySqlError('the query is empty')
  if (body.length > 100_000) throw new AgencySqlError('the query is longer than 100 000 characters')
  const maxRows = limits.maxRows ?? 10_000
  const settings = [
    `additional_table_filters = ${tableFilters(ch.database, agencyId)}`,
    `max_execution_time = ${limits.maxSeconds ?? 30}`,
    // The embedded engine shares the service's process: one analyst query must not take its memory.
    `max_memory_usage = ${limits.maxMemoryBytes ?? 2_000_000_000}`,
  ]
  // New lines around the analyst's text: a trailing `--` comment cannot swallow the closing parenthesis.
  // One row past the limit tells the caller the result was cut.
  const sql = `SELECT * FROM (\n${body}\n) LIMIT ${maxRows + 1} SETTINGS ${settings.join(', ')}`

  const ast = await explain(ch, 'AST', sql)
  const settingsClauses = ast.split('\n').filter((l) => l.trim() === 'Set')
  // Ours is the outer query's: `SelectWithUnionQuery > ExpressionList > SelectQuery > Set`, three levels in.
  if (settingsClauses.length !== 1 || settingsClauses[0] !== '   Set')
    throw new AgencySqlError('the query may not change settings (SETTINGS clause)')

  const tree = await explain(ch, 'QUERY TREE', sql)
  // system.one is what a SELECT without FROM reads.
  const allowed = new Set([...ANALYST_OBJECTS.map((o) => `${ch.database}.${o}`), 'system.one'])
  for (const m of tree.matchAll(/\bTABLE_FUNCTION id: \d+.*?table_function_name: ([\w.]+)/g)) {
    const fn = m[1] ?? ''
    if (!SAFE_TABLE_FUNCTIONS.has(fn))
      throw new AgencySqlError(`the table function ${fn}() is not available to analysts`)
  }
  for (const m of tree.matchAll(/\bTABLE id: \d+.*?table_name: ([^\s,]+)/g)) {
    const table = m[1] ?? ''
    if (!allowed.has(table))
      throw new AgencySqlError(`${table} is not an analyst table; analysts read ${[...allowed].join(', ')}`)
  }
  return sql
}

/**
 * Runs an analyst's query for one agency (see {@link agencyScopedSql}); rows as arrays, with column names.
 * @example const { columns, rows } = await runAgencySql(ch, 'SELECT site_id, count() FROM nhip.events GROUP BY site_id', 'lamdong')
 */
export async function runAgencySql(
  ch: ClickHouse,
  query: string,
  agencyId: string,
  limits: AgencySqlLimits = {},
): Promise<AgencySqlResult> {
  const maxRows = limits.maxRows ?? 10_000
  const lines = (await runScoped(ch, query, agencyId, limits, 'JSONCompactEachRowWithNames'))
    .split('\n')
    .filter((l) => l !== '')
  const columns = lines.length ? (JSON.parse(lines[0] as string) as string[]) : []
  const rows = lines.slice(1).map((l) => JSON.parse(l) as unknown[])
  return { columns, rows: rows.slice(0, maxRows), truncated: rows.length > maxRows }
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; arrays and maps as JSON. */
function csvField(v: unknown): string {
  const s = typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * The same as CSV with a header line, for a download; cut at `maxRows` (default 100 000), `truncated` says so.
 * @example const { csv } = await runAgencySqlCsv(ch, 'SELECT * FROM nhip.v_article_daily', 'lamdong')
 */
export async function runAgencySqlCsv(
  ch: ClickHouse,
  query: string,
  agencyId: string,
  limits: AgencySqlLimits = {},
): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const r = await runAgencySql(ch, query, agencyId, { ...limits, maxRows: limits.maxRows ?? 100_000 })
  const lines = [r.columns, ...r.rows].map((row) => row.map(csvField).join(','))
  return { csv: `${lines.join('\r\n')}\r\n`, rows: r.rows.length, truncated: r.truncated }
}

async function runScoped(
  ch: ClickHouse,
  query: string,
  agencyId: string,
  limits: AgencySqlLimits,
  format: 'JSONCompactEachRowWithNames',
): Promise<string> {
  const sql = await agencyScopedSql(ch, query, agencyId, limits)
  try {
    const rs = await ch.client.query({ query: sql, format })
    return await rs.text()
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new AgencySqlError(`the query failed: ${message.replace(/\s+/g, ' ').slice(0, 300)}`)
  }
}
