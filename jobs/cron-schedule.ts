// Cron expressions evaluated in Vietnam time with node-cron's own matcher, so the instants the scheduler
// catches up are exactly the ones node-cron would have fired. Candidates come from the parsed minute and
// hour lists (fast); node-cron's `match` decides day-of-month, month and weekday (including `L`).
import { createTask, parse, validate, type ScheduledTask } from 'node-cron'
import { AppError } from '../infra/errors.ts'
import { addDays, VIETNAM_TZ, vietnamDay, vietnamMidnight } from './vietnam-time.ts'

export class ScheduleError extends AppError {
  constructor(message: string) {
    super('SCHEDULE', message)
  }
}

/** Catch-up and look-ups never reach further back than this. */
export const MAX_LOOKBACK_DAYS = 35

export interface CronSchedule {
  readonly expression: string
  /** True when the schedule fires at this instant's minute. */
  matches(at: Date): boolean
  /** Fire instants in `(after, until]`, oldest first; only the newest `limit` when given. */
  firesBetween(after: Date, until: Date, limit?: number): Date[]
  /** The first fire instant in `[from, before)`, if any. */
  firstFireIn(from: Date, before: Date): Date | undefined
  /** The last fire instant at or before `until` (looking back at most 35 days). */
  lastFireAtOrBefore(until: Date): Date | undefined
}

const matchers = new Map<string, ScheduledTask>()

function matcherFor(expr: string): ScheduledTask {
  let task = matchers.get(expr)
  if (!task) {
    // Never started: only its matcher is used.
    task = createTask(expr, () => undefined, { timezone: VIETNAM_TZ })
    matchers.set(expr, task)
  }
  return task
}

/**
 * Parses a 5-field cron expression (minute hour day-of-month month day-of-week) for Asia/Ho_Chi_Minh.
 * Seconds fields are refused: a run is identified by its minute.
 * @example cronSchedule('0 6 * * *').lastFireAtOrBefore(new Date())
 */
export function cronSchedule(expression: string): CronSchedule {
  const expr = expression.trim().replace(/\s+/g, ' ')
  if (expr.split(' ').length !== 5 || !validate(expr)) {
    throw new ScheduleError(
      `invalid schedule "${expression}": expected 5 cron fields (minute hour day month weekday)`,
    )
  }
  const fields = parse(expr)
  const task = matcherFor(expr)
  const minutes = [...fields.minute].sort((a, b) => a - b)
  const hours = [...fields.hour].sort((a, b) => a - b)
  const floorMinute = (ms: number) => Math.floor(ms / 60_000) * 60_000

  /** Candidate instants of one Vietnam day, in order, that node-cron matches. */
  function firesOn(day: string): Date[] {
    const base = vietnamMidnight(day).getTime()
    const out: Date[] = []
    for (const h of hours) {
      for (const m of minutes) {
        const d = new Date(base + h * 3_600_000 + m * 60_000)
        if (task.match(d)) out.push(d)
      }
    }
    return out
  }

  function between(afterMs: number, untilMs: number): Date[] {
    const floor = untilMs - MAX_LOOKBACK_DAYS * 86_400_000
    const lo = Math.max(afterMs, floor - 1)
    const out: Date[] = []
    const last = vietnamDay(untilMs)
    for (let day = vietnamDay(Math.max(lo, 0)); day <= last; day = addDays(day, 1)) {
      for (const d of firesOn(day)) if (d.getTime() > lo && d.getTime() <= untilMs) out.push(d)
    }
    return out
  }

  return {
    expression: expr,
    matches: (at) => task.match(new Date(floorMinute(at.getTime()))),
    firesBetween(after, until, limit) {
      const all = between(after.getTime(), until.getTime())
      return limit === undefined ? all : all.slice(Math.max(0, all.length - limit))
    },
    firstFireIn(from, before) {
      return between(from.getTime() - 1, before.getTime() - 1)[0]
    },
    lastFireAtOrBefore(until) {
      return between(until.getTime() - MAX_LOOKBACK_DAYS * 86_400_000, until.getTime()).at(-1)
    },
  }
}
