// `npm run fuzz`: ≥ 100 000 mutated payloads against a running collector over real HTTP (loopback).
// Exits non-zero on any 5xx, a crash, or a 4xx without a reason. Reports RSS along the way.
// Runs in embedded mode (collector → spool → in-process pipeline → chDB): the same validation code as
// the Kafka path, and accepted events really are processed, so the pipeline is fuzzed too.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { Registry } from 'prom-client'
import { openClickHouse } from '../infra/clickhouse/client.ts'
import { migrate } from '../infra/clickhouse/migrate.ts'
import { createLogger } from '../infra/logger.ts'
import { createCollector, EMBEDDED_TOPICS } from '../ingest/collector.ts'
import { addSite } from '../ingest/sites/sites.ts'
import { createTransform } from '../transform/index.ts'
import { printTable, writeResult } from './lib/harness.ts'

const TOTAL = Number(process.env.FUZZ_COUNT ?? 100_000)
const CONCURRENCY = 32
const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-fuzz-'))
const log = createLogger({ level: 'error', name: 'fuzz' })
const ch = await openClickHouse(
  { kind: 'embedded', path: path.join(dir, 'clickhouse'), database: 'nhip' },
  { command: 'fuzz' },
)
await migrate(ch)
const { apiKey } = await addSite(ch, { agency_id: 'tinh-a', site_id: 'a1', domains: ['a1.vn'] })
const metrics = new Registry()
const transform = await createTransform({ ch, log, metrics })
const collector = await createCollector({
  ch,
  log,
  metrics,
  dataDir: dir,
  spoolMaxBytes: 2 * 1024 ** 3,
  trackerPath: '/s/p.js',
  deliverInProcess: (records, span) => transform.deliverInProcess(records, EMBEDDED_TOPICS, span),
  limits: { ipRatePerSec: 1e9, ipBurst: 1e9, siteRatePerSec: 1e9, siteBurst: 1e9 },
})
const base = await collector.app.listen({ host: '127.0.0.1', port: 0 })

// --- payload generators -------------------------------------------------------------------------------
const now = Date.now()
const validBrowserEvent = () => ({
  id: crypto.randomUUID(),
  t: 'pageview',
  ts: now - 1000,
  u: 'https://a1.vn/du-lich/da-lat.html',
  r: 'https://www.google.com/',
  ti: 'Đà Lạt',
  a: 'da-lat',
  s: 'Du lịch',
  e: 1000,
  sc: 50,
  p: { k: 'v' },
})
const validServerEvent = () => ({
  event_id: crypto.randomUUID(),
  type: 'pageview',
  ts: new Date(now - 3_600_000).toISOString(),
  url: 'https://a1.vn/x.html',
  ip: '14.160.0.1',
  user_agent: 'Mozilla/5.0',
})

const nasty = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(
    null,
    true,
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    '\u0000',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    "' OR 1=1 --",
    '𝔑𝔥𝔦𝔭',
    'x'.repeat(5000),
  ),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
)

/** Mutates one random path of a valid object: replace, delete, or add a key. */
function mutate(obj: Record<string, unknown>, r: () => number, value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>
  const keys = Object.keys(copy)
  const k = keys[Math.floor(r() * keys.length)] ?? 'x'
  const op = r()
  if (op < 0.6) copy[k] = value
  else if (op < 0.8) delete copy[k]
  else copy[`extra_${Math.floor(r() * 1000)}`] = value
  return copy
}

interface Case {
  url: string
  body: string | Uint8Array
  headers: Record<string, string>
}

function makeCase(i: number, value: unknown, r: () => number): Case {
  const kind = i % 6
  const browserHeaders = {
    'content-type': 'text/plain',
    origin: r() < 0.9 ? 'https://a1.vn' : 'https://evil.example',
  }
  if (kind <= 2) {
    const ev =
      kind === 0 ? validBrowserEvent() : (mutate(validBrowserEvent(), r, value) as Record<string, unknown>)
    const batch = kind === 2 ? mutate({ site: 'a1', events: [ev] }, r, value) : { site: 'a1', events: [ev] }
    let body = JSON.stringify(batch) ?? 'null'
    if (r() < 0.1) body = body.slice(0, Math.floor(r() * body.length)) // truncated JSON
    return { url: '/e', body, headers: browserHeaders }
  }
  if (kind === 3) {
    const events = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
      r() < 0.5 ? validServerEvent() : mutate(validServerEvent(), r, value),
    )
    const ndjson = r() < 0.5
    const body = ndjson ? events.map((e) => JSON.stringify(e)).join('\n') : JSON.stringify(events)
    return {
      url: '/v1/events',
      body,
      headers: {
        'content-type': ndjson ? 'application/x-ndjson' : 'application/json',
        authorization: r() < 0.9 ? `Bearer ${apiKey}` : 'Bearer nope',
      },
    }
  }
  if (kind === 4) {
    const bytes = new Uint8Array(Math.floor(r() * 2000))
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(r() * 256)
    return {
      url: r() < 0.5 ? '/e' : '/v1/content',
      body: bytes,
      headers: {
        'content-type': 'application/octet-stream',
        authorization: `Bearer ${apiKey}`,
        origin: 'https://a1.vn',
      },
    }
  }
  const article = mutate(
    {
      article_id: 'a-1',
      url: 'https://a1.vn/a-1.html',
      title: 'Tiêu đề',
      published_at: now - 1000,
      tags: ['x'],
    },
    r,
    value,
  )
  return {
    url: '/v1/content',
    body: JSON.stringify(article) ?? 'null',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
  }
}

// --- run ------------------------------------------------------------------------------------------------
const values = fc.sample(nasty, { numRuns: 5000, seed: 42 })
let seed = 12345
const r = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}
const statusCounts = new Map<number, number>()
const failures: string[] = []
const rss: Array<{ sent: number; rss_mb: number }> = []
let sent = 0
const started = Date.now()

async function worker(): Promise<void> {
  for (;;) {
    const i = sent++
    if (i >= TOTAL) return
    const c = makeCase(i, values[i % values.length], r)
    try {
      const res = await fetch(base + c.url, { method: 'POST', body: c.body as BodyInit, headers: c.headers })
      const text = await res.text()
      statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1)
      if (res.status >= 500) failures.push(`${res.status} on ${c.url}: ${text.slice(0, 200)}`)
      else if (res.status >= 400) {
        let reason: unknown
        try {
          reason = (JSON.parse(text) as { message?: unknown }).message
        } catch {
          reason = undefined
        }
        if (typeof reason !== 'string' || !reason)
          failures.push(`${res.status} without a reason on ${c.url}: ${text.slice(0, 200)}`)
      }
    } catch (err) {
      failures.push(`request failed (collector down?): ${(err as Error).message}`)
    }
    if (i % 10_000 === 0) {
      rss.push({ sent: i, rss_mb: Math.round(process.memoryUsage().rss / 1_048_576) })
      process.stderr.write(
        `fuzz: ${i}/${TOTAL} sent, ${failures.length} failures, rss ${rss.at(-1)?.rss_mb} MB\n`,
      )
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker))
const seconds = (Date.now() - started) / 1000
rss.push({ sent: TOTAL, rss_mb: Math.round(process.memoryUsage().rss / 1_048_576) })
const healthy = (await fetch(`${base}/healthz`)).status === 200
await collector.close()
transform.close()
await ch.close()
rmSync(dir, { recursive: true, force: true })

printTable(
  'Collector fuzz: responses by status',
  [...statusCounts].sort(([a], [b]) => a - b).map(([status, n]) => ({ status, responses: n })),
)
printTable('RSS while fuzzing', rss)
const rssGrowth = (rss.at(-1)?.rss_mb ?? 0) - (rss[1]?.rss_mb ?? rss[0]?.rss_mb ?? 0)
writeResult(
  'fuzz',
  {
    payloads: TOTAL,
    requests_per_s: Math.round(TOTAL / seconds),
    server_errors: [...statusCounts].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
    failures: failures.length,
    rss_growth_mb_after_warmup: rssGrowth,
    accepted: statusCounts.get(202) ?? 0,
  },
  'embedded mode, loopback HTTP, 32 concurrent clients; payloads: valid, mutated (replace/delete/add a field with fast-check values), truncated JSON, random bytes',
)
for (const f of failures.slice(0, 20)) process.stderr.write(`FAIL ${f}\n`)
if (failures.length || !healthy) {
  process.stderr.write(
    `fuzz: ${failures.length} failures${healthy ? '' : ', collector unhealthy at the end'}\n`,
  )
  process.exit(1)
}
process.stderr.write('fuzz: no 5xx, every rejection had a reason\n')
