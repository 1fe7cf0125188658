// What a job is, and the open registry every job module adds itself to (reports, housekeeping, and the
// recommendation and forecast jobs written elsewhere): `registry.registerJob({ name, schedule, run })`.
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { AppError } from '../infra/errors.ts'
import type { Logger } from '../infra/logger.ts'
import { cronSchedule } from './cron-schedule.ts'

/** Numbers a run reports about itself (rows written, reports rendered, …); stored in job_runs.key_figures. */
export type KeyFigures = Record<string, number>

/** Everything a run gets: IO is passed in, never reached for. */
export interface JobContext {
  ch: ClickHouse
  log: Logger
  /** Root of the service's data (reports go to `<dataDir>/reports`). */
  dataDir: string
  job: string
  /** One per attempt; outputs written to tables carry it and are shown only when the run succeeded. */
  runId: string
  attempt: number
  /** The schedule instant this run is for. */
  scheduledFor: Date
  /**
   * The Vietnam day the run is about: the day before `scheduledFor`'s Vietnam day
   * (the 06:00 daily report of 2 March is about 1 March).
   */
  day: string
  trigger: 'schedule' | 'catch-up' | 'manual'
  /** Aborted when the lease is lost or the scheduler stops: long jobs should check it between steps. */
  signal: AbortSignal
  /** Progress of long work (stderr for the CLI, debug logs in the service). */
  progress(message: string, fields?: Record<string, unknown>): void
  /** Free-form options from the caller (`--out DIR` arrives as `outDir`). */
  options: Readonly<Record<string, unknown>>
  now(): Date
}

export interface RetryPolicy {
  /** Total attempts, first included. */
  attempts: number
  /** Wait before the second attempt; doubled for each further one. */
  backoffMs: number
  maxBackoffMs?: number
}

export interface JobDefinition {
  name: string
  /** 5-field cron expression in Vietnam time; the scheduler's config may override it. */
  schedule: string
  description?: string
  run(ctx: JobContext): Promise<KeyFigures>
  retry?: RetryPolicy
  /** How many missed runs to catch up at start (newest first kept); 0 disables catch-up. Default 3. */
  catchUp?: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 30_000, maxBackoffMs: 600_000 }

export class JobError extends AppError {
  constructor(message: string, opts: { retry?: boolean; cause?: unknown } = {}) {
    super('JOB', message, opts)
  }
}

export interface JobRegistry {
  /** Adds a job; names are unique and schedules are checked now, not at 06:00. */
  registerJob(def: JobDefinition): void
  get(name: string): JobDefinition | undefined
  list(): JobDefinition[]
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/

/**
 * @example const registry = createJobRegistry()
 *          registry.registerJob({ name: 'forecast', schedule: '15 4 * * *', run: async (ctx) => ({ series: 12 }) })
 */
export function createJobRegistry(): JobRegistry {
  const jobs = new Map<string, JobDefinition>()
  return {
    registerJob(def) {
      if (!NAME.test(def.name))
        throw new JobError(`job name "${def.name}" must be lower-case letters, digits and dashes`)
      if (jobs.has(def.name)) throw new JobError(`job ${def.name} is already registered`)
      cronSchedule(def.schedule)
      if (def.retry && (def.retry.attempts < 1 || def.retry.backoffMs < 0))
        throw new JobError(`job ${def.name}: bad retry policy`)
      jobs.set(def.name, def)
    },
    get: (name) => jobs.get(name),
    list: () => [...jobs.values()],
  }
}
