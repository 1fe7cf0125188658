// `npm run chaos`: the fault drills in sequence, each in its own process (each runs its own Kafka, collector,
// worker and embedded ClickHouse), then one table and bench/results/chaos.json. Exits non-zero when any drill
// lost or duplicated an event or failed one of its checks.
//
//   npm run chaos [-- --only broker-restart,spool-full]
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { printTable, RESULTS_DIR } from '../lib/harness.ts'
import { loadAverage, progress } from '../lib/progress.ts'
import { codeRevision } from '../lib/revision.ts'
import { type DrillResult, writeResultWith } from './lib.ts'

const DRILLS = [
  'broker-restart',
  'leader-failover',
  'clickhouse-outage',
  'collector-crash',
  'spool-full',
  'worker-crash',
] as const

const { values: args } = parseArgs({ options: { only: { type: 'string' } } })
const selected = args.only ? args.only.split(',').map((s) => s.trim()) : [...DRILLS]
for (const name of selected) {
  if (!(DRILLS as readonly string[]).includes(name)) {
    process.stderr.write(`unknown drill "${name}"; drills: ${DRILLS.join(', ')}\n`)
    process.exit(2)
  }
}

/** A drill's result with when, on which code and under which machine load it ran. */
type StampedResult = DrillResult & { date: string; revision: string; load_average: string }

function readPrevious(): StampedResult[] {
  try {
    const file = path.join(RESULTS_DIR, 'chaos.json')
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      date?: string
      drills?: Partial<StampedResult>[]
    }
    // Results written before drills carried their own stamp take the file's.
    return (saved.drills ?? []).map((r) => ({
      ...(r as DrillResult),
      date: r.date ?? saved.date ?? 'unknown',
      revision: r.revision ?? 'unknown',
      load_average: r.load_average ?? 'unknown',
    }))
  } catch {
    return []
  }
}

const here = path.dirname(fileURLToPath(import.meta.url))
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nhip-chaos-'))

function runOne(name: string): Promise<DrillResult> {
  const out = path.join(tmp, `${name}.json`)
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, `${name}.ts`), '--result', out],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    )
    // Ctrl-C reaches the drill too (same process group); it stops what it started and exits.
    child.on('exit', (code, signal) => {
      if (fs.existsSync(out)) resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as DrillResult)
      else
        resolve({
          name,
          title: name,
          ok: false,
          seconds: 0,
          checks: [],
          error_log_lines: {},
          error_samples: [],
          failure: `the drill process exited (code ${code}, signal ${signal}) without a result`,
          notes: [],
        })
    })
  })
}

const loadStart = loadAverage()
const revision = codeRevision()
const fresh: StampedResult[] = []
for (const name of selected) {
  progress(`=== chaos drill ${name} (load average ${loadAverage()}) ===`)
  const at = new Date().toISOString()
  const loadAt = loadAverage()
  fresh.push({ ...(await runOne(name)), date: at, revision, load_average: loadAt })
}
fs.rmSync(tmp, { recursive: true, force: true })

// `--only` re-runs some drills: the others keep their last result (each carries its own date and revision).
const previous = readPrevious()
const results: StampedResult[] = DRILLS.map(
  (name) =>
    fresh.find((r) => r.name === name) ?? (args.only ? previous.find((r) => r.name === name) : undefined),
).filter((r): r is StampedResult => r !== undefined)

printTable(
  'Chaos drills — accepted = distinct event_ids in ClickHouse, duplicates = count − uniqExact',
  results.map((r) => ({
    drill: r.name,
    verdict: r.ok ? 'PASS' : 'FAIL',
    run: fresh.includes(r) ? 'now' : `earlier (${r.date.slice(0, 16)})`,
    seconds: Math.round(r.seconds),
    accepted: r.account?.accepted ?? -1,
    'in ClickHouse': r.account?.stored_distinct ?? -1,
    lost: r.account?.lost ?? -1,
    duplicates: r.account?.duplicates ?? -1,
    checks: `${r.checks.filter((c) => c.ok).length}/${r.checks.length}`,
    'error log lines': Object.values(r.error_log_lines).reduce((a, b) => a + b, 0),
  })),
)
for (const r of results) {
  for (const c of r.checks.filter((x) => !x.ok))
    process.stdout.write(`  ${r.name}: FAILED ${c.name}: ${c.detail}\n`)
  if (r.failure) process.stdout.write(`  ${r.name}: ${r.failure.split('\n')[0]}\n`)
}

const metrics: Record<string, number> = {
  drills: results.length,
  drills_passed: results.filter((r) => r.ok).length,
  events_accepted: results.reduce((n, r) => n + (r.account?.accepted ?? 0), 0),
  events_lost: results.reduce((n, r) => n + (r.account ? r.account.lost : 0), 0),
  events_duplicated: results.reduce((n, r) => n + (r.account ? r.account.duplicates : 0), 0),
}
for (const r of results) {
  const key = r.name.replaceAll('-', '_')
  metrics[`${key}_ok`] = r.ok ? 1 : 0
  metrics[`${key}_accepted`] = r.account?.accepted ?? -1
  metrics[`${key}_lost`] = r.account?.lost ?? -1
  metrics[`${key}_duplicates`] = r.account?.duplicates ?? -1
  metrics[`${key}_seconds`] = Math.round(r.seconds)
  for (const [name, value] of Object.entries(r.metrics ?? {})) metrics[`${key}_${name}`] = value
}
const file = writeResultWith(
  'chaos',
  metrics,
  `Code ${revision} (per drill: date, revision, load_average). Each drill: its own Kafka (1 node, or 3-node KRaft with RF 3 / min.insync.replicas 2), ` +
    '`nhip serve` and `nhip transform` as child processes with embedded chDB, 300 events/s of tracker batches whose ids are ' +
    'numbered; batches without a 2xx are retried with the same ids (Retry-After capped at 5 s). Verdict per drill: accepted = ' +
    "distinct event_ids in ClickHouse, count − uniqExact = 0, rollup pageviews = event pageviews, plus the drill's own checks. " +
    `Shared 2-core VM: 1/5/15-min load average ${loadStart} at start, ${loadAverage()} at end.`,
  { drills: results },
)
process.stdout.write(`\nresults written to ${path.relative(process.cwd(), file)}\n`)
process.exitCode = fresh.every((r) => r.ok) ? 0 : 1
