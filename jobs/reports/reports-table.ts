// The `reports` table: which report files exist, for whom, written by which run. Readers only see rows of
// runs that succeeded, so a run killed half-way leaves nothing listed.
import { z } from 'zod'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { chTime, succeededRunIdsSql } from '../runs-table.ts'
import type { Lang, ReportKind } from './i18n.ts'

export interface ReportRecord {
  agency_id: string
  site_id: string
  kind: ReportKind
  period_start: string
  period_end: string
  lang: Lang
  path: string
  bytes: number
  sha256: string
  has_data: boolean
  headline: Record<string, number>
  job: string
  run_id: string
  created_at: Date
}

export async function insertReports(ch: ClickHouse, rows: ReportRecord[]): Promise<void> {
  if (!rows.length) return
  await ch.client.insert({
    table: `${ch.database}.reports`,
    format: 'JSONEachRow',
    values: rows.map((r) => ({ ...r, has_data: r.has_data ? 1 : 0, created_at: chTime(r.created_at) })),
  })
}

const Row = z.object({
  agency_id: z.string(),
  site_id: z.string(),
  kind: z.enum(['daily', 'weekly']),
  period_start: z.string(),
  period_end: z.string(),
  lang: z.enum(['vi', 'en']),
  path: z.string(),
  bytes: z.coerce.number(),
  sha256: z.string(),
  has_data: z.coerce.number().transform((n) => n === 1),
  headline: z.record(z.string(), z.coerce.number()),
  job: z.string(),
  run_id: z.string(),
  created_ms: z.coerce.number(),
})

export type ListedReport = Omit<ReportRecord, 'created_at'> & { created_at: Date }

/**
 * The latest report of each (kind, period, language, site) of an agency, from succeeded runs only, newest first.
 * @example await listReports(ch, { agency: 'lamdong' })
 */
export async function listReports(
  ch: ClickHouse,
  opts: { agency: string; kind?: ReportKind; periodEnd?: string; lang?: Lang; limit?: number },
): Promise<ListedReport[]> {
  const rs = await ch.client.query({
    query: `SELECT agency_id, site_id, kind, toString(period_start) AS period_start, toString(period_end) AS period_end, lang,
                   path, bytes, toString(sha256) AS sha256, has_data, headline, job, toString(run_id) AS run_id,
                   toUnixTimestamp64Milli(created_at) AS created_ms
            FROM ${ch.database}.reports
            WHERE agency_id = {agency:String}
              AND ({kind:String} = '' OR kind = {kind:String})
              AND ({end:String} = '' OR toString(period_end) = {end:String})
              AND ({lang:String} = '' OR lang = {lang:String})
              AND run_id IN (${succeededRunIdsSql(ch.database)})
            ORDER BY created_at DESC
            LIMIT 1 BY kind, period_end, lang, site_id
            LIMIT {limit:UInt32}`,
    query_params: {
      agency: opts.agency,
      kind: opts.kind ?? '',
      end: opts.periodEnd ?? '',
      lang: opts.lang ?? '',
      limit: opts.limit ?? 200,
    },
    format: 'JSONEachRow',
  })
  return z
    .array(Row)
    .parse(await rs.json())
    .map(({ created_ms, ...r }) => ({ ...r, created_at: new Date(created_ms) }))
    .sort(
      (a, b) =>
        b.period_end.localeCompare(a.period_end) ||
        a.kind.localeCompare(b.kind) ||
        a.lang.localeCompare(b.lang),
    )
}
