// Lets `nhip sql` run queries while `nhip start` holds the embedded engine (chDB: one process per data
// path). Loopback only, and a bearer token kept in a 0600 file in the data dir: whoever can read that
// file could open the data directly anyway, so the boundary is the filesystem, as for the data itself.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ClickHouse } from './clickhouse/client.ts'
import { clickHouseErrorType } from './clickhouse/client.ts'
import { readOnlyProblem } from './clickhouse/read-only.ts'
import { AppError, errorMessage } from './errors.ts'

export interface ServiceFile {
  pid: number
  url: string
  tokenFile: string
}

export function serviceFilePath(dataDir: string): string {
  return path.join(dataDir, 'service.json')
}

/** Reads the running service's address, if a live process wrote one. */
export function readServiceFile(dataDir: string): ServiceFile | undefined {
  try {
    const s = JSON.parse(readFileSync(serviceFilePath(dataDir), 'utf8')) as ServiceFile
    process.kill(s.pid, 0)
    return s
  } catch {
    return undefined
  }
}

const Body = z.object({
  query: z.string().min(1).max(100_000),
  format: z.enum(['JSONCompactEachRowWithNames', 'CSVWithNames', 'TabSeparatedWithNames', 'JSONEachRow']),
})

/** The JSON body of an /admin request; malformed JSON becomes undefined (→ 400 from the schema), never a throw. */
export function adminJsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body || '{}')
  } catch {
    return undefined
  }
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1'
}

/**
 * Adds `POST /admin/sql` and writes the token + service file; returns a cleanup function.
 * @example const cleanup = registerAdminSql(app, { ch, dataDir, url })
 */
export function registerAdminSql(
  app: FastifyInstance,
  opts: { ch: ClickHouse; dataDir: string },
): { publish(url: string): void; cleanup(): void; authorize(req: FastifyRequest): boolean } {
  const token = randomBytes(32).toString('base64url')
  const tokenFile = path.join(opts.dataDir, 'admin.token')
  const expected = Buffer.from(token)
  /** Loopback and the token from the 0600 file, compared in constant time; for every /admin route. */
  function authorize(req: FastifyRequest): boolean {
    const auth = req.headers.authorization ?? ''
    const given = Buffer.from(auth.startsWith('Bearer ') ? auth.slice(7) : '')
    return isLoopback(req.ip) && given.length === expected.length && timingSafeEqual(given, expected)
  }
  app.post('/admin/sql', async (req, reply) => {
    if (!authorize(req)) {
      return reply
        .code(403)
        .send({ error: 'forbidden', message: 'admin SQL is for local operators (loopback + token file)' })
    }
    const parsed = Body.safeParse(adminJsonBody(req.body))
    if (!parsed.success)
      return reply
        .code(400)
        .send({ error: 'invalid_body', message: parsed.error.issues[0]?.message ?? 'bad body' })
    const problem = readOnlyProblem(parsed.data.query)
    if (problem) return reply.code(400).send({ error: 'not_read_only', message: problem })
    try {
      const rs = await opts.ch.client.query({ query: parsed.data.query, format: parsed.data.format })
      reply.header('content-type', 'text/plain; charset=utf-8')
      return reply.send(await rs.text())
    } catch (err) {
      return reply
        .code(400)
        .send({ error: clickHouseErrorType(err) ?? 'query_failed', message: errorMessage(err) })
    }
  })
  return {
    authorize,
    publish(url) {
      mkdirSync(opts.dataDir, { recursive: true })
      writeFileSync(tokenFile, token, { mode: 0o600 })
      chmodSync(tokenFile, 0o600)
      writeFileSync(
        serviceFilePath(opts.dataDir),
        JSON.stringify({ pid: process.pid, url, tokenFile } satisfies ServiceFile),
      )
    },
    cleanup() {
      rmSync(tokenFile, { force: true })
      rmSync(serviceFilePath(opts.dataDir), { force: true })
    },
  }
}

/** The bearer header for the running service's /admin routes (token read from its 0600 file). */
export function adminAuthorization(service: ServiceFile): string {
  return `Bearer ${readFileSync(service.tokenFile, 'utf8').trim()}`
}

/** Runs a query through the running service (used by `nhip sql` when the engine is held). */
export async function queryThroughService(
  service: ServiceFile,
  query: string,
  format: z.infer<typeof Body>['format'],
): Promise<string> {
  const res = await fetch(`${service.url}/admin/sql`, {
    method: 'POST',
    headers: { authorization: adminAuthorization(service), 'content-type': 'application/json' },
    body: JSON.stringify({ query, format }),
  })
  const text = await res.text()
  if (!res.ok)
    throw new AppError('SERVICE_QUERY', `the running service refused the query: ${problemMessage(text)}`)
  return text
}

/** The `message` of an /admin error answer, or its text when it is not our JSON problem body. */
export function problemMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text
  } catch {
    return text
  }
}

/** The request body of POST /admin/sql (described in infra/admin-sql-openapi.ts). */
export { Body as AdminSqlBody }
