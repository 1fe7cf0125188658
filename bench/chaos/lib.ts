// What every fault drill (and the soak) is made of: real processes — Kafka broker JVMs from the Maven jars,
// `nhip serve` (collector) and `nhip transform` (worker) as child processes with their own data dirs and
// embedded ClickHouse — under steady tracker traffic whose every event id is numbered, so the end of a drill
// can account for each event the collector acknowledged: accepted = distinct event_ids in ClickHouse, and
// count − uniqExact = 0. Benchmarks are composition roots, so building child environments here is deliberate.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Admin, Kafka } from 'kafkajs'
import { type ClickHouse, openClickHouse } from '../../infra/clickhouse/client.ts'
import { loadConfig } from '../../infra/config.ts'
import { findFreePortBlock, type KafkaClusterHandle, startKafkaCluster } from '../../infra/kafka/broker.ts'
import { createKafka } from '../../infra/kafka/client.ts'
import { createLogger } from '../../infra/logger.ts'
import { aReaderHeaders, aTrackerBatch, type TrafficSite } from '../lib/browser-traffic.ts'
import { machineInfo, RESULTS_DIR } from '../lib/harness.ts'
import { progress, sleep } from '../lib/progress.ts'
import { groupLag, topicEnd } from '../lib/services.ts'
import { Teardown } from '../lib/teardown.ts'

export { progress, sleep }

const NHIP = fileURLToPath(new URL('../../bin/nhip', import.meta.url))
export const CHAOS_SITE: TrafficSite = { site_id: 'chaos', domain: 'chaos.vn' }
export const CHAOS_GROUP = 'nhip-transform-chaos'
const TOPIC_PREFIX = 'chaos.'
const EVENTS_TOPIC = `${TOPIC_PREFIX}events`

/** Thrown when a drill's own expectation fails (not a loss: that is counted by {@link verifyEvents}). */
export class DrillFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

/** A `nhip` child process whose stdout and stderr (pino JSON) go to a log file. */
export interface NhipProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  running(): boolean
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>
  /** SIGTERM (graceful), SIGKILL after `graceMs`; resolves with the exit. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** The environment of a child: ours only (no NHIP_/KAFKA_/CLICKHOUSE_ variables leak from the caller). */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NHIP_|KAFKA_|CLICKHOUSE_|LOG_LEVEL$)/.test(k)),
  )
  return { ...base, ...env }
}

/** Starts `nhip <args>`; the launcher runs the CLI in the same node process, so `pid` is the service itself. */
export function spawnNhip(
  name: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
): NhipProcess {
  const fd = fs.openSync(logFile, 'a')
  const child = spawn(NHIP, args, { env: childEnv(env), stdio: ['ignore', fd, fd] })
  fs.closeSync(fd)
  if (child.pid === undefined) throw new Error(`could not start nhip ${args.join(' ')}`)
  const pid = child.pid
  let alive = true
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false
      resolve({ code, signal })
    })
  })
  progress(`${name}: started pid ${pid} (nhip ${args.join(' ')}), log ${logFile}`)
  return {
    name,
    pid,
    logFile,
    child,
    exited,
    running: () => alive,
    async kill() {
      if (!alive) return
      process.kill(pid, 'SIGKILL')
      await exited
      progress(`${name}: pid ${pid} SIGKILLed`)
    },
    async stop(graceMs = 60_000) {
      if (!alive) return exited
      process.kill(pid, 'SIGTERM')
      const timer = setTimeout(() => {
        if (alive) {
          progress(`${name}: pid ${pid} still running ${graceMs / 1000}s after SIGTERM; SIGKILL`)
          process.kill(pid, 'SIGKILL')
        }
      }, graceMs)
      const end = await exited
      clearTimeout(timer)
      progress(`${name}: pid ${pid} exited (code ${end.code}, signal ${end.signal})`)
      return end
    },
  }
}

/** Runs `nhip <args>` to completion; throws with its output when it fails. */
export async function runNhip(args: string[], env: Record<string, string>, logFile: string): Promise<void> {
  const p = spawnNhip(`nhip ${args[0]}`, args, env, logFile)
  const end = await p.exited
  if (end.code !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')
    throw new Error(`nhip ${args.join(' ')} failed (code ${end.code}, signal ${end.signal}):\n${tail}`)
  }
}

/** Resident set size of `pid` in MiB (NaN when the process is gone). */
export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m?.[1] ? Number(m[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** Error-level (pino level ≥ 50) lines of a service log, with the first few messages. */
export function errorLines(logFile: string): { count: number; samples: string[] } {
  if (!fs.existsSync(logFile)) return { count: 0, samples: [] }
  let count = 0
  const samples: string[] = []
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } }
      if ((entry.level ?? 0) >= 50) {
        count++
        if (samples.length < 5)
          samples.push(`${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`)
      }
    } catch {
      // not a log line (e.g. the start banner)
    }
  }
  return { count, samples }
}

// ---------------------------------------------------------------------------------------------
// Steady traffic with numbered event ids
// ---------------------------------------------------------------------------------------------

const PENDING = 1
const ACCEPTED = 2

interface Batch {
  first: number
  n: number
  body: string
  headers: Record<string, string>
  attempts: number
  notBefore: number
}

export interface LoadStats {
  /** Events put into batches (each once, however often its batch was retried). */
  sent: number
  /** Events the collector acknowledged with 2xx. */
  accepted: number
  /** Events refused for good (a 4xx other than 429) — a drill failure: the traffic is valid. */
  rejected: number
  requests: number
  /** Answers by status ('network' for connection errors and timeouts). */
  statuses: Record<string, number>
  /** Batches waiting for a (re)try or in flight. */
  pending: number
}

/**
 * Tracker batches at a fixed rate to `POST /e`, each event id `TAG-0000-4000-8000-<seq hex>`. Like the
 * tracker, a batch that got no 2xx (network error, 429, 5xx/503) is retried with the same ids after
 * Retry-After (capped at `maxRetryAfterS` to keep drills short) — so the collector may see an event twice and
 * must store it once, and every event is eventually accepted unless the service is broken.
 */
export class SteadyLoad {
  readonly tag = randomBytes(4).toString('hex')
  private state = new Uint8Array(1 << 16)
  private readonly queue: Batch[] = []
  private inFlight = 0
  private created = 0
  private t0 = 0
  private timer: NodeJS.Timeout | undefined
  private creating = false
  readonly stats: LoadStats = { sent: 0, accepted: 0, rejected: 0, requests: 0, statuses: {}, pending: 0 }
  private readonly rejections: string[] = []

  constructor(
    private readonly opts: {
      url: string
      ratePerS: number
      batchEvents?: number
      maxInFlight?: number
      maxRetryAfterS?: number
      site?: TrafficSite
    },
  ) {}

  /** The event id of sequence number `seq`. */
  idOf(seq: number): string {
    return `${this.tag}-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`
  }

  private get batchEvents(): number {
    return this.opts.batchEvents ?? 20
  }

  start(): void {
    this.t0 = performance.now()
    this.creating = true
    this.timer = setInterval(() => this.tick(), 20)
  }

  /** Points the traffic at another collector address (a restarted collector may listen elsewhere). */
  retarget(url: string): void {
    this.opts.url = url
  }

  private makeBatch(): Batch {
    let seq = this.stats.sent
    if (seq + this.batchEvents > this.state.length) {
      const grown = new Uint8Array(this.state.length * 2)
      grown.set(this.state)
      this.state = grown
    }
    const first = seq
    const { body } = aTrackerBatch(this.opts.site ?? CHAOS_SITE, this.batchEvents, Date.now(), () =>
      this.idOf(seq++),
    )
    for (let s = first; s < seq; s++) this.state[s] = PENDING
    this.stats.sent = seq
    return {
      first,
      n: seq - first,
      body,
      headers: aReaderHeaders(this.opts.site ?? CHAOS_SITE),
      attempts: 0,
      notBefore: 0,
    }
  }

  private tick(): void {
    if (this.creating) {
      const due = Math.floor(((performance.now() - this.t0) / 1000) * (this.opts.ratePerS / this.batchEvents))
      for (; this.created < due; this.created++) this.queue.push(this.makeBatch())
    }
    const now = Date.now()
    const max = this.opts.maxInFlight ?? 64
    for (let i = 0; i < this.queue.length && this.inFlight < max; ) {
      const b = this.queue[i] as Batch
      if (b.notBefore > now) {
        i++
        continue
      }
      this.queue.splice(i, 1)
      this.send(b)
    }
    this.stats.pending = this.queue.length + this.inFlight
  }

  private retryLater(b: Batch, status: string, retryAfterS: number): void {
    this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1
    const capped = Math.min(retryAfterS, this.opts.maxRetryAfterS ?? 5)
    b.notBefore = Date.now() + Math.max(250, capped * 1000)
    this.queue.push(b)
  }

  private send(b: Batch): void {
    this.inFlight++
    this.stats.requests++
    b.attempts++
    fetch(`${this.opts.url}/e`, {
      method: 'POST',
      headers: b.headers,
      body: b.body,
      signal: AbortSignal.timeout(30_000),
    })
      .then(async (res) => {
        const text = await res.text()
        if (res.status >= 200 && res.status < 300) {
          this.stats.statuses[String(res.status)] = (this.stats.statuses[String(res.status)] ?? 0) + 1
          for (let s = b.first; s < b.first + b.n; s++) {
            if (this.state[s] !== ACCEPTED) {
              this.state[s] = ACCEPTED
              this.stats.accepted++
            }
          }
        } else if (res.status === 429 || res.status >= 500) {
          this.retryLater(b, String(res.status), Number(res.headers.get('retry-after') ?? '1') || 1)
        } else {
          this.stats.statuses[String(res.status)] = (this.stats.statuses[String(res.status)] ?? 0) + 1
          this.stats.rejected += b.n
          if (this.rejections.length < 5) this.rejections.push(`HTTP ${res.status}: ${text.slice(0, 300)}`)
        }
      })
      .catch(() => this.retryLater(b, 'network', 1))
      .finally(() => {
        this.inFlight--
      })
  }

  /** Answers with this status (or 'network') so far. */
  count(status: string): number {
    return this.stats.statuses[status] ?? 0
  }

  /** The first few permanent refusals, for the report. */
  refusals(): string[] {
    return [...this.rejections]
  }

  /**
   * Stops creating batches and waits until every batch was accepted (retrying as needed) or `timeoutMs` passed.
   * @returns true when nothing is left unaccepted.
   */
  async finish(timeoutMs: number): Promise<boolean> {
    this.creating = false
    const deadline = Date.now() + timeoutMs
    while ((this.queue.length > 0 || this.inFlight > 0) && Date.now() < deadline) await sleep(100)
    clearInterval(this.timer)
    this.stats.pending = this.queue.length + this.inFlight
    return this.stats.pending === 0
  }

  /** Sequence numbers sent but never accepted (after `finish`). */
  unaccepted(): number[] {
    const out: number[] = []
    for (let s = 0; s < this.stats.sent; s++) if (this.state[s] !== ACCEPTED) out.push(s)
    return out
  }

  isAccepted(seq: number): boolean {
    return this.state[seq] === ACCEPTED
  }
}

// ---------------------------------------------------------------------------------------------
// Accounting
// ---------------------------------------------------------------------------------------------

export interface EventAccount {
  /** Events the collector acknowledged. */
  accepted: number
  /** Rows in `events` carrying this run's ids (count()). */
  stored_rows: number
  /** Distinct event ids among them (uniqExact). */
  stored_distinct: number
  /** Acknowledged events not in ClickHouse. */
  lost: number
  /** stored_rows − stored_distinct. */
  duplicates: number
  /** Stored ids this run never sent (must be 0). */
  unknown_ids: number
  /** Sent, never acknowledged (the drill gave up retrying); stored or not, they are not counted as lost. */
  unaccepted: number
  /** Rows in `events` that are not from this run's traffic. */
  other_rows: number
  /** Rollup check: sum(pageviews) of rollup_article_hourly = reader pageviews in events. */
  rollup_pageviews: number
  event_pageviews: number
  /** Some lost sequence numbers, for the report. */
  lost_examples: number[]
}

const SEQ = 'reinterpretAsUInt64(reverse(unhex(substring(toString(event_id), 25, 12))))'

/**
 * Counts what ClickHouse holds of the load's events. `accepted = stored_distinct` (no loss) and
 * `duplicates = 0` are the drill's verdict.
 */
export async function verifyEvents(ch: ClickHouse, load: SteadyLoad): Promise<EventAccount> {
  const db = ch.database
  const unaccepted = load.unaccepted()
  const q = async <T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> =>
    (await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
  const [t] = await q<{ n: string; u: string; mx: string | null; su: string; other: string }>(
    `SELECT countIf(ours) AS n, uniqExactIf(event_id, ours) AS u, maxIf(seq, ours) AS mx,
            uniqExactIf(seq, ours AND has({un:Array(UInt64)}, seq)) AS su, countIf(NOT ours) AS other
     FROM (SELECT event_id, startsWith(toString(event_id), {tag:String}) AS ours, ${SEQ} AS seq FROM ${db}.events)`,
    { tag: `${load.tag}-`, un: unaccepted },
  )
  const rows = Number(t?.n ?? 0)
  const distinct = Number(t?.u ?? 0)
  const storedUnaccepted = Number(t?.su ?? 0)
  const accepted = load.stats.accepted
  const lost = accepted - (distinct - storedUnaccepted)
  const [unknown] = await q<{ n: string }>(
    `SELECT count() AS n FROM ${db}.events WHERE startsWith(toString(event_id), {tag:String}) AND ${SEQ} >= {sent:UInt64}`,
    { tag: `${load.tag}-`, sent: load.stats.sent },
  )
  const lostExamples: number[] = []
  if (lost > 0) {
    const stored = await q<{ seq: string }>(
      `SELECT DISTINCT ${SEQ} AS seq FROM ${db}.events WHERE startsWith(toString(event_id), {tag:String})`,
      { tag: `${load.tag}-` },
    )
    const have = new Set(stored.map((r) => Number(r.seq)))
    for (let s = 0; s < load.stats.sent && lostExamples.length < 10; s++)
      if (load.isAccepted(s) && !have.has(s)) lostExamples.push(s)
  }
  const [pv] = await q<{ r: string }>(`SELECT sum(pageviews) AS r FROM ${db}.rollup_article_hourly`)
  const [ev] = await q<{ e: string }>(
    `SELECT countIf(type = 'pageview' AND is_bot = 0 AND article_id != '') AS e FROM ${db}.events`,
  )
  return {
    accepted,
    stored_rows: rows,
    stored_distinct: distinct,
    lost,
    duplicates: rows - distinct,
    unknown_ids: Number(unknown?.n ?? 0),
    unaccepted: unaccepted.length,
    other_rows: Number(t?.other ?? 0),
    rollup_pageviews: Number(pv?.r ?? 0),
    event_pageviews: Number(ev?.e ?? 0),
    lost_examples: lostExamples,
  }
}

// ---------------------------------------------------------------------------------------------
// A drill: its directory, services, traffic, checks and verdict
// ---------------------------------------------------------------------------------------------

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export interface DrillResult {
  name: string
  title: string
  ok: boolean
  seconds: number
  account?: EventAccount
  checks: Check[]
  load?: LoadStats
  error_log_lines: Record<string, number>
  error_samples: string[]
  failure?: string
  notes: string[]
  metrics?: Record<string, number>
}

export interface DrillOptions {
  brokers?: 1 | 3
  /** Extra env for both services. */
  env?: Record<string, string>
  collectorEnv?: Record<string, string>
  workerEnv?: Record<string, string>
  /** Extra env for the first worker only (e.g. a crash fault hook). */
  firstWorkerEnv?: Record<string, string>
  /** Do not wait for the first worker to join the group (it may be meant to crash). */
  firstWorkerDetached?: boolean
}

/** One fault drill's world. Create it with {@link runDrill}. */
export class Drill {
  readonly dir: string
  readonly teardown: Teardown
  readonly checks: Check[] = []
  readonly notes: string[] = []
  /** Measurements a drill reports without judging them (e.g. a stall in seconds). */
  readonly metrics: Record<string, number> = {}
  readonly logs: string[] = []
  kafka!: KafkaClusterHandle
  kafkaClient!: Kafka
  admin!: Admin
  collector: NhipProcess | undefined
  worker: NhipProcess | undefined
  load: SteadyLoad | undefined
  collectorPort = 0
  workerPort = 0
  private workerStarts = 0
  private collectorStarts = 0

  constructor(
    readonly name: string,
    readonly opts: DrillOptions,
    teardown: Teardown,
  ) {
    this.dir = path.join(process.env.NHIP_CHAOS_DIR ?? '/tmp/chaos-data', `${name}-${process.pid}`)
    fs.rmSync(this.dir, { recursive: true, force: true })
    fs.mkdirSync(this.dir, { recursive: true })
    this.teardown = teardown
  }

  get url(): string {
    return `http://127.0.0.1:${this.collectorPort}`
  }

  /** Records a named expectation; a failed one fails the drill. */
  check(name: string, ok: boolean, detail: string): boolean {
    this.checks.push({ name, ok, detail })
    progress(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`)
    return ok
  }

  metric(name: string, value: number): void {
    this.metrics[name] = value
  }

  note(line: string): void {
    this.notes.push(line)
    progress(line)
  }

  env(role: 'collector' | 'worker'): Record<string, string> {
    return {
      KAFKA_BROKERS: this.kafka.brokers.join(','),
      KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
      KAFKA_EVENTS_PARTITIONS: '3',
      KAFKA_REPLICATION_FACTOR: String(this.opts.brokers ?? 1),
      NHIP_TRANSFORM_GROUP: CHAOS_GROUP,
      NHIP_BATCH_ROWS: '2000',
      NHIP_FLUSH_MS: '200',
      NHIP_TRUST_PROXY: '1',
      NHIP_IP_RATE_PER_S: '100000',
      NHIP_SITE_RATE_PER_S: '100000',
      LOG_LEVEL: 'info',
      NHIP_HOST: '127.0.0.1',
      NHIP_DATA_DIR: path.join(this.dir, role),
      NHIP_PORT: String(role === 'collector' ? this.collectorPort : this.workerPort),
      ...this.opts.env,
      ...(role === 'collector' ? this.opts.collectorEnv : this.opts.workerEnv),
    }
  }

  /** Starts Kafka, registers the site in the collector's ClickHouse, starts both services and waits until they serve. */
  async setUp(): Promise<void> {
    const brokers = this.opts.brokers ?? 1
    const basePort = await findFreePortBlock(brokers)
    const controllerBasePort = await findFreePortBlock(brokers)
    this.kafka = await startKafkaCluster({
      dataDir: path.join(this.dir, 'kafka'),
      brokers,
      basePort,
      controllerBasePort,
      heapMb: brokers === 3 ? 512 : 768,
      log: (line) => progress(`kafka: ${line}`),
    })
    this.teardown.add(() => this.kafka.stop())
    const cfg = loadConfig({ KAFKA_BROKERS: this.kafka.brokers.join(',') }).kafka
    if (!cfg) throw new Error('no Kafka config')
    this.kafkaClient = createKafka(cfg, createLogger({ level: 'silent' }), {
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    })
    this.admin = this.kafkaClient.admin()
    await this.admin.connect()
    this.teardown.add(() => this.admin.disconnect())
    this.collectorPort = await findFreePortBlock(1)
    this.workerPort = await findFreePortBlock(1)
    await runNhip(
      [
        'sites',
        'add',
        '--agency',
        'chaos-agency',
        '--site',
        CHAOS_SITE.site_id,
        '--domain',
        CHAOS_SITE.domain,
      ],
      this.env('collector'),
      path.join(this.dir, 'sites-add.log'),
    )
    await Promise.all([
      this.startCollector(),
      this.startWorker(this.opts.firstWorkerEnv ?? {}, !this.opts.firstWorkerDetached),
    ])
  }

  /** Starts (or restarts) `nhip serve` and waits until it answers /healthz. */
  async startCollector(): Promise<NhipProcess> {
    const n = ++this.collectorStarts
    const logFile = path.join(this.dir, `collector-${n}.log`)
    this.logs.push(logFile)
    const p = spawnNhip(`collector#${n}`, ['serve'], this.env('collector'), logFile)
    this.collector = p
    this.teardown.add(async () => {
      await p.stop(10_000)
    })
    await waitForHttp(`${this.url}/healthz`, p, 180_000)
    progress(`collector#${n}: serving at ${this.url}`)
    return p
  }

  /** Starts (or restarts) `nhip transform`; waits until it answers /healthz and the group has a member. */
  async startWorker(extraEnv: Record<string, string> = {}, waitJoined = true): Promise<NhipProcess> {
    const n = ++this.workerStarts
    const logFile = path.join(this.dir, `worker-${n}.log`)
    this.logs.push(logFile)
    const p = spawnNhip(`worker#${n}`, ['transform'], { ...this.env('worker'), ...extraEnv }, logFile)
    this.worker = p
    this.teardown.add(async () => {
      await p.stop(10_000)
    })
    await waitForHttp(`http://127.0.0.1:${this.workerPort}/healthz`, p, 180_000)
    if (waitJoined) await this.waitForMembers(1, p)
    return p
  }

  async waitForMembers(n: number, p?: NhipProcess, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const { groups } = await this.admin.describeGroups([CHAOS_GROUP])
        const g = groups[0]
        if (g && g.state === 'Stable' && g.members.length >= n) return
      } catch {
        // the coordinator may be moving
      }
      if (p && !p.running()) throw new DrillFailure(`${p.name} exited while joining the group`)
      if (Date.now() > deadline)
        throw new DrillFailure(`the consumer group has no ${n} stable member(s) after ${timeoutMs / 1000}s`)
      await sleep(500)
    }
  }

  /** Steady traffic to the collector. */
  startLoad(ratePerS: number, opts: { maxRetryAfterS?: number } = {}): SteadyLoad {
    this.load = new SteadyLoad({ url: this.url, ratePerS, ...opts })
    this.load.start()
    progress(
      `traffic: ${ratePerS} events/s in 20-event tracker batches, ids ${this.load.tag}-0000-4000-8000-<seq>`,
    )
    return this.load
  }

  /** Waits `ms` while printing the traffic's progress every 5 s. */
  async phase(label: string, ms: number): Promise<void> {
    const end = Date.now() + ms
    while (Date.now() < end) {
      await sleep(Math.min(5000, end - Date.now()))
      const s = this.load?.stats
      if (s)
        progress(
          `  [${label}] sent ${s.sent}, accepted ${s.accepted}, pending batches ${s.pending}, answers ${JSON.stringify(s.statuses)}`,
        )
    }
  }

  /** The collector's /healthz body (spool backlog included), or undefined when it does not answer. */
  async collectorHealth(): Promise<
    { status: string; spool?: { records: number; bytes: number } } | undefined
  > {
    try {
      const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5000) })
      return (await res.json()) as { status: string; spool?: { records: number; bytes: number } }
    } catch {
      return undefined
    }
  }

  async lag(): Promise<number> {
    return groupLag(this.admin, CHAOS_GROUP, EVENTS_TOPIC)
  }

  async topicEnd(): Promise<number> {
    return topicEnd(this.admin, EVENTS_TOPIC)
  }

  /** Committed offsets of the group on the events topic, summed. */
  async committed(): Promise<number> {
    const [c] = await this.admin.fetchOffsets({ groupId: CHAOS_GROUP, topics: [EVENTS_TOPIC] })
    return (c?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
  }

  async waitFor(what: string, test: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (await test().catch(() => false)) return true
      await sleep(500)
    }
    progress(`gave up waiting: ${what}`)
    return false
  }

  /**
   * The common end of every drill: stop the traffic (every batch accepted), wait until the collector's spool is
   * empty and the group has committed the whole topic, stop the services gracefully and count in ClickHouse.
   */
  async finish(timeouts: { acceptMs?: number; catchUpMs?: number } = {}): Promise<EventAccount> {
    const load = this.load
    if (!load) throw new Error('no traffic was started')
    const allAccepted = await load.finish(timeouts.acceptMs ?? 180_000)
    this.check(
      'every batch accepted in the end',
      allAccepted && load.stats.rejected === 0,
      `${load.stats.accepted} of ${load.stats.sent} events acknowledged, ${load.stats.rejected} refused for good${load.refusals().length ? `: ${load.refusals().join(' | ')}` : ''}`,
    )
    const drained = await this.waitFor(
      'collector spool empty',
      async () => (await this.collectorHealth())?.spool?.records === 0,
      180_000,
    )
    this.check(
      'collector spool drained',
      drained,
      drained ? 'spool empty' : JSON.stringify(await this.collectorHealth()),
    )
    const caughtUp = await this.waitFor(
      'consumer lag 0',
      async () => (await this.lag()) === 0,
      timeouts.catchUpMs ?? 240_000,
    )
    this.check(
      'transform caught up (lag 0)',
      caughtUp,
      `lag ${await this.lag()}, topic end ${await this.topicEnd()}`,
    )
    const w = await this.worker?.stop()
    const stopAt = Date.now()
    const c = await this.collector?.stop()
    const collectorStopS = (Date.now() - stopAt) / 1000
    this.metric('collector_stop_s', collectorStopS)
    const stopped = this.collector ? collectorStoppedLine(this.collector.logFile) : undefined
    if (stopped) this.note(`collector stop: ${stopped}`)
    this.check(
      'services stop cleanly on SIGTERM',
      w?.code === 0 && c?.code === 0,
      `worker exit ${w?.code ?? w?.signal}, collector exit ${c?.code ?? c?.signal} after ${collectorStopS.toFixed(1)} s`,
    )
    const ch = await openClickHouse(
      { kind: 'embedded', path: path.join(this.dir, 'worker', 'clickhouse'), database: 'nhip' },
      { command: `chaos ${this.name}` },
    )
    try {
      const account = await verifyEvents(ch, load)
      this.check(
        'accepted = distinct event_ids in ClickHouse',
        account.lost === 0 && account.unknown_ids === 0,
        `accepted ${account.accepted}, stored distinct ${account.stored_distinct}, lost ${account.lost}${account.lost_examples.length ? ` (e.g. seq ${account.lost_examples.join(',')})` : ''}, unknown ids ${account.unknown_ids}`,
      )
      this.check(
        'no duplicates (count − uniqExact = 0)',
        account.duplicates === 0,
        `rows ${account.stored_rows}, distinct ${account.stored_distinct}`,
      )
      this.check(
        'rollups agree with events',
        account.rollup_pageviews === account.event_pageviews,
        `rollup_article_hourly pageviews ${account.rollup_pageviews}, events pageviews ${account.event_pageviews}`,
      )
      return account
    } finally {
      await ch.close()
    }
  }
}

/** The collector's own account of its stop (the last "collector stopped…" log line), without pino's base fields. */
function collectorStoppedLine(logFile: string): string | undefined {
  if (!fs.existsSync(logFile)) return undefined
  const line = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{') && l.includes('"msg":"collector stopped'))
  if (!line) return undefined
  const {
    level: _l,
    time: _t,
    service: _s,
    pid: _p,
    component: _c,
    ...rest
  } = JSON.parse(line) as Record<string, unknown>
  return JSON.stringify(rest)
}

async function waitForHttp(url: string, p: NhipProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
      await res.arrayBuffer()
      return
    } catch {
      // not listening yet
    }
    if (!p.running()) {
      const tail = fs.readFileSync(p.logFile, 'utf8').split('\n').slice(-10).join('\n')
      throw new DrillFailure(`${p.name} exited before serving ${url}:\n${tail}`)
    }
    if (Date.now() > deadline)
      throw new DrillFailure(`${p.name} not serving ${url} after ${timeoutMs / 1000}s`)
    await sleep(300)
  }
}

/**
 * Runs one drill as a program: sets up, runs `body`, finishes, prints the verdict, writes the result to the
 * file named by `--result FILE` (for run.ts) and exits non-zero on any loss, duplicate or failed check.
 */
export async function runDrill(
  name: string,
  title: string,
  opts: DrillOptions,
  body: (d: Drill) => Promise<void>,
): Promise<void> {
  const started = Date.now()
  const teardown = new Teardown()
  const d = new Drill(name, opts, teardown)
  progress(`drill ${name}: ${title} (dir ${d.dir})`)
  let account: EventAccount | undefined
  let failure: string | undefined
  try {
    await d.setUp()
    await body(d)
    account = await d.finish()
  } catch (err) {
    failure = err instanceof Error ? (err.stack ?? err.message) : String(err)
    progress(`drill ${name} FAILED: ${failure}`)
  } finally {
    await teardown.run()
  }
  const errors: Record<string, number> = {}
  const samples: string[] = []
  for (const f of d.logs) {
    const e = errorLines(f)
    errors[path.basename(f, '.log')] = e.count
    samples.push(...e.samples.map((s) => `${path.basename(f, '.log')}: ${s}`))
  }
  const result: DrillResult = {
    name,
    title,
    ok: failure === undefined && d.checks.every((c) => c.ok) && account !== undefined,
    seconds: (Date.now() - started) / 1000,
    ...(account ? { account } : {}),
    checks: d.checks,
    ...(d.load ? { load: { ...d.load.stats } } : {}),
    error_log_lines: errors,
    error_samples: samples.slice(0, 10),
    ...(failure ? { failure } : {}),
    notes: d.notes,
    metrics: d.metrics,
  }
  const out = resultFileArg()
  if (out) fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  progress(`drill ${name}: ${result.ok ? 'PASSED' : 'FAILED'} in ${result.seconds.toFixed(0)} s`)
  if (result.ok) fs.rmSync(d.dir, { recursive: true, force: true })
  else progress(`kept ${d.dir} (service logs, ClickHouse, Kafka data) for inspection`)
  process.exitCode = result.ok ? 0 : 1
}

function resultFileArg(): string | undefined {
  const i = process.argv.indexOf('--result')
  return i >= 0 ? process.argv[i + 1] : undefined
}

/** Writes `bench/results/NAME.json` in the harness's shape, plus extra sections (per-drill details, curves). */
export function writeResultWith(
  name: string,
  metrics: Record<string, number>,
  notes: string,
  extra: Record<string, unknown>,
): string {
  const file = path.join(RESULTS_DIR, `${name}.json`)
  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  const result = { name, date: new Date().toISOString(), machine: machineInfo(), metrics, notes, ...extra }
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  return file
}
