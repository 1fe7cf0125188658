// The service as `nhip start` composes it (embedded ClickHouse, web app, admin SQL), served over HTTPS with
// a self-signed certificate made by openssl for this test: /healthz over verified TLS, /openapi.json agrees
// with the routes Fastify really serves (both ways), and every documented path answers with the security
// headers (HSTS included, since this is TLS).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCommand } from '../../bin/commands/start.ts'
import { loadConfig } from '../../infra/config.ts'
import { findFreePortBlock } from '../../infra/kafka/broker.ts'
import { createLogger } from '../../infra/logger.ts'
import { compareRoutes, type OpenApiDocument, servedRoutes } from '../../infra/openapi.ts'
import { createCollectorApp } from '../../ingest/http/app.ts'

const TRACKER_PATH = '/assets/x7/n.js'
const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-security-tls-'))
const certFile = path.join(dir, 'cert.pem')
const keyFile = path.join(dir, 'key.pem')
let ca: string
let base: string
let app: FastifyInstance
let stop: () => void
let running: Promise<void>

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTPS request that trusts only the test's self-signed certificate. */
function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', headers: opts.headers, ca }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  )
  ca = readFileSync(certFile, 'utf8')
  const port = await findFreePortBlock(1)
  const config = loadConfig({
    NHIP_DATA_DIR: path.join(dir, 'data'),
    NHIP_PORT: String(port),
    NHIP_TRACKER_PATH: TRACKER_PATH,
    NHIP_TLS_CERT_FILE: certFile,
    NHIP_TLS_KEY_FILE: keyFile,
  })
  const until = new Promise<string>((resolve) => {
    stop = () => resolve('test done')
  })
  const listening = new Promise<void>((resolve, reject) => {
    running = startCommand(
      { config, log: createLogger({ level: 'silent' }) },
      {
        until,
        quiet: true,
        onListening: (address, served) => {
          base = address
          app = served
          resolve()
        },
      },
    )
    running.catch(reject)
  })
  await listening
})

afterAll(async () => {
  stop?.()
  await running
  rmSync(dir, { recursive: true, force: true })
})

describe('HTTPS (NHIP_TLS_CERT_FILE / NHIP_TLS_KEY_FILE)', () => {
  it('serves /healthz over TLS with the configured certificate', async () => {
    expect(base).toBe(`https://127.0.0.1:${new URL(base).port}`)
    const r = await request(`${base}/healthz`)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok', checks: { clickhouse: { ok: true } } })
  })

  it('refuses a client that does not trust the certificate (it is really TLS, with this certificate)', async () => {
    const untrusted = new Promise((resolve, reject) => {
      https.get(`${base}/healthz`, (res) => resolve(res.statusCode)).on('error', reject)
    })
    await expect(untrusted).rejects.toThrow(/self-signed certificate/)
  })
})

describe('GET /openapi.json', () => {
  let doc: OpenApiDocument

  beforeAll(async () => {
    const r = await request(`${base}/openapi.json`)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toMatch(/^application\/json/)
    doc = JSON.parse(r.body) as OpenApiDocument
  })

  it('describes exactly the routes the service registered, both ways', () => {
    const served = servedRoutes(app)
    expect(served.length).toBeGreaterThan(10)
    const diff = compareRoutes(served, doc)
    expect(diff, 'undocumented = served but not described; unserved = described but not served').toEqual({
      undocumented: [],
      unserved: [],
    })
    const described = Object.keys(doc.paths)
    for (const p of [
      '/e',
      '/v1/events',
      '/v1/content',
      '/healthz',
      '/metrics',
      '/openapi.json',
      TRACKER_PATH,
    ])
      expect(described).toContain(p)
    for (const p of ['/app/login', '/app/reports/{agency}/{file}', '/admin/sql'])
      expect(described).toContain(p)
  })

  it('takes request bodies from the zod schemas the routes validate with', () => {
    expect(doc.openapi).toBe('3.1.0')
    const body = doc.paths['/v1/events']?.post?.requestBody as {
      content: Record<
        string,
        { schema: { oneOf: Array<{ properties?: Record<string, unknown>; required?: string[] }> } }
      >
    }
    const one = body.content['application/json']?.schema.oneOf[1]
    expect(Object.keys(one?.properties ?? {})).toEqual(
      expect.arrayContaining(['event_id', 'type', 'ts', 'url', 'visitor_id']),
    )
    expect(one?.required).toEqual(expect.arrayContaining(['event_id', 'type', 'ts', 'url']))
    const batch = doc.paths['/e']?.post?.requestBody as {
      content: Record<string, { schema: { properties: Record<string, { maxItems?: number }> } }>
    }
    expect(batch.content['application/json']?.schema.properties.events?.maxItems).toBe(50)
  })

  it('resolves every $ref and security scheme it uses', () => {
    const text = JSON.stringify(doc)
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/(\w+\/\w+)"/g)) {
      const [kind, name] = (ref ?? '').split('/') as [keyof OpenApiDocument['components'], string]
      expect(doc.components[kind], ref).toHaveProperty(name)
    }
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const req of op.security ?? [])
          for (const scheme of Object.keys(req)) expect(doc.components.securitySchemes).toHaveProperty(scheme)
  })

  it('answers every documented path with the security headers, HSTS included over TLS', async () => {
    const checked: string[] = []
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const url = `${base}${p.replace(/\{agency\}/, 'other-agency').replace(/\{file\}/, 'daily-2026-01-01.vi.html')}`
        // No credentials on purpose: refusals must carry the headers too.
        const r = await request(url, {
          method: method.toUpperCase(),
          ...(method === 'post' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
        })
        const where = `${method.toUpperCase()} ${p} → ${r.status}`
        checked.push(where)
        expect(r.status, where).toBeLessThan(500)
        expect(r.headers['x-content-type-options'], where).toBe('nosniff')
        expect(r.headers['referrer-policy'], where).toBe('no-referrer')
        expect(r.headers['x-frame-options'], where).toBe('DENY')
        expect(r.headers['content-security-policy'], where).toMatch(/frame-ancestors 'none'/)
        expect(r.headers['strict-transport-security'], where).toBe('max-age=31536000')
        if (String(r.headers['content-type']).startsWith('text/html'))
          expect(r.headers['content-security-policy'], where).toMatch(/default-src 'none'/)
      }
    }
    // Unknown paths (both surfaces' 404 handlers) too.
    for (const p of ['/nope', '/app/nope']) {
      const r = await request(`${base}${p}`)
      expect(r.status).toBe(404)
      expect(r.headers['x-frame-options'], p).toBe('DENY')
      expect(r.headers['strict-transport-security'], p).toBe('max-age=31536000')
    }
    console.log(`security headers checked on ${checked.length} operations: ${checked.join(', ')}`)
  })
})

describe('security headers without TLS', () => {
  it('sends the same headers but no HSTS over plain HTTP', async () => {
    const plain = createCollectorApp({ metrics: new Registry(), health: {} })
    try {
      const r = await plain.inject({ method: 'GET', url: '/healthz' })
      expect(r.statusCode).toBe(200)
      expect(r.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      })
      expect(r.headers['strict-transport-security']).toBeUndefined()
    } finally {
      await plain.close()
    }
  })
})
