// `nhip jobs list | run NAME [--date D] [--out DIR] | history`: the scheduler's jobs from the command line.
// Runs are recorded and leased exactly as scheduled runs are, so a CLI run and the service never overlap.
import path from 'node:path'
import { queryThroughService, readServiceFile, type ServiceFile } from '../../infra/admin-sql.ts'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { AppError, DataPathLockedError } from '../../infra/errors.ts'
import { runJobThroughService } from '../../jobs/admin-route.ts'
import {
  createJobScheduler,
  type EmailSettings,
  parseRunHistory,
  queryRunHistory,
  type RunOutcome,
  type RunRecord,
  runHistorySql,
} from '../../jobs/index.ts'
import { isDay } from '../../jobs/vietnam-time.ts'
import { type Context, openMigrated } from '../context.ts'
import { renderTable } from './sql.ts'

/** Job options from the parsed config (report e-mails when NHIP_SMTP_URL is set). */
export function jobOptionsFromConfig(config: Context['config']): Record<string, unknown> {
  if (!config.email) return {}
  const email: EmailSettings = { ...config.email }
  return { email }
}

const vnTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'short',
  timeStyle: 'short',
  timeZone: 'Asia/Ho_Chi_Minh',
})
const fmt = (d: Date | null | undefined) => (d ? `${vnTime.format(d)} VN` : '')

/**
 * Run history from the engine, or — when a running `nhip start` holds the embedded engine — through that
 * service's /admin/sql (loopback, token file), as `nhip sql` does.
 */
async function runHistory(
  ctx: Context,
  command: string,
  opts: { job?: string; limit: number },
): Promise<{ runs: RunRecord[]; ch?: ClickHouse }> {
  let ch: ClickHouse
  try {
    ch = await openMigrated(ctx, command)
  } catch (err) {
    const service: ServiceFile | undefined =
      err instanceof DataPathLockedError ? readServiceFile(ctx.config.dataDir) : undefined
    if (!service) throw err
    const text = await queryThroughService(
      service,
      runHistorySql(ctx.config.clickhouse.database, opts),
      'JSONEachRow',
    )
    return { runs: parseRunHistory(text) }
  }
  try {
    return { runs: await queryRunHistory(ch, opts) }
  } finally {
    await ch.close()
  }
}

export async function jobsListCommand(ctx: Context): Promise<void> {
  const { runs: history } = await runHistory(ctx, 'nhip jobs list', { limit: 500 })
  // The job list is the built-in registry: no engine needed (the scheduler is never started here).
  const scheduler = createJobScheduler({
    ch: undefined as unknown as ClickHouse,
    log: ctx.log,
    dataDir: ctx.config.dataDir,
  })
  const rows = scheduler.jobs().map((j) => {
    const last = history.find((r) => r.job === j.name)
    return [
      j.name,
      j.schedule,
      fmt(j.next),
      last ? `${last.status} (${fmt(last.started_at)})` : 'never run',
      j.description,
    ]
  })
  process.stdout.write(
    renderTable(['job', 'schedule (Vietnam time)', 'next run', 'last run', 'what it does'], rows),
  )
}

export async function jobsRunCommand(
  ctx: Context,
  name: string,
  opts: { date?: string; out?: string; retries?: string },
): Promise<void> {
  if (opts.date !== undefined && !isDay(opts.date))
    throw new AppError('USAGE', `--date must be a day as YYYY-MM-DD (got "${opts.date}")`)
  const attempts = opts.retries === undefined ? 1 : Number(opts.retries) + 1
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)
    throw new AppError('USAGE', '--retries must be 0–9')
  const jobOptions = jobOptionsFromConfig(ctx.config)
  const started = Date.now()
  let ch: ClickHouse
  try {
    ch = await openMigrated(ctx, `nhip jobs run ${name}`)
  } catch (err) {
    // The embedded engine is held by a running `nhip start`: the job runs inside that service instead.
    const service = err instanceof DataPathLockedError ? readServiceFile(ctx.config.dataDir) : undefined
    if (!service) throw err
    process.stderr.write(
      `[${name}] the service (pid ${service.pid}) holds the data; running the job there…\n`,
    )
    const outcome = await runJobThroughService(
      service,
      {
        job: name,
        ...(opts.date ? { day: opts.date } : {}),
        ...(opts.out ? { out: path.resolve(opts.out) } : {}),
        attempts,
      },
      (message) => process.stderr.write(`[${name}] ${message}\n`),
    )
    reportOutcome(name, outcome, started)
    return
  }
  try {
    const scheduler = createJobScheduler({
      ch,
      log: ctx.log,
      dataDir: ctx.config.dataDir,
      jobOptions,
      retry: { attempts, backoffMs: 5_000 },
      onProgress: (job, message) => process.stderr.write(`[${job}] ${message}\n`),
    })
    process.stderr.write(`[${name}] running${opts.date ? ` for ${opts.date}` : ''}…\n`)
    const outcome = await scheduler.runJob(name, {
      ...(opts.date ? { day: opts.date } : {}),
      trigger: 'manual',
      options: opts.out ? { outDir: opts.out } : {},
    })
    reportOutcome(name, outcome, started)
  } finally {
    await ch.close()
  }
}

/** Prints a run's outcome; a failed run becomes a non-zero exit. */
function reportOutcome(name: string, outcome: RunOutcome, started: number): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (outcome.status === 'failed') {
    throw new AppError(
      'JOB_FAILED',
      `job ${name} failed after ${outcome.attempts} attempt(s) (run ${outcome.runId}): ${outcome.error}`,
    )
  }
  if (outcome.status === 'skipped') {
    process.stdout.write(`Job ${name} for ${outcome.day} skipped: ${outcome.reason}\n`)
    return
  }
  const figures = Object.entries(outcome.keyFigures ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  process.stdout.write(
    `Job ${name} for ${outcome.day} succeeded in ${seconds} s (run ${outcome.runId}): ${figures}\n`,
  )
}

export async function jobsHistoryCommand(
  ctx: Context,
  opts: { job?: string; limit?: string },
): Promise<void> {
  const limit = Number(opts.limit ?? 30)
  if (!Number.isInteger(limit) || limit < 1) throw new AppError('USAGE', '--limit must be a positive integer')
  const { runs } = await runHistory(ctx, 'nhip jobs history', {
    ...(opts.job ? { job: opts.job } : {}),
    limit,
  })
  process.stdout.write(
    renderTable(
      ['job', 'scheduled for', 'trigger', 'attempt', 'status', 'started', 'seconds', 'key figures / error'],
      runs.map((r) => [
        r.job,
        fmt(r.scheduled_for),
        r.trigger,
        r.attempt,
        r.status,
        fmt(r.started_at),
        r.ended_at ? ((r.ended_at.getTime() - r.started_at.getTime()) / 1000).toFixed(1) : '',
        r.status === 'failed'
          ? r.error.slice(0, 120)
          : Object.entries(r.key_figures)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
      ]),
    ),
  )
}
