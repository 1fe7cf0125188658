// `nhip sql "SELECT …"`: run one query against the configured ClickHouse and print the rows.
import { queryThroughService, readServiceFile } from '../../infra/admin-sql.ts'
import { type ClickHouse, openClickHouse } from '../../infra/clickhouse/client.ts'
import { ConfigError, DataPathLockedError } from '../../infra/errors.ts'
import type { Context } from '../context.ts'

export const SQL_OUTPUT_FORMATS = ['table', 'csv', 'tsv', 'json'] as const
export type SqlOutputFormat = (typeof SQL_OUTPUT_FORMATS)[number]

/** Renders rows as an aligned text table (what an analyst reads in a terminal). */
export function renderTable(columns: string[], rows: unknown[][]): string {
  const cell = (v: unknown) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const text = rows.map((r) => r.map(cell))
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ')
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─')
  return [line(columns), rule, ...text.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`, ''].join('\n')
}

export async function sqlCommand(ctx: Context, query: string, opts: { format: string }): Promise<void> {
  const format = opts.format as SqlOutputFormat
  if (!SQL_OUTPUT_FORMATS.includes(format)) {
    throw new ConfigError(`--format must be one of ${SQL_OUTPUT_FORMATS.join(', ')} (got "${opts.format}")`)
  }
  let ch: ClickHouse
  try {
    ch = await openClickHouse(ctx.config.clickhouse, { command: 'nhip sql' })
  } catch (err) {
    // The embedded engine is held by a running `nhip start`: ask it to run the query.
    const service = err instanceof DataPathLockedError ? readServiceFile(ctx.config.dataDir) : undefined
    if (!service) throw err
    if (format === 'table') {
      const text = await queryThroughService(service, query, 'JSONCompactEachRowWithNames')
      const [columns = [], ...rows] = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown[])
      process.stdout.write(renderTable(columns.map(String), rows))
    } else {
      const chFormat = format === 'csv' ? 'CSVWithNames' : format === 'tsv' ? 'TabSeparatedWithNames' : 'JSONEachRow'
      process.stdout.write(await queryThroughService(service, query, chFormat))
    }
    return
  }
  try {
    if (format === 'table') {
      const rs = await ch.client.query({ query, format: 'JSONCompactEachRowWithNames' })
      const [columns = [], ...rows] = await rs.json<unknown[]>()
      process.stdout.write(renderTable(columns.map(String), rows))
    } else {
      const ch_format = format === 'csv' ? 'CSVWithNames' : format === 'tsv' ? 'TabSeparatedWithNames' : 'JSONEachRow'
      const rs = await ch.client.query({ query, format: ch_format })
      process.stdout.write(await rs.text())
    }
  } finally {
    await ch.close()
  }
}
