// The scheduler on the real engine: attempts recorded in job_runs, failures retried with back-off without
// stopping other jobs, missed runs caught up, and the ClickHouse lease keeping a job to one run at a time
// across two scheduler instances sharing one database (including a crashed holder whose lease expires).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import {
  acquireLease,
  createJobRegistry,
  createScheduler,
  type JobDefinition,
  queryRunHistory,
  type Scheduler,
} from '../../jobs/index.ts'
import { listReports } from '../../jobs/reports/reports-table.ts'
import { recordRun } from '../../jobs/runs-table.ts'
import { vietnamMidnight } from '../../jobs/vietnam-time.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let t: TestClickHouse
const schedulers: Scheduler[] = []

beforeAll(async () => {
  t = await freshClickHouse()
})
afterAll(async () => {
  for (const s of schedulers) await s.stop()
  await t?.cleanup()
})

function schedulerWith(
  jobs: JobDefinition[],
  opts: Partial<Parameters<typeof createScheduler>[0]> = {},
): Scheduler {
  const registry = createJobRegistry()
  for (const j of jobs) registry.registerJob(j)
  const s = createScheduler({
    ch: t.ch,
    log,
    dataDir: t.dir,
    registry,
    retry: { attempts: 3, backoffMs: 20 },
    lease: { settleMs: 50, ttlMs: 5_000, pollMs: 100, waitMs: 20_000 },
    ...opts,
  })
  schedulers.push(s)
  return s
}

describe('failures', () => {
  it('records every attempt, retries with back-off, and the next job still runs', async () => {
    let calls = 0
    const flaky: JobDefinition = {
      name: 'flaky',
      schedule: '0 6 * * *',
      async run() {
        calls++
        if (calls < 3) throw new Error(`ClickHouse hiccup #${calls}`)
        return { rows: 42 }
      },
    }
    const broken: JobDefinition = {
      name: 'broken',
      schedule: '0 6 * * *',
      async run() {
        throw new Error('the model file is corrupt')
      },
    }
    let okRuns = 0
    const ok: JobDefinition = {
      name: 'ok',
      schedule: '0 6 * * *',
      async run() {
        okRuns++
        return { done: 1 }
      },
    }
    const s = schedulerWith([flaky, broken, ok])
    const started = Date.now()
    const f = await s.runJob('flaky', { day: '2026-03-01' })
    expect(f).toMatchObject({ status: 'succeeded', attempts: 3, keyFigures: { rows: 42 } })
    const b = await s.runJob('broken', { day: '2026-03-01' })
    expect(b).toMatchObject({ status: 'failed', attempts: 3, error: 'the model file is corrupt' })
    expect(await s.runJob('ok', { day: '2026-03-01' })).toMatchObject({ status: 'succeeded' })
    expect(okRuns).toBe(1)
    // Back-off: 20 ms then 40 ms between attempts, for each of the two retried jobs.
    expect(Date.now() - started).toBeGreaterThanOrEqual(120)

    const history = await queryRunHistory(t.ch, { job: 'flaky' })
    expect(history.map((r) => [r.attempt, r.status, r.error]).sort()).toEqual([
      [1, 'failed', 'ClickHouse hiccup #1'],
      [2, 'failed', 'ClickHouse hiccup #2'],
      [3, 'succeeded', ''],
    ])
    const done = history.find((r) => r.status === 'succeeded')
    expect(done?.key_figures.rows).toBe(42)
    expect(done?.scheduled_for.toISOString()).toBe('2026-03-01T23:00:00.000Z') // 06:00 on 2 March, Vietnam time
    const brokenRuns = await queryRunHistory(t.ch, { job: 'broken' })
    expect(brokenRuns.filter((r) => r.status === 'failed')).toHaveLength(3)
    expect(brokenRuns.every((r) => r.ended_at !== null)).toBe(true)
  })

  it('does not retry an error that says retrying cannot help', async () => {
    const { AppError } = await import('../../infra/errors.ts')
    let calls = 0
    const s = schedulerWith([
      {
        name: 'bad-input',
        schedule: '0 6 * * *',
        async run() {
          calls++
          throw new AppError('BAD', 'no such agency', { retry: false })
        },
      },
    ])
    expect(await s.runJob('bad-input', { day: '2026-03-01' })).toMatchObject({
      status: 'failed',
      attempts: 1,
    })
    expect(calls).toBe(1)
  })

  it('hides the table outputs of a run that did not succeed', async () => {
    const s = schedulerWith(
      [
        {
          name: 'daily-report',
          schedule: '0 6 * * *',
          async run(ctx) {
            // Half the work is written, then the run dies.
            await ctx.ch.client.insert({
              table: `${ctx.ch.database}.reports`,
              format: 'JSONEachRow',
              values: [
                {
                  agency_id: 'half',
                  kind: 'daily',
                  period_start: ctx.day,
                  period_end: ctx.day,
                  lang: 'vi',
                  path: '/x',
                  bytes: 1,
                  sha256: '0'.repeat(64),
                  has_data: 1,
                  headline: {},
                  job: ctx.job,
                  run_id: ctx.runId,
                  created_at: '2026-03-02 00:00:00',
                },
              ],
            })
            throw new Error('killed')
          },
        },
      ],
      { retry: { attempts: 1 } },
    )
    expect((await s.runJob('daily-report', { day: '2026-03-01' })).status).toBe('failed')
    expect(await rows(t.ch, "SELECT 1 FROM nhip.reports WHERE agency_id = 'half'")).toHaveLength(1)
    expect(await listReports(t.ch, { agency: 'half' })).toEqual([])
  })
})

describe('catch-up', () => {
  it('runs the fires missed since the last success, oldest first, and only those', async () => {
    const days: string[] = []
    const job: JobDefinition = {
      name: 'nightly',
      schedule: '30 3 * * *',
      catchUp: 5,
      async run(ctx) {
        days.push(ctx.day)
        if (ctx.day === '2026-03-03') throw new Error('one bad night')
        return {}
      },
    }
    // Last success: the run of 03:30 on 2 March. "Now": 5 March, 10:00 Vietnam time.
    await recordRun(t.ch, {
      job: 'nightly',
      run_id: '00000000-0000-4000-a000-00000000aaaa',
      scheduled_for: new Date(vietnamMidnight('2026-03-02').getTime() + 3.5 * 3_600_000),
      trigger: 'schedule',
      attempt: 1,
      instance: 'earlier',
      started_at: new Date('2026-03-01T20:30:00Z'),
      ended_at: new Date('2026-03-01T20:31:00Z'),
      status: 'succeeded',
      error: '',
      key_figures: {},
    })
    const now = new Date(vietnamMidnight('2026-03-05').getTime() + 10 * 3_600_000)
    const s = schedulerWith([job], { now: () => now, retry: { attempts: 1 } })
    const outcomes = await s.catchUp()
    expect(outcomes.map((o) => [o.day, o.status, o.scheduledFor.toISOString()])).toEqual([
      ['2026-03-02', 'succeeded', '2026-03-02T20:30:00.000Z'],
      ['2026-03-03', 'failed', '2026-03-03T20:30:00.000Z'],
      ['2026-03-04', 'succeeded', '2026-03-04T20:30:00.000Z'],
    ])
    expect(days).toEqual(['2026-03-02', '2026-03-03', '2026-03-04'])
    // A second start finds nothing newer than the last success to do (the failed night stays failed).
    expect(await s.catchUp()).toEqual([])
  })

  it('start() schedules the jobs and catches up in the background; stop() waits for the run', async () => {
    let runs = 0
    const now = new Date()
    const s = schedulerWith(
      [
        {
          name: 'fresh',
          schedule: '0 6 * * *',
          async run() {
            runs++
            await sleep(200)
            return {}
          },
        },
      ],
      { now: () => now },
    )
    await s.start()
    const [info] = s.jobs()
    expect(info?.next && info.next.getTime() > now.getTime()).toBe(true)
    for (let i = 0; i < 100 && runs === 0; i++) await sleep(50)
    await s.stop()
    // Never run before: the most recent fire is caught up once.
    expect(runs).toBe(1)
    const [last] = await queryRunHistory(t.ch, { job: 'fresh' })
    expect(last?.trigger).toBe('catch-up')
  })
})

describe('lease across two instances', () => {
  function slowJob(
    name: string,
    state: { running: number; max: number; runs: string[] },
    ms: number,
  ): JobDefinition {
    return {
      name,
      schedule: '0 6 * * *',
      async run(ctx) {
        state.running++
        state.max = Math.max(state.max, state.running)
        state.runs.push(`${ctx.day}`)
        await sleep(ms)
        state.running--
        return {}
      },
    }
  }

  it('two schedulers racing for the same run: exactly one runs it', async () => {
    const state = { running: 0, max: 0, runs: [] as string[] }
    const a = schedulerWith([slowJob('race', state, 600)], { instance: 'instance-a' })
    const b = schedulerWith([slowJob('race', state, 600)], { instance: 'instance-b' })
    const scheduledFor = new Date('2026-03-01T23:00:00Z')
    const outcomes = await Promise.all([
      a.runJob('race', { scheduledFor, trigger: 'schedule' }),
      b.runJob('race', { scheduledFor, trigger: 'schedule' }),
    ])
    expect(outcomes.map((o) => o.status).sort()).toEqual(['skipped', 'succeeded'])
    expect(state.runs).toHaveLength(1)
    expect(state.max).toBe(1)
    const skipped = outcomes.find((o) => o.status === 'skipped')
    expect(skipped?.reason).toMatch(/already running on instance-|already succeeded/)
    // Later, the other instance's catch-up of the same run does nothing: it succeeded.
    expect((await b.runJob('race', { scheduledFor, trigger: 'catch-up' })).reason).toBe('already succeeded')
  })

  it('different runs of one job wait for each other instead of overlapping', async () => {
    const state = { running: 0, max: 0, runs: [] as string[] }
    const a = schedulerWith([slowJob('serial', state, 500)], { instance: 'instance-a' })
    const b = schedulerWith([slowJob('serial', state, 500)], { instance: 'instance-b' })
    const outcomes = await Promise.all([
      a.runJob('serial', { day: '2026-03-01' }),
      b.runJob('serial', { day: '2026-03-02' }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded'])
    expect(state.max).toBe(1)
    expect(state.runs.sort()).toEqual(['2026-03-01', '2026-03-02'])
  })

  it("a crashed holder's lease expires and the run goes ahead", async () => {
    const state = { running: 0, max: 0, runs: [] as string[] }
    const scheduledFor = new Date('2026-03-05T23:00:00Z')
    // A holder that took the lease and died: it never renews nor releases.
    const dead = await acquireLease(t.ch, {
      key: 'crashy',
      holder: 'dead-instance',
      scheduledFor: new Date('2026-03-04T23:00:00Z'),
      ttlMs: 1_500,
      settleMs: 0,
    })
    expect(dead.acquired).toBe(true)
    const b = schedulerWith([slowJob('crashy', state, 50)], { instance: 'instance-b' })
    const started = Date.now()
    const outcome = await b.runJob('crashy', { scheduledFor, trigger: 'schedule' })
    expect(outcome.status).toBe('succeeded')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000)
  })

  it('a holder that keeps running renews its lease past the ttl', async () => {
    const state = { running: 0, max: 0, runs: [] as string[] }
    const a = schedulerWith([slowJob('long', state, 2_500)], {
      instance: 'instance-a',
      lease: { settleMs: 50, ttlMs: 1_000, renewEveryMs: 250, pollMs: 100, waitMs: 10_000 },
    })
    const b = schedulerWith([slowJob('long', state, 100)], {
      instance: 'instance-b',
      lease: { settleMs: 50, ttlMs: 1_000, renewEveryMs: 250, pollMs: 100, waitMs: 10_000 },
    })
    const first = a.runJob('long', { day: '2026-03-01' })
    await sleep(1_500) // past a's ttl: only renewals keep it
    const second = await b.runJob('long', { day: '2026-03-02' })
    expect((await first).status).toBe('succeeded')
    expect(second.status).toBe('succeeded')
    expect(state.max).toBe(1)
  })
})
