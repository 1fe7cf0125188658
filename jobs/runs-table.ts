// The `job_runs` table: one row version per state change of an attempt (running → succeeded | failed).
import { z } from 'zod'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { AppError } from '../infra/errors.ts'
import type { KeyFigures } from './job.ts'

export type RunStatus = 'running' | 'succeeded' | 'failed'

export interface RunRecord {
  job: string
  run_id: string
  scheduled_for: Date
  trigger: 'schedule' | 'catch-up' | 'manual'
  attempt: number
  instance: string
  started_at: Date
  ended_at: Date | null
  status: RunStatus
  error: string
  key_figures: KeyFigures
}

/** DateTime64 text in UTC with microseconds. */
export function chTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '')
}

// A run's rows share updated_at's millisecond often enough (start and a quick failure): a per-process
// counter in the microseconds keeps every later version strictly newer.
let seq = 0

/** Writes the current state of an attempt (a newer version of its row). */
export async function recordRun(ch: ClickHouse, r: RunRecord): Promise<void> {
  seq = (seq + 1) % 1000
  await ch.client.insert({
    table: `${ch.database}.job_runs`,
    format: 'JSONEachRow',
    values: [
      {
        job: r.job,
        run_id: r.run_id,
        scheduled_for: chTime(r.scheduled_for),
        trigger: r.trigger,
        attempt: r.attempt,
        instance: r.instance,
        started_at: chTime(r.started_at),
        ended_at: r.ended_at ? chTime(r.ended_at) : null,
        status: r.status,
        error: r.error.slice(0, 4000),
        key_figures: Object.fromEntries(Object.entries(r.key_figures).filter(([, v]) => Number.isFinite(v))),
        updated_at: `${chTime(new Date())}${String(seq).padStart(3, '0')}`,
      },
    ],
  })
}

const ms = z.coerce.number().transform((n) => new Date(n))
const RunRow = z.object({
  job: z.string(),
  run_id: z.string(),
  scheduled_for: ms,
  trigger: z.enum(['schedule', 'catch-up', 'manual']),
  attempt: z.coerce.number(),
  instance: z.string(),
  started_at: ms,
  ended_at: z.union([z.null(), ms]),
  status: z.enum(['running', 'succeeded', 'failed']),
  error: z.string(),
  key_figures: z.record(z.string(), z.coerce.number()),
})

/**
 * The current state of each attempt (latest version by updated_at) matching `where` (on raw columns).
 * Inner aliases differ from column names: in ClickHouse an alias would shadow the column in WHERE.
 */
const CURRENT = (db: string, where: string) => `
  SELECT job, toString(run_id) AS run_id, toUnixTimestamp64Milli(c_sched) AS scheduled_for, c_trigger AS trigger,
         c_attempt AS attempt, c_instance AS instance, toUnixTimestamp64Milli(c_started) AS started_at,
         if(isNull(c_ended), NULL, toUnixTimestamp64Milli(assumeNotNull(c_ended))) AS ended_at,
         c_status AS status, c_error AS error, c_figures AS key_figures
  FROM (
    SELECT job, run_id, argMax(scheduled_for, updated_at) AS c_sched, argMax(trigger, updated_at) AS c_trigger,
           argMax(attempt, updated_at) AS c_attempt, argMax(instance, updated_at) AS c_instance,
           argMax(started_at, updated_at) AS c_started, argMax(ended_at, updated_at) AS c_ended,
           argMax(status, updated_at) AS c_status, argMax(error, updated_at) AS c_error,
           argMax(key_figures, updated_at) AS c_figures
    FROM ${db}.job_runs
    WHERE ${where}
    GROUP BY job, run_id
  )`

const HistoryOptions = z.object({
  job: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a job name: lower-case letters, digits and dashes')
    .optional(),
  limit: z.number().int().min(1).max(10_000).default(50),
})

/**
 * The run-history query with its (checked) values written in, for a channel without query parameters:
 * `nhip jobs history` through the running service's /admin/sql.
 * @example queryThroughService(service, runHistorySql('nhip', { job: 'daily-report', limit: 30 }), 'JSONEachRow')
 */
export function runHistorySql(db: string, opts: { job?: string; limit?: number } = {}): string {
  const parsed = HistoryOptions.safeParse(opts)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AppError('USAGE', `run history: ${issue?.path.join('.') || 'options'}: ${issue?.message}`)
  }
  const o = parsed.data
  return `SELECT * FROM (${CURRENT(db, o.job ? `job = '${o.job}'` : '1')}) ORDER BY started_at DESC, attempt DESC LIMIT ${o.limit}`
}

/** Run records from JSONEachRow text of {@link runHistorySql}. */
export function parseRunHistory(jsonLines: string): RunRecord[] {
  const rows = jsonLines
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown)
  return z.array(RunRow).parse(rows) as RunRecord[]
}

/** Latest runs, newest first (all jobs, or one). */
export async function queryRunHistory(
  ch: ClickHouse,
  opts: { job?: string; limit?: number } = {},
): Promise<RunRecord[]> {
  const rs = await ch.client.query({ query: runHistorySql(ch.database, opts), format: 'JSONEachRow' })
  return z.array(RunRow).parse(await rs.json()) as RunRecord[]
}

/** The newest scheduled_for of a job that has a succeeded attempt. */
export async function lastSucceeded(ch: ClickHouse, job: string): Promise<Date | undefined> {
  const rs = await ch.client.query({
    query: `SELECT max(scheduled_for) AS at, count() AS n
            FROM (${CURRENT(ch.database, 'job = {job:String}')}) WHERE status = 'succeeded'`,
    query_params: { job },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ at: string | number; n: string | number }>()
  return row && Number(row.n) > 0 ? new Date(Number(row.at)) : undefined
}

/** True when (job, scheduled_for) already has a succeeded attempt. */
export async function runSucceeded(ch: ClickHouse, job: string, scheduledFor: Date): Promise<boolean> {
  const rs = await ch.client.query({
    query: `SELECT count() AS n FROM (${CURRENT(
      ch.database,
      "job = {job:String} AND scheduled_for = {at:DateTime64(3, 'UTC')}",
    )}) WHERE status = 'succeeded'`,
    query_params: { job, at: chTime(scheduledFor) },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ n: string | number }>()
  return Number(row?.n ?? 0) > 0
}

/** Run ids of succeeded attempts: outputs carrying other run ids are not shown. */
export function succeededRunIdsSql(db: string): string {
  return `SELECT run_id FROM ${db}.job_runs GROUP BY run_id HAVING argMax(status, updated_at) = 'succeeded'`
}
