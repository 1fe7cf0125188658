// `POST /admin/jobs/run`: lets `nhip jobs run` run a job inside the service that holds the embedded engine
// (chDB allows one process per data path), under the same lease and run records as a scheduled run.
// Loopback + the admin token only (see infra/admin-sql.ts). The answer is NDJSON, streamed: progress lines,
// a heartbeat every 15 s (long trainings stay well inside any client body timeout), then the outcome.
import { PassThrough } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { adminAuthorization, adminJsonBody, problemMessage, type ServiceFile } from '../infra/admin-sql.ts'
import { AppError, errorMessage } from '../infra/errors.ts'
import type { Logger } from '../infra/logger.ts'
import { jsonSchemaOf, type OpenApiFragment, problems } from '../infra/openapi.ts'
import type { RunOutcome, Scheduler } from './scheduler.ts'
import { isDay } from './vietnam-time.ts'

export const AdminJobRunBody = z.strictObject({
  job: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'job: a job name (see `nhip jobs list`)'),
  day: z.string().refine(isDay, 'day: a day as YYYY-MM-DD').optional(),
  out: z.string().min(1).max(4096).optional(),
  attempts: z.number().int().min(1).max(10).optional(),
})
export type AdminJobRun = z.infer<typeof AdminJobRunBody>

/** One line of the streamed answer. */
export type AdminJobLine =
  | { type: 'progress'; message: string; fields?: Record<string, unknown> }
  | { type: 'heartbeat' }
  | { type: 'outcome'; outcome: Omit<RunOutcome, 'scheduledFor'> & { scheduledFor: string } }
  | { type: 'error'; message: string }

const HEARTBEAT_MS = 15_000

/**
 * @example registerAdminJobs(app, { authorize: admin.authorize, scheduler: () => web.scheduler(), log })
 */
export function registerAdminJobs(
  app: FastifyInstance,
  deps: { authorize(req: FastifyRequest): boolean; scheduler(): Scheduler | undefined; log: Logger },
): void {
  app.post('/admin/jobs/run', async (req, reply) => {
    if (!deps.authorize(req))
      return reply
        .code(403)
        .send({ error: 'forbidden', message: 'admin routes are for local operators (loopback + token file)' })
    const parsed = AdminJobRunBody.safeParse(adminJsonBody(req.body))
    if (!parsed.success)
      return reply
        .code(400)
        .send({ error: 'invalid_body', message: parsed.error.issues[0]?.message ?? 'bad body' })
    const scheduler = deps.scheduler()
    if (!scheduler)
      return reply
        .code(409)
        .send({ error: 'no_scheduler', message: 'this service does not run jobs (start it with role "all")' })
    const body = parsed.data
    if (!scheduler.jobs().some((j) => j.name === body.job))
      return reply
        .code(404)
        .send({ error: 'unknown_job', message: `no job named "${body.job}" (see nhip jobs list)` })

    const out = new PassThrough()
    const send = (line: AdminJobLine) => {
      if (!out.writableEnded) out.write(`${JSON.stringify(line)}\n`)
    }
    const beat = setInterval(() => send({ type: 'heartbeat' }), HEARTBEAT_MS)
    deps.log.info({ job: body.job, day: body.day }, 'job run requested through the admin route')
    scheduler
      .runJob(body.job, {
        ...(body.day ? { day: body.day } : {}),
        trigger: 'manual',
        options: body.out ? { outDir: body.out } : {},
        retry: { attempts: body.attempts ?? 1, backoffMs: 5_000 },
        onProgress: (message, fields) => send({ type: 'progress', message, ...(fields ? { fields } : {}) }),
      })
      .then(
        (o) => send({ type: 'outcome', outcome: { ...o, scheduledFor: o.scheduledFor.toISOString() } }),
        (err: unknown) => send({ type: 'error', message: errorMessage(err) }),
      )
      .finally(() => {
        clearInterval(beat)
        out.end()
      })
    reply.header('content-type', 'application/x-ndjson; charset=utf-8')
    return reply.send(out)
  })
}

/**
 * Client side: asks the running service to run a job and returns its outcome; progress lines go to
 * `onProgress` as they arrive.
 */
export async function runJobThroughService(
  service: ServiceFile,
  body: AdminJobRun,
  onProgress: (message: string) => void,
): Promise<RunOutcome> {
  const res = await fetch(`${service.url}/admin/jobs/run`, {
    method: 'POST',
    headers: { authorization: adminAuthorization(service), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok || !res.body) {
    throw new AppError(
      'SERVICE_JOB',
      `the running service refused to run ${body.job}: ${problemMessage(await res.text())}`,
    )
  }
  let outcome: RunOutcome | undefined
  let buffered = ''
  const decoder = new TextDecoder()
  const handle = (raw: string) => {
    if (!raw.trim()) return
    const line = JSON.parse(raw) as AdminJobLine
    if (line.type === 'progress') onProgress(line.message)
    else if (line.type === 'outcome')
      outcome = { ...line.outcome, scheduledFor: new Date(line.outcome.scheduledFor) }
    else if (line.type === 'error') throw new AppError('SERVICE_JOB', `job ${body.job}: ${line.message}`)
  }
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffered += decoder.decode(value, { stream: true })
    let nl = buffered.indexOf('\n')
    while (nl >= 0) {
      handle(buffered.slice(0, nl))
      buffered = buffered.slice(nl + 1)
      nl = buffered.indexOf('\n')
    }
  }
  handle(buffered)
  if (!outcome)
    throw new AppError(
      'SERVICE_JOB',
      `the service stopped answering before job ${body.job} finished (was it stopped?)`,
    )
  return outcome
}

/** OpenAPI description of POST /admin/jobs/run (present where the admin SQL route is). */
export const adminJobsOpenApi: OpenApiFragment = {
  paths: {
    '/admin/jobs/run': {
      post: {
        summary:
          'Run a job inside the service (`nhip jobs run` while `nhip start` holds the embedded engine)',
        description:
          'Only from loopback, with the bearer token in NHIP_DATA_DIR/admin.token (mode 0600). Answers NDJSON: ' +
          'progress lines, heartbeats every 15 s, then one outcome line.',
        tags: ['ops'],
        security: [{ adminToken: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: jsonSchemaOf(AdminJobRunBody) } },
        },
        responses: {
          '200': {
            description: 'progress and outcome, one JSON object per line',
            content: { 'application/x-ndjson': {} },
          },
          ...problems({
            400: 'invalid body',
            403: 'not loopback or wrong token',
            404: 'no job of that name',
            409: 'this service does not run jobs',
          }),
        },
      },
    },
  },
}
