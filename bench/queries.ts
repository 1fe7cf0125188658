// Analyst query benchmark (issue 5, item 3): back-fill N simulated events through the product's bulk path
// (`nhip simulate --direct`: the simulator's events, as contract objects, → the transform pipeline → the event
// writer, in process), then time each analyst view and each documented question of docs/analysts.md on the
// embedded engine, cold and warm. The machine is shared: every back-fill also reports its process CPU time
// (events per CPU-second says more than events/s when the neighbours are busy), and the load is sampled.
//
//   npm run bench:queries [-- --events 10000000 --days 30 --baseline-events 200000 --data-dir DIR --keep]
//   npm run bench:queries -- --data-dir DIR --queries-only     # re-time the queries on a kept run's data
//
// In one run:
//   1. baselines on a small slice (--baseline-events, default 200 000), each in a fresh data dir:
//      legacy  — the earlier per-batch mechanics: 10 000 records per delivery, ids looked up 5 000 at a time
//                with `event_id IN (…)`, JSONEachRow inserts of 5 000 rows, one delivery at a time;
//      default — `nhip simulate` (embedded, 10 000 records per delivery, today's writer);
//      direct  — `nhip simulate --direct` on the same slice (the ratio at equal size);
//   2. the full back-fill: `nhip simulate --direct` with --events events over --days days ending yesterday
//      (Vietnam time), checked against the simulator's ground truth;
//   3. every query: the first run after opening the engine (cold) and the median of 5 more (warm).
// Each back-fill runs in its own process (chDB binds one data path per process); this process only queries.
// The doc's SQL is read from docs/analysts.md at run time (one copy), with its example agency `lamdong`
// replaced by the simulator's `baolamdong` so that every question reads the simulated data.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type ClickHouse, openClickHouse } from '../infra/clickhouse/client.ts'
import { migrate } from '../infra/clickhouse/migrate.ts'
import { createLogger } from '../infra/logger.ts'
import { createMetricsRegistry } from '../infra/metrics.ts'
import type { ArticleMessage } from '../ingest/contract/index.ts'
import { addSite } from '../ingest/sites/sites.ts'
import { createEventWriter, createTransform, type EventRow } from '../transform/index.ts'
import { articlesFromPageviews } from '../transform/page-articles.ts'
import { median, printTable, RESULTS_DIR, writeResult } from './lib/harness.ts'
import { loadAverage, progress } from './lib/progress.ts'
import { codeRevision } from './lib/revision.ts'
import { backfill } from './simulator/backfill.ts'
import { dayNumberOf, dayOfNumber, SITES, Simulation, vietnamDayNumber } from './simulator/index.ts'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const NHIP = path.join(ROOT, 'bin', 'nhip')
const DOC = path.join(ROOT, 'docs', 'analysts.md')
const SEED = 7
/** Events a simulated day holds at scale 1 (measured: 208 199 events in 6 days with seed 7). */
const EVENTS_PER_DAY_AT_SCALE_1 = 34_700
const WARM_RUNS = 5
const TARGET_EVENTS_PER_S = 50_000
const TARGET_WARM_MS = 1000
const AGENCY = 'baolamdong'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '30' },
    'baseline-events': { type: 'string', default: '200000' },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'skip-baselines': { type: 'boolean', default: false },
    // Re-time the queries on the data of an earlier run with --keep (its back-fill figures are reused).
    'queries-only': { type: 'boolean', default: false },
    // Internal: the legacy baseline runs in a child process (one chDB data path per process).
    phase: { type: 'string' },
    'end-day': { type: 'string' },
    scale: { type: 'string' },
  },
})

function wholeNumber(name: string, value: string | undefined, min: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number ≥ ${min}, got ${value}`)
  return n
}

/** The Vietnam day before today. */
const yesterday = () => dayOfNumber(vietnamDayNumber(Date.now()) - 1)

/** A scale that makes `days` simulated days hold about `events` events. */
const scaleFor = (events: number, days: number) =>
  Number((events / (days * EVENTS_PER_DAY_AT_SCALE_1)).toFixed(4))

interface BackfillRun {
  label: string
  events: number
  writeSeconds: number
  eventsPerS: number
  /** CPU time of the back-fill process (all its threads, the engine's too) while writing. */
  cpuSeconds: number
  eventsPerCpuS: number
  totalSeconds: number
  /** 1-minute load average sampled every 15 s while it ran: min, median, max. */
  load: { min: number; median: number; max: number }
}

/** Samples the 1-minute load average every 15 s until stopped. */
function sampleLoad(): () => BackfillRun['load'] {
  const samples = [os.loadavg()[0] ?? 0]
  const timer = setInterval(() => samples.push(os.loadavg()[0] ?? 0), 15_000)
  timer.unref()
  return () => {
    clearInterval(timer)
    samples.push(os.loadavg()[0] ?? 0)
    return { min: Math.min(...samples), median: median(samples), max: Math.max(...samples) }
  }
}

/** Runs a child, streaming its stderr (progress) to ours; resolves with its stdout. */
function runChild(cmd: string, argv: string[], env: Record<string, string>, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, argv, {
      env: { ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stop = () => child.kill('SIGTERM')
    process.once('SIGINT', stop)
    let stdout = ''
    // Decode as a stream: a chunk boundary may fall inside a multi-byte character (Vietnamese text).
    child.stdout?.setEncoding('utf8')
    child.stderr?.setEncoding('utf8')
    child.stdout?.on('data', (d: string) => {
      stdout += d
    })
    let rest = ''
    child.stderr?.on('data', (d: string) => {
      const lines = (rest + d).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.trim()) progress(`${label}: ${line}`)
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      process.off('SIGINT', stop)
      if (rest.trim()) progress(`${label}: ${rest}`)
      if (code === 0) resolve(stdout)
      else reject(new Error(`${label} (${cmd} ${argv.join(' ')}) exited with ${code ?? signal}`))
    })
  })
}

/** `nhip simulate` as an operator runs it, into a fresh data dir; the CLI reports its own write time. */
async function simulateCli(
  label: string,
  dataDir: string,
  opts: { days: number; scale: number; endDay: string; direct: boolean },
): Promise<BackfillRun> {
  const started = performance.now()
  const argv = [
    NHIP,
    'simulate',
    '--seed',
    String(SEED),
    '--days',
    String(opts.days),
    '--scale',
    String(opts.scale),
    '--end-day',
    opts.endDay,
    ...(opts.direct ? ['--direct'] : []),
  ]
  const load = sampleLoad()
  const out = await runChild(process.execPath, argv, { NHIP_DATA_DIR: dataDir }, label)
  const written = /Written in ([\d.]+) s/.exec(out)
  const cpu = /([\d.]+) CPU-s while writing/.exec(out)
  const totals = /Totals: ([\d,]+) events/.exec(out)
  if (!written?.[1] || !cpu?.[1] || !totals?.[1])
    throw new Error(`${label}: unexpected output of nhip simulate:\n${out}`)
  if (/WARNING: .* dead-lettered/.test(out)) throw new Error(`${label}: messages were dead-lettered:\n${out}`)
  const events = Number(totals[1].replaceAll(',', ''))
  const writeSeconds = Number(written[1])
  const cpuSeconds = Number(cpu[1])
  return {
    label,
    events,
    writeSeconds,
    eventsPerS: events / writeSeconds,
    cpuSeconds,
    eventsPerCpuS: events / cpuSeconds,
    totalSeconds: (performance.now() - started) / 1000,
    load: load(),
  }
}

/**
 * The earlier per-batch mechanics, in this (child) process: the same simulator, pipeline and delivery order as
 * the embedded transform (dead letters, events, articles), with the writer's earlier options.
 */
async function legacyBaseline(dataDir: string, days: number, scale: number, endDay: string): Promise<void> {
  const ch = await openClickHouse(
    { kind: 'embedded', path: path.join(dataDir, 'clickhouse'), database: 'nhip' },
    { command: 'bench:queries baseline' },
  )
  try {
    await migrate(ch)
    for (const s of SITES) {
      await addSite(ch, {
        agency_id: s.agency_id,
        site_id: s.site_id,
        name: s.name,
        domains: [s.domain],
        language: s.language,
      })
    }
    const transform = await createTransform({
      ch,
      log: createLogger({ level: 'warn', name: 'bench-queries' }),
      metrics: createMetricsRegistry(),
    })
    const writer = createEventWriter(ch, { dedup: 'ids', format: 'JSONEachRow', insertRows: 5000 })
    const topics = { events: 'events', content: 'content' }
    const startDay = dayOfNumber(dayNumberOf(endDay) - days + 1)
    const simulation = new Simulation({ seed: SEED, startDay, days, scale })
    const cpuStarted = process.cpuUsage()
    const result = await backfill({
      simulation,
      topics,
      batchRecords: 10_000,
      deliver: async (records) => {
        const rows: EventRow[] = []
        const articles: ArticleMessage[] = []
        const dead: Array<{ source: string; reason: string; payload: Buffer | null }> = []
        for (const r of records) {
          const outcome =
            r.topic === topics.content ? transform.processContent(r.value) : transform.processEvent(r.value)
          if (outcome.kind === 'ok') {
            if (r.topic === topics.content) articles.push(outcome.value as ArticleMessage)
            else rows.push(outcome.value as EventRow)
          } else if (outcome.kind === 'dlq')
            dead.push({ source: 'bench', reason: outcome.reason, payload: r.value })
        }
        await writer.writeDeadLetters(dead)
        await writer.writeEvents(rows)
        await writer.writeArticles([...articlesFromPageviews(rows), ...articles])
      },
      onDay: (p) =>
        process.stderr.write(
          `day ${p.dayIndex}/${p.days}: ${p.events} events, ${Math.round(p.events / (p.elapsedMs / 1000))} events/s\n`,
        ),
    })
    transform.close()
    const cpu = process.cpuUsage(cpuStarted)
    process.stdout.write(
      `${JSON.stringify({ events: result.events, seconds: result.elapsedMs / 1000, cpu: (cpu.user + cpu.system) / 1e6 })}\n`,
    )
  } finally {
    await ch.close()
  }
}

async function legacyCli(label: string, dataDir: string, days: number, scale: number, endDay: string) {
  const started = performance.now()
  const self = fileURLToPath(import.meta.url)
  const argv = ['--import', 'tsx', self, '--phase', 'baseline', '--data-dir', dataDir, '--days', String(days)]
  argv.push('--scale', String(scale), '--end-day', endDay)
  const load = sampleLoad()
  const out = await runChild(process.execPath, argv, {}, label)
  const last = out.trim().split('\n').pop() ?? ''
  const r = JSON.parse(last) as { events: number; seconds: number; cpu: number }
  return {
    label,
    events: r.events,
    writeSeconds: r.seconds,
    eventsPerS: r.events / r.seconds,
    cpuSeconds: r.cpu,
    eventsPerCpuS: r.events / r.cpu,
    totalSeconds: (performance.now() - started) / 1000,
    load: load(),
  } satisfies BackfillRun
}

interface Query {
  name: string
  what: string
  sql: string
}

/** A representative SELECT per analyst view, for the simulator's biggest agency. */
const VIEW_QUERIES: Query[] = [
  {
    name: 'v_articles',
    what: 'articles and premium articles per section',
    sql: `SELECT section, count() AS articles, countIf(paywalled = 1) AS premium
          FROM nhip.v_articles WHERE agency_id = '${AGENCY}' GROUP BY section ORDER BY articles DESC`,
  },
  {
    name: 'v_article_daily',
    what: 'top 20 articles of the last 7 days by pageviews',
    sql: `SELECT site_id, article_id, any(title) AS article_title, sum(pageviews) AS views,
                 round(sum(engaged_ms) / 1000 / views, 1) AS engaged_s_per_view
          FROM nhip.v_article_daily
          WHERE agency_id = '${AGENCY}' AND day >= toDate(now(), 'Asia/Ho_Chi_Minh') - 7
          GROUP BY site_id, article_id ORDER BY views DESC LIMIT 20`,
  },
  {
    name: 'v_traffic_sources',
    what: 'pageviews by referrer class and source, last 7 days',
    sql: `SELECT referrer_class, referrer_source, sum(pageviews) AS views
          FROM nhip.v_traffic_sources
          WHERE agency_id = '${AGENCY}' AND day >= toDate(now(), 'Asia/Ho_Chi_Minh') - 7
          GROUP BY referrer_class, referrer_source ORDER BY views DESC`,
  },
  {
    name: 'v_sessions',
    what: 'sessions, pages per session and median duration per day, last 7 days',
    sql: `SELECT day, count() AS session_count, round(avg(pageviews), 2) AS pages, round(median(duration_s)) AS median_s
          FROM nhip.v_sessions
          WHERE agency_id = '${AGENCY}' AND day >= toDate(now(), 'Asia/Ho_Chi_Minh') - 7
          GROUP BY day ORDER BY day`,
  },
  {
    name: 'v_engagement',
    what: 'engaged time, read-complete and bounce rate per section, last 7 days',
    sql: `SELECT section, sum(pageviews) AS views, round(sum(engaged_ms) / 1000 / views, 1) AS engaged_s_per_view,
                 round(sum(read_completes) / views, 3) AS read_complete_rate,
                 round(sum(bounces) / nullIf(sum(landing_sessions), 0), 3) AS bounce_rate
          FROM nhip.v_engagement
          WHERE agency_id = '${AGENCY}' AND day >= toDate(now(), 'Asia/Ho_Chi_Minh') - 7
          GROUP BY section ORDER BY views DESC`,
  },
  {
    name: 'v_paywall_funnel',
    what: 'paywall funnel per day, last 30 days',
    sql: `SELECT day, sum(paywall_shown) AS shown, sum(subscribe_start) AS started, sum(subscribe_complete) AS completed
          FROM nhip.v_paywall_funnel
          WHERE agency_id = '${AGENCY}' AND day >= toDate(now(), 'Asia/Ho_Chi_Minh') - 30
          GROUP BY day ORDER BY day`,
  },
]

/** Short metric names for the documented questions, by their number in docs/analysts.md. */
const QUESTION_NAMES: Record<number, string> = {
  1: 'q01_top_engaged_articles',
  2: 'q02_zalo_share_by_section',
  3: 'q03_paywall_conversion',
  4: 'q04_best_publish_hour',
  5: 'q05_mobile_share',
  6: 'q06_pages_and_bounces',
  7: 'q07_read_to_end_by_author',
  8: 'q08_baomoi_growth',
  9: 'q09_reader_provinces',
  10: 'q10_clicks_not_reading',
}

/** The ```sql blocks of docs/analysts.md with the heading they sit under (as the doc's own test reads them). */
function docQueries(): Query[] {
  const lines = readFileSync(DOC, 'utf8').split('\n')
  const out: Query[] = []
  let heading = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '')
    if (line.trim() !== '```sql') continue
    const body: string[] = []
    for (i++; i < lines.length && lines[i]?.trim() !== '```'; i++) body.push(lines[i] ?? '')
    const sql = body
      .join('\n')
      .trim()
      .replace(/;$/, '')
      .replaceAll("agency_id = 'lamdong'", `agency_id = '${AGENCY}'`)
    const number = /^(\d+)\. /.exec(heading)?.[1]
    const name = number
      ? (QUESTION_NAMES[Number(number)] ?? `q${number.padStart(2, '0')}`)
      : `doc_example_${out.length + 1}`
    out.push({ name, what: heading.replace(/[`]/g, ''), sql })
  }
  return out
}

interface Timed extends Query {
  rows: number
  coldMs: number
  warmMs: number
  warmRuns: number[]
}

async function timeQuery(ch: ClickHouse, q: Query): Promise<Timed> {
  const once = async () => {
    const t = performance.now()
    const rs = await ch.client.query({ query: q.sql, format: 'JSONEachRow' })
    const got = await rs.json()
    return { ms: performance.now() - t, rows: got.length }
  }
  const cold = await once()
  const warm: number[] = []
  for (let i = 0; i < WARM_RUNS; i++) warm.push((await once()).ms)
  return { ...q, rows: cold.rows, coldMs: cold.ms, warmMs: median(warm), warmRuns: warm }
}

async function scalar(ch: ClickHouse, sql: string): Promise<number> {
  const rs = await ch.client.query({ query: sql, format: 'JSONEachRow' })
  const [row] = await rs.json<Record<string, string | number>>()
  return Number(Object.values(row ?? {})[0] ?? Number.NaN)
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

function markdown(
  runs: BackfillRun[],
  full: BackfillRun,
  timed: Timed[],
  notes: { revision: string; load: string; ratios: string[] },
): string {
  const lines = [
    '# Analyst query benchmark',
    '',
    `\`npm run bench:queries\` — ${new Date().toISOString().slice(0, 10)}, code ${notes.revision}, ` +
      `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), shared machine (load ${notes.load}).`,
    'Embedded chDB engine; timings are wall-clock through `@clickhouse/client`, result rows parsed.',
    '',
    '## Back-fill',
    '',
    'CPU-s = CPU time of the back-fill process while writing, all threads (the embedded engine runs in it); ' +
      'load = 1-minute load average sampled every 15 s during the run (min – max).',
    '',
    '| run | events | write s | events/s | CPU-s | events per CPU-s | load |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...[...runs, full].map(
      (r) =>
        `| ${r.label} | ${fmt(r.events)} | ${r.writeSeconds.toFixed(1)} | ${fmt(r.eventsPerS)} | ` +
        `${r.cpuSeconds.toFixed(1)} | ${fmt(r.eventsPerCpuS)} | ${r.load.min.toFixed(1)} – ${r.load.max.toFixed(1)} |`,
    ),
    '',
    ...notes.ratios,
    `Target ${fmt(TARGET_EVENTS_PER_S)} events/s: ${full.eventsPerS >= TARGET_EVENTS_PER_S ? 'met' : '**not met**'} ` +
      `(${fmt(full.eventsPerS)} events/s at a load of ${full.load.min.toFixed(1)} – ${full.load.max.toFixed(1)} on ` +
      `${os.cpus().length} cores; ${fmt(full.eventsPerCpuS)} events per CPU-second, so even two idle cores would ` +
      `give at most ${fmt(full.eventsPerCpuS * os.cpus().length)} events/s).`,
    '',
    `## Queries over ${fmt(full.events)} events (cold = first run, warm = median of ${WARM_RUNS})`,
    '',
    '| query | what | rows | cold ms | warm ms | ≤ 1 s warm |',
    '|---|---|---:|---:|---:|:---:|',
    ...timed.map(
      (t) =>
        `| \`${t.name}\` | ${t.what.replaceAll('|', '\\|')} | ${t.rows} | ${fmt(t.coldMs)} | ${fmt(t.warmMs)} | ${t.warmMs <= TARGET_WARM_MS ? 'yes' : '**no**'} |`,
    ),
    '',
    `Slowest warm median: ${fmt(Math.max(...timed.map((t) => t.warmMs)))} ms (target ${TARGET_WARM_MS} ms). ` +
      "The documented questions are read from docs/analysts.md with its example agency replaced by the simulator's " +
      `\`${AGENCY}\`.`,
    '',
  ]
  return lines.join('\n')
}

async function main(): Promise<void> {
  if (args.phase === 'baseline') {
    const dataDir = args['data-dir']
    if (!dataDir || !args['end-day']) throw new Error('--phase baseline needs --data-dir and --end-day')
    await legacyBaseline(dataDir, wholeNumber('days', args.days, 1), Number(args.scale), args['end-day'])
    return
  }
  const events = wholeNumber('events', args.events, 1000)
  const days = wholeNumber('days', args.days, 1)
  const baselineEvents = wholeNumber('baseline-events', args['baseline-events'], 1000)
  const root = args['data-dir'] ?? path.join(os.tmpdir(), `nhip-bench-queries-${process.pid}`)
  const endDay = yesterday()
  const revision = codeRevision()
  const loadStart = loadAverage()
  mkdirSync(root, { recursive: true })
  progress(`data under ${root}; load average ${loadStart}`)

  const fullDir = path.join(root, 'full')
  const runsFile = path.join(root, 'backfill-runs.json')
  let runs: BackfillRun[] = []
  let full: BackfillRun
  let scale = scaleFor(events, days)
  if (args['queries-only']) {
    const kept = JSON.parse(readFileSync(runsFile, 'utf8')) as {
      runs: BackfillRun[]
      full: BackfillRun
      scale: number
    }
    ;({ runs, full, scale } = kept)
    progress(`queries only, on ${fullDir} (${fmt(full.events)} events back-filled earlier)`)
  } else {
    if (!args['skip-baselines']) {
      const sliceDays = Math.min(days, 6)
      const sliceScale = scaleFor(baselineEvents, sliceDays)
      const slice = { days: sliceDays, scale: sliceScale, endDay }
      for (const [label, run] of [
        [
          'legacy per-batch (slice)',
          (dir: string) => legacyCli('legacy per-batch (slice)', dir, sliceDays, sliceScale, endDay),
        ],
        [
          'nhip simulate (slice)',
          (dir: string) => simulateCli('nhip simulate (slice)', dir, { ...slice, direct: false }),
        ],
        [
          'nhip simulate --direct (slice)',
          (dir: string) => simulateCli('nhip simulate --direct (slice)', dir, { ...slice, direct: true }),
        ],
      ] as const) {
        const dir = path.join(root, `slice-${runs.length}`)
        rmSync(dir, { recursive: true, force: true })
        progress(`${label}: ${sliceDays} days at scale ${sliceScale}`)
        const r = await run(dir)
        progress(
          `${label}: ${fmt(r.events)} events in ${r.writeSeconds.toFixed(1)} s → ${fmt(r.eventsPerS)} events/s`,
        )
        runs.push(r)
        rmSync(dir, { recursive: true, force: true })
      }
    }

    rmSync(fullDir, { recursive: true, force: true })
    progress(`full back-fill: ${days} days ending ${endDay} at scale ${scale} (about ${fmt(events)} events)`)
    full = await simulateCli('nhip simulate --direct (full)', fullDir, {
      days,
      scale,
      endDay,
      direct: true,
    })
    progress(
      `full back-fill: ${fmt(full.events)} events in ${full.writeSeconds.toFixed(1)} s → ${fmt(full.eventsPerS)} events/s`,
    )
    writeFileSync(runsFile, JSON.stringify({ runs, full, scale }))
  }
  const truth = JSON.parse(
    readFileSync(path.join(fullDir, 'simulator', `ground-truth-seed${SEED}.json`), 'utf8'),
  ) as {
    totals: { events: number; pageviews: number }
  }
  const ch = await openClickHouse(
    { kind: 'embedded', path: path.join(fullDir, 'clickhouse'), database: 'nhip' },
    { command: 'bench:queries' },
  )
  const timed: Timed[] = []
  let stored = 0
  try {
    const queries = [...VIEW_QUERIES, ...docQueries()]
    for (const q of queries) {
      const t = await timeQuery(ch, q)
      progress(`${t.name}: ${t.rows} rows, cold ${fmt(t.coldMs)} ms, warm median ${fmt(t.warmMs)} ms`)
      timed.push(t)
    }
    stored = await scalar(ch, 'SELECT count() FROM nhip.events')
    const pageviews = await scalar(ch, 'SELECT sum(pageviews) FROM nhip.rollup_site_hourly')
    if (stored !== truth.totals.events || pageviews !== truth.totals.pageviews) {
      throw new Error(
        `ClickHouse holds ${stored} events and ${pageviews} reader pageviews; the simulator made ${truth.totals.events} and ${truth.totals.pageviews}`,
      )
    }
  } finally {
    await ch.close()
  }
  if (!args.keep) rmSync(root, { recursive: true, force: true })

  const legacy = runs.find((r) => r.label.startsWith('legacy'))
  const direct = runs.find((r) => r.label.includes('--direct'))
  const byDefault = runs.find((r) => r.label === 'nhip simulate (slice)')
  const metrics: Record<string, number> = {
    backfill_events_per_s: full.eventsPerS,
    backfill_events_per_cpu_s: full.eventsPerCpuS,
    backfill_events: full.events,
    backfill_write_s: full.writeSeconds,
    backfill_cpu_s: full.cpuSeconds,
    backfill_total_s: full.totalSeconds,
    backfill_load_1m_median: full.load.median,
    backfill_load_1m_max: full.load.max,
    max_warm_median_ms: Math.max(...timed.map((t) => t.warmMs)),
    queries_over_1s_warm: timed.filter((t) => t.warmMs > TARGET_WARM_MS).length,
  }
  const ratios: string[] = []
  if (legacy) {
    metrics.baseline_legacy_events_per_s = legacy.eventsPerS
    metrics.baseline_legacy_events_per_cpu_s = legacy.eventsPerCpuS
    metrics.backfill_vs_legacy_ratio = full.eventsPerS / legacy.eventsPerS
  }
  if (byDefault) {
    metrics.baseline_default_events_per_s = byDefault.eventsPerS
    metrics.baseline_default_events_per_cpu_s = byDefault.eventsPerCpuS
  }
  if (direct) {
    metrics.slice_direct_events_per_s = direct.eventsPerS
    metrics.slice_direct_events_per_cpu_s = direct.eventsPerCpuS
  }
  // Same slice, same run: the ratios that survive a busy machine best are those of CPU time.
  for (const [base, key] of [
    [legacy, 'legacy'],
    [byDefault, 'default'],
  ] as const) {
    if (!base || !direct) continue
    metrics[`slice_direct_vs_${key}_ratio`] = direct.eventsPerS / base.eventsPerS
    metrics[`slice_direct_vs_${key}_cpu_ratio`] = direct.eventsPerCpuS / base.eventsPerCpuS
    ratios.push(
      `On the same slice, \`--direct\` vs ${base.label.replace(/ \(slice\)$/, '')}: ×${(direct.eventsPerS / base.eventsPerS).toFixed(2)} ` +
        `in events/s, ×${(direct.eventsPerCpuS / base.eventsPerCpuS).toFixed(2)} in events per CPU-second.`,
    )
  }
  if (ratios.length) ratios.push('')
  for (const t of timed) {
    metrics[`q_${t.name}_warm_ms`] = t.warmMs
    metrics[`q_${t.name}_cold_ms`] = t.coldMs
  }
  const loadEnd = loadAverage()

  printTable(
    'Back-fill',
    [...runs, full].map((r) => ({
      run: r.label,
      events: r.events,
      write_s: Number(r.writeSeconds.toFixed(1)),
      events_per_s: Math.round(r.eventsPerS),
    })),
  )
  printTable(
    `Queries over ${fmt(full.events)} events`,
    timed.map((t) => ({
      query: t.name,
      rows: t.rows,
      cold_ms: Math.round(t.coldMs),
      warm_ms: Math.round(t.warmMs),
    })),
  )
  writeResult(
    'queries',
    metrics,
    `Code ${revision}. Back-fill: nhip simulate --direct --seed ${SEED} --days ${days} --scale ${scale} --end-day ${endDay} ` +
      `into a fresh embedded data dir (simulator events as contract objects → transform pipeline after parse/validate → ` +
      `event writer, in one process, 100 000 records per write, two writes in flight, Native-format inserts, duplicate ` +
      `check by key range and ts window); events/s over the CLI's write phase, events per CPU-s over the process CPU ` +
      `time (all threads) of that phase; ` +
      `${fmt(stored)} events in ClickHouse = the ground truth. Baselines on a ${fmt(baselineEvents)}-event slice in the same run: ` +
      `legacy = 10 000-record deliveries with the earlier writer mechanics (event_id IN lookups of 5 000 ids, JSONEachRow ` +
      `inserts of 5 000 rows); default = nhip simulate without --direct. Queries: ${VIEW_QUERIES.length} analyst views and ` +
      `the SQL blocks of docs/analysts.md (agency 'lamdong' → '${AGENCY}'), cold = first run after opening the engine, ` +
      `warm = median of ${WARM_RUNS}. Shared 2-core VM: load average ${loadStart} at start, ${loadEnd} at end; 1-minute ` +
      `load during the full back-fill ${full.load.min.toFixed(1)} – ${full.load.max.toFixed(1)} (median ${full.load.median.toFixed(1)}).`,
  )
  const md = markdown(runs, full, timed, { revision, load: `${loadStart} → ${loadEnd}`, ratios })
  writeFileSync(path.join(RESULTS_DIR, 'queries.md'), md)
  progress('markdown table written to bench/results/queries.md')
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:queries failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  )
  process.exit(1)
})
