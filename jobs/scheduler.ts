// The job scheduler: node-cron fires registered jobs in Vietnam time; every attempt is recorded in
// job_runs; a ClickHouse lease keeps each job to one run at a time across instances; failures are retried
// with back-off and never stop the scheduler; runs missed while the service was down are caught up at start.
import { randomBytes, randomUUID } from 'node:crypto'
import os from 'node:os'
import { schedule as cronSchedule_, type ScheduledTask } from 'node-cron'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { AppError, errorMessage } from '../infra/errors.ts'
import type { Logger } from '../infra/logger.ts'
import { type CronSchedule, cronSchedule } from './cron-schedule.ts'
import {
  DEFAULT_RETRY,
  type JobContext,
  type JobDefinition,
  JobError,
  type JobRegistry,
  type KeyFigures,
  type RetryPolicy,
} from './job.ts'
import { acquireLease, type Lease } from './lease.ts'
import { lastSucceeded, recordRun, runSucceeded } from './runs-table.ts'
import { addDays, VIETNAM_TZ, vietnamDay, vietnamMidnight } from './vietnam-time.ts'

export interface SchedulerOptions {
  ch: ClickHouse
  log: Logger
  dataDir: string
  registry: JobRegistry
  /** Cron overrides by job name (Vietnam time), e.g. `{ 'daily-report': '30 5 * * *' }`. */
  schedules?: Record<string, string>
  /** Identifies this process in job_runs and job_leases. */
  instance?: string
  now?: () => Date
  lease?: { ttlMs?: number; settleMs?: number; renewEveryMs?: number; waitMs?: number; pollMs?: number }
  /** Overrides each job's retry policy (tests use tiny back-offs). */
  retry?: { attempts?: number; backoffMs?: number; maxBackoffMs?: number }
  /** Options every run receives in `ctx.options` (e-mail settings, base URL, …). */
  jobOptions?: Record<string, unknown>
  onProgress?: (job: string, message: string, fields?: Record<string, unknown>) => void
}

export interface RunRequest {
  scheduledFor?: Date
  /** Alternative to scheduledFor: the Vietnam day the run is about (`--date`). */
  day?: string
  trigger?: JobContext['trigger']
  options?: Record<string, unknown>
  /** Progress of this run only (e.g. streamed to the `nhip jobs run` that asked the service for it). */
  onProgress?: (message: string, fields?: Record<string, unknown>) => void
  /** Overrides the retry policy for this run (a manual run from the CLI usually wants one attempt). */
  retry?: Partial<RetryPolicy>
}

export interface RunOutcome {
  job: string
  scheduledFor: Date
  day: string
  status: 'succeeded' | 'failed' | 'skipped'
  reason?: string
  attempts: number
  runId?: string
  keyFigures?: KeyFigures
  error?: string
}

export interface JobInfo {
  name: string
  schedule: string
  description: string
  next: Date | undefined
}

export interface Scheduler {
  readonly instance: string
  /** Schedules every registered job and starts catching up missed runs in the background. */
  start(): Promise<void>
  /** Runs the missed runs of every job (oldest first per job); resolves when done. */
  catchUp(): Promise<RunOutcome[]>
  /** Runs one job now (CLI, tests, cron). Never throws for a job failure: the outcome says it. */
  runJob(name: string, req?: RunRequest): Promise<RunOutcome>
  jobs(): JobInfo[]
  /** Stops firing, aborts running attempts (recorded as failed, caught up at next start) and waits for them. */
  stop(): Promise<void>
}

/** The lease was lost while running (expired or taken over): the attempt stops. */
export class LeaseLostError extends AppError {
  constructor(job: string) {
    super('LEASE_LOST', `job ${job}: lease lost while running`, { retry: false })
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** The Vietnam day a run at `scheduledFor` is about: the day before. */
export function runDay(scheduledFor: Date): string {
  return addDays(vietnamDay(scheduledFor), -1)
}

/**
 * The schedule instant a run about `day` belongs to: the first fire on the next Vietnam day, or that
 * day's midnight when the schedule does not fire then (so manual runs and cron runs share lease and record).
 */
export function scheduledForDay(schedule: CronSchedule, day: string): Date {
  const next = addDays(day, 1)
  return (
    schedule.firstFireIn(vietnamMidnight(next), vietnamMidnight(addDays(next, 1))) ?? vietnamMidnight(next)
  )
}

/**
 * @example const scheduler = createScheduler({ ch, log, dataDir, registry })
 *          await scheduler.start()   // … later: await scheduler.stop()
 */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { ch, registry } = opts
  const log = opts.log.child({ component: 'scheduler' })
  const now = opts.now ?? (() => new Date())
  const instance = opts.instance ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const ttlMs = opts.lease?.ttlMs ?? 60_000
  const settleMs = opts.lease?.settleMs ?? 500
  const renewEveryMs = opts.lease?.renewEveryMs ?? Math.floor(ttlMs / 3)
  const waitMs = opts.lease?.waitMs ?? 30 * 60_000
  const pollMs = opts.lease?.pollMs ?? 15_000
  const tasks: ScheduledTask[] = []
  /** Per-job promise chain: one run of a job at a time inside this process. */
  const chains = new Map<string, Promise<unknown>>()
  const running = new Map<string, AbortController>()
  const stopping = new AbortController()
  let catchUpDone: Promise<unknown> = Promise.resolve()

  function scheduleOf(def: JobDefinition): CronSchedule {
    return cronSchedule(opts.schedules?.[def.name] ?? def.schedule)
  }

  function definition(name: string): JobDefinition {
    const def = registry.get(name)
    if (!def) {
      const known = registry
        .list()
        .map((j) => j.name)
        .join(', ')
      throw new JobError(`unknown job "${name}" (known: ${known || 'none'})`)
    }
    return def
  }

  /** Takes the job's lease; waits while another run of the job (another day) holds it. */
  async function takeLease(
    def: JobDefinition,
    scheduledFor: Date,
    signal: AbortSignal,
  ): Promise<Lease | { skip: string }> {
    const deadline = Date.now() + waitMs
    for (;;) {
      const r = await acquireLease(ch, { key: def.name, holder: instance, scheduledFor, ttlMs, settleMs })
      if (r.acquired) return r.lease
      const cur = r.current
      if (cur && cur.scheduledFor.getTime() === scheduledFor.getTime()) {
        return { skip: `already running on ${cur.holder}` }
      }
      if (Date.now() >= deadline || signal.aborted) {
        return { skip: `lease held by ${cur?.holder ?? 'another contender'} for ${waitMs} ms` }
      }
      log.info({ job: def.name, holder: cur?.holder }, 'job busy elsewhere; waiting for its lease')
      await abortableSleep(pollMs, signal)
    }
  }

  async function execute(def: JobDefinition, req: RunRequest): Promise<RunOutcome> {
    const sched = scheduleOf(def)
    const scheduledFor = req.scheduledFor ?? scheduledForDay(sched, req.day ?? addDays(vietnamDay(now()), -1))
    const day = req.day ?? runDay(scheduledFor)
    const trigger = req.trigger ?? 'manual'
    const base = { job: def.name, scheduledFor, day }
    if (stopping.signal.aborted)
      return { ...base, status: 'skipped', reason: 'scheduler stopping', attempts: 0 }

    const controller = new AbortController()
    const onStop = () => controller.abort(new JobError('aborted: the service is stopping', { retry: false }))
    stopping.signal.addEventListener('abort', onStop, { once: true })
    running.set(def.name, controller)
    try {
      const lease = await takeLease(def, scheduledFor, controller.signal)
      if ('skip' in lease) {
        log.info({ job: def.name, scheduled_for: scheduledFor, reason: lease.skip }, 'job run skipped')
        return { ...base, status: 'skipped', reason: lease.skip, attempts: 0 }
      }
      const renewTimer = setInterval(() => {
        lease.renew().then(
          (ok) => {
            if (!ok) controller.abort(new LeaseLostError(def.name))
          },
          (err: unknown) =>
            log.warn({ job: def.name, err: errorMessage(err) }, 'lease renewal failed; will retry'),
        )
      }, renewEveryMs)
      renewTimer.unref()
      try {
        // Checked under the lease: a run another instance finished a moment ago is not repeated.
        if (trigger !== 'manual' && (await runSucceeded(ch, def.name, scheduledFor))) {
          return { ...base, status: 'skipped', reason: 'already succeeded', attempts: 0 }
        }
        return await attempts(
          def,
          {
            scheduledFor,
            day,
            trigger,
            options: req.options ?? {},
            ...(req.onProgress ? { onProgress: req.onProgress } : {}),
            ...(req.retry ? { retry: req.retry } : {}),
          },
          controller.signal,
        )
      } finally {
        clearInterval(renewTimer)
        await lease
          .release()
          .catch((err: unknown) =>
            log.warn({ job: def.name, err: errorMessage(err) }, 'lease release failed; it will expire'),
          )
      }
    } finally {
      stopping.signal.removeEventListener('abort', onStop)
      running.delete(def.name)
    }
  }

  async function attempts(
    def: JobDefinition,
    run: {
      scheduledFor: Date
      day: string
      trigger: JobContext['trigger']
      options: Record<string, unknown>
      onProgress?: RunRequest['onProgress']
      retry?: RunRequest['retry']
    },
    signal: AbortSignal,
  ): Promise<RunOutcome> {
    const policy = { ...DEFAULT_RETRY, ...def.retry, ...opts.retry, ...run.retry }
    let lastError = ''
    let runId = ''
    let made = 0
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      runId = randomUUID()
      made = attempt
      const started = now()
      const record = {
        job: def.name,
        run_id: runId,
        scheduled_for: run.scheduledFor,
        trigger: run.trigger,
        attempt,
        instance,
        started_at: started,
      }
      await recordRun(ch, { ...record, ended_at: null, status: 'running', error: '', key_figures: {} })
      const t0 = performance.now()
      const jlog = log.child({ job: def.name, run_id: runId, attempt })
      jlog.info({ scheduled_for: run.scheduledFor, day: run.day, trigger: run.trigger }, 'job started')
      try {
        if (signal.aborted) throw signal.reason
        const ctx: JobContext = {
          ch,
          log: jlog,
          dataDir: opts.dataDir,
          job: def.name,
          runId,
          attempt,
          scheduledFor: run.scheduledFor,
          day: run.day,
          trigger: run.trigger,
          signal,
          options: { ...opts.jobOptions, ...run.options },
          now,
          progress: (message, fields) => {
            run.onProgress?.(message, fields)
            if (opts.onProgress) opts.onProgress(def.name, message, fields)
            else jlog.debug(fields ?? {}, message)
          },
        }
        const figures = await def.run(ctx)
        if (signal.aborted) throw signal.reason
        const keyFigures = { ...figures, duration_ms: Math.round(performance.now() - t0) }
        await recordRun(ch, {
          ...record,
          ended_at: now(),
          status: 'succeeded',
          error: '',
          key_figures: keyFigures,
        })
        jlog.info({ key_figures: keyFigures }, 'job succeeded')
        return {
          job: def.name,
          scheduledFor: run.scheduledFor,
          day: run.day,
          status: 'succeeded',
          attempts: attempt,
          runId,
          keyFigures,
        }
      } catch (err) {
        lastError = errorMessage(err)
        const figures = { duration_ms: Math.round(performance.now() - t0) }
        await recordRun(ch, {
          ...record,
          ended_at: now(),
          status: 'failed',
          error: lastError,
          key_figures: figures,
        }).catch((e: unknown) => jlog.error({ err: errorMessage(e) }, 'could not record the failed attempt'))
        const retryable = !(err instanceof AppError && !err.retry) && !signal.aborted
        jlog.error(
          { err: lastError, retryable, attempts_left: policy.attempts - attempt },
          'job attempt failed',
        )
        if (!retryable || attempt === policy.attempts) break
        const wait = Math.min(
          policy.backoffMs * 2 ** (attempt - 1),
          policy.maxBackoffMs ?? Number.POSITIVE_INFINITY,
        )
        await abortableSleep(wait, signal)
      }
    }
    return {
      job: def.name,
      scheduledFor: run.scheduledFor,
      day: run.day,
      status: 'failed',
      attempts: made,
      runId,
      error: lastError,
    }
  }

  function runJob(name: string, req: RunRequest = {}): Promise<RunOutcome> {
    const def = definition(name)
    const prev = chains.get(name) ?? Promise.resolve()
    const next = prev.then(() => execute(def, req))
    chains.set(
      name,
      next.catch(() => undefined),
    )
    return next
  }

  async function catchUp(): Promise<RunOutcome[]> {
    const outcomes: RunOutcome[] = []
    const at = now()
    for (const def of registry.list()) {
      const limit = def.catchUp ?? 3
      if (limit <= 0) continue
      try {
        const sched = scheduleOf(def)
        const last = await lastSucceeded(ch, def.name)
        const missed = last
          ? sched.firesBetween(last, at, limit)
          : [sched.lastFireAtOrBefore(at)].filter((d): d is Date => d !== undefined)
        if (missed.length)
          log.info(
            { job: def.name, missed: missed.length, last_success: last ?? null },
            'catching up missed runs',
          )
        for (const scheduledFor of missed) {
          if (stopping.signal.aborted) break
          outcomes.push(await runJob(def.name, { scheduledFor, trigger: 'catch-up' }))
        }
      } catch (err) {
        log.error({ job: def.name, err: errorMessage(err) }, 'catch-up failed for this job; the others go on')
      }
    }
    return outcomes
  }

  return {
    instance,
    async start() {
      for (const def of registry.list()) {
        const expr = scheduleOf(def).expression
        const task = cronSchedule_(
          expr,
          async (tc) => {
            const scheduledFor = new Date(Math.floor(tc.date.getTime() / 60_000) * 60_000)
            try {
              const o = await runJob(def.name, { scheduledFor, trigger: 'schedule' })
              if (o.status === 'failed')
                log.error({ job: def.name, error: o.error }, 'scheduled run failed after all attempts')
            } catch (err) {
              log.error({ job: def.name, err: errorMessage(err) }, 'scheduled run could not start')
            }
          },
          { timezone: VIETNAM_TZ, name: `nhip:${def.name}:${instance}`, noOverlap: false },
        )
        tasks.push(task)
      }
      log.info(
        { instance, jobs: registry.list().map((j) => `${j.name} (${scheduleOf(j).expression})`) },
        'scheduler started',
      )
      catchUpDone = catchUp().catch((err: unknown) =>
        log.error({ err: errorMessage(err) }, 'catch-up failed'),
      )
    },
    catchUp,
    runJob,
    jobs() {
      return registry.list().map((def) => {
        const sched = scheduleOf(def)
        const from = now()
        const next = sched.firesBetween(from, new Date(from.getTime() + 32 * 86_400_000))[0]
        return { name: def.name, schedule: sched.expression, description: def.description ?? '', next }
      })
    },
    async stop() {
      for (const t of tasks.splice(0)) await t.destroy()
      stopping.abort()
      await Promise.allSettled([catchUpDone, ...chains.values()])
      log.info({ instance }, 'scheduler stopped')
    },
  }
}
