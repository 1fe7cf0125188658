/**
 * A real Apache Kafka broker for development, tests and CI — KRaft mode, no ZooKeeper, no Docker.
 *
 * The broker classpath is assembled once from Maven Central (`mvn dependency:copy-dependencies` on
 * `infra/kafka/pom.xml`) into a per-user cache, then each node is a plain `java … kafka.Kafka
 * server.properties` process started detached, so it outlives the process that started it (the CLI's
 * `up` exits while the broker keeps running). Everything a later process needs to find and stop the
 * nodes lives in the data dir: `cluster.json` (layout) and `node-N/broker.pid`.
 *
 * @module
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'

const execFileP = promisify(execFile)

/** Kafka version assembled by default: the newest 3.9.x on Maven Central (4.x dropped protocol versions kafkajs needs). */
export const KAFKA_VERSION = '3.9.2'

/** Java major version the broker is meant to run on (Kafka 3.9 supports 8–21; 17 is what CI has). */
export const PREFERRED_JAVA_MAJOR = 17

const POM_PATH = fileURLToPath(new URL('./pom.xml', import.meta.url))
const LAYOUT_FILE = 'cluster.json'
const PID_FILE = 'broker.pid'
const MARKER_FILE = '.assembled.json'
const DEFAULT_READY_TIMEOUT_MS = 90_000
// A combined node's SIGTERM path (controlled shutdown, then the controller) normally takes 1–5 s;
// the grace only matters when the quorum is gone and the broker waits for a controller that never answers.
const DEFAULT_STOP_GRACE_MS = 30_000

/** Sink for human-readable progress lines. Defaults to stderr so stdout stays machine-readable. */
export type LogFn = (line: string) => void

const stderrLog: LogFn = (line) => {
  process.stderr.write(`[kafka] ${line}\n`)
}

// ---------------------------------------------------------------------------------------------
// Jar assembly
// ---------------------------------------------------------------------------------------------

/** Options for {@link ensureKafkaJars}. */
export interface EnsureKafkaJarsOptions {
  /** Kafka version to assemble. Default: env `NHIP_KAFKA_VERSION`, else {@link KAFKA_VERSION}. */
  version?: string
  /**
   * Kafka home; jars go to `<kafkaHome>/libs`. Default: env `NHIP_KAFKA_HOME`, else
   * `$HOME/.cache/nhip/kafka-<version>`.
   */
  kafkaHome?: string
  /** Progress sink. Default: `[kafka] …` lines on stderr. */
  log?: LogFn
}

interface AssemblyMarker {
  kafkaVersion: string
  jars: number
  assembledAt: string
  seconds: number
}

/** The Kafka version selected by env `NHIP_KAFKA_VERSION` or the built-in default. */
export function kafkaVersion(): string {
  return process.env.NHIP_KAFKA_VERSION || KAFKA_VERSION
}

/** Where the jars of `version` are cached (see {@link EnsureKafkaJarsOptions.kafkaHome}). */
export function defaultKafkaHome(version: string = kafkaVersion()): string {
  return process.env.NHIP_KAFKA_HOME || path.join(os.homedir(), '.cache', 'nhip', `kafka-${version}`)
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

function isAssembled(home: string, version: string): boolean {
  const marker = readJson<AssemblyMarker>(path.join(home, MARKER_FILE))
  // The marker is written only after a complete copy, and checking the core jar too guards against
  // someone having emptied libs/ by hand.
  return (
    marker?.kafkaVersion === version && fs.existsSync(path.join(home, 'libs', `kafka_2.13-${version}.jar`))
  )
}

/**
 * Makes sure the Kafka broker jars are present and returns the `libs` directory (use it as `libs/*` on
 * the classpath).
 *
 * The first call runs Maven (`mvn -q -B dependency:copy-dependencies`) against `infra/kafka/pom.xml`;
 * later calls see the marker file and return without starting Maven. Maven's own `~/.m2` is a second
 * cache, so re-assembling into a new home is fast and offline-safe once the artifacts were fetched.
 *
 * @throws Error with Maven's last output lines when Maven is missing or the resolution fails.
 * @example const libs = await ensureKafkaJars() // ~/.cache/nhip/kafka-3.9.2/libs
 */
export async function ensureKafkaJars(opts: EnsureKafkaJarsOptions = {}): Promise<string> {
  const version = opts.version ?? kafkaVersion()
  const home = path.resolve(opts.kafkaHome ?? defaultKafkaHome(version))
  const log = opts.log ?? stderrLog
  const libs = path.join(home, 'libs')
  if (isAssembled(home, version)) return libs

  await fsp.mkdir(home, { recursive: true })
  // Copy into a private dir and rename it into place, so a concurrent or interrupted run never
  // leaves a half-filled libs/ that the marker check could mistake for a good one.
  const partial = path.join(home, `libs.partial-${process.pid}-${Date.now()}`)
  log(`assembling Kafka ${version} from Maven Central into ${libs} (first run only)…`)
  const started = Date.now()
  const args = [
    '-q',
    '-B',
    '-Dstyle.color=never',
    '-f',
    POM_PATH,
    'dependency:copy-dependencies',
    `-Dkafka.version=${version}`,
    '-DincludeScope=runtime',
    `-DoutputDirectory=${partial}`,
  ]
  try {
    await runMaven(args, home, log)
    if (!fs.existsSync(path.join(partial, `kafka_2.13-${version}.jar`))) {
      throw new Error(`Maven finished but kafka_2.13-${version}.jar is not in ${partial}`)
    }
    const jars = (await fsp.readdir(partial)).filter((f) => f.endsWith('.jar')).length
    if (isAssembled(home, version)) return libs // another process won the race meanwhile
    await fsp.rm(libs, { recursive: true, force: true })
    await fsp.rename(partial, libs)
    const seconds = (Date.now() - started) / 1000
    const marker: AssemblyMarker = {
      kafkaVersion: version,
      jars,
      assembledAt: new Date().toISOString(),
      seconds,
    }
    await fsp.writeFile(path.join(home, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`)
    log(`assembled ${jars} jars for Kafka ${version} in ${seconds.toFixed(1)}s`)
    return libs
  } finally {
    await fsp.rm(partial, { recursive: true, force: true })
  }
}

function runMaven(args: string[], cwd: string, log: LogFn): Promise<void> {
  return new Promise((resolve, reject) => {
    // Maven's output goes to the progress sink, never to stdout (the CLI prints KAFKA_BROKERS there).
    const child = spawn('mvn', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const tail: string[] = []
    // Maven 3.8 prints colour resets even in batch mode; strip them so empty lines can be dropped.
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')
    const onData = (chunk: Buffer): void => {
      for (const raw of chunk.toString('utf8').split('\n')) {
        const line = raw.replace(ansi, '')
        if (!line.trim()) continue
        tail.push(line)
        if (tail.length > 30) tail.shift()
        log(`mvn: ${line}`)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', (err) => {
      reject(new Error(`cannot run mvn (is Maven installed and on PATH?): ${err.message}`))
    })
    child.on('close', (code) => {
      if (code === 0) resolve()
      // First line stays readable on its own (the CLI prints only that); the tail follows for the API.
      else
        reject(new Error(`mvn exited with code ${code}: ${tail.at(-1) ?? 'no output'}\n${tail.join('\n')}`))
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------------------------

let cachedJava: string | undefined

async function javaMajor(javaBin: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await execFileP(javaBin, ['-version'], { timeout: 15_000 })
    // `openjdk version "17.0.15"` / `java version "1.8.0_392"`
    const m = /version "(\d+)(?:\.(\d+))?/.exec(`${stderr}\n${stdout}`)
    if (!m?.[1]) return undefined
    const first = Number(m[1])
    return first === 1 && m[2] ? Number(m[2]) : first
  } catch {
    return undefined
  }
}

/**
 * Picks the `java` binary for the broker: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on
 * PATH if it is Java 17, else a Java 17 under `/usr/lib/jvm`, else PATH `java` if it is at least 11
 * (with a warning). The answer is cached for the process.
 *
 * @throws Error when no usable Java is found.
 */
export async function resolveJava(log: LogFn = stderrLog): Promise<string> {
  if (cachedJava) return cachedJava
  const javaHome = process.env.JAVA_HOME
  if (javaHome) {
    const bin = path.join(javaHome, 'bin', 'java')
    const major = await javaMajor(bin)
    if (major === undefined) throw new Error(`JAVA_HOME=${javaHome} but ${bin} does not run`)
    if (major !== PREFERRED_JAVA_MAJOR)
      log(`warning: JAVA_HOME points at Java ${major}; Kafka is tested here on 17`)
    cachedJava = bin
    return bin
  }
  const pathMajor = await javaMajor('java')
  if (pathMajor === PREFERRED_JAVA_MAJOR) {
    cachedJava = 'java'
    return 'java'
  }
  // Debian installs JDKs side by side (e.g. a Temurin 25 next to OpenJDK 17); the newest one may be
  // first on PATH, yet Kafka 3.9 is only supported up to Java 21.
  const jvmRoot = '/usr/lib/jvm'
  const seen = new Set<string>()
  for (const entry of fs.existsSync(jvmRoot) ? fs.readdirSync(jvmRoot).sort() : []) {
    const bin = path.join(jvmRoot, entry, 'bin', 'java')
    if (!fs.existsSync(bin)) continue
    const real = fs.realpathSync(bin)
    if (seen.has(real)) continue
    seen.add(real)
    if ((await javaMajor(real)) === PREFERRED_JAVA_MAJOR) {
      cachedJava = real
      return real
    }
  }
  if (pathMajor !== undefined && pathMajor >= 11) {
    log(`warning: no Java ${PREFERRED_JAVA_MAJOR} found, using java ${pathMajor} from PATH`)
    cachedJava = 'java'
    return 'java'
  }
  throw new Error(`no Java ${PREFERRED_JAVA_MAJOR} found (PATH java: ${pathMajor ?? 'none'}); set JAVA_HOME`)
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function readCmdline(pid: number): Promise<string[] | undefined> {
  if (process.platform === 'linux') {
    try {
      const raw = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8')
      return raw.split('\0').filter((s) => s.length > 0)
    } catch {
      return undefined
    }
  }
  // Non-Linux dev machines: ps gives the command line as one string; good enough for the checks below.
  try {
    const { stdout } = await execFileP('ps', ['-ww', '-o', 'args=', '-p', String(pid)])
    return stdout.trim() ? stdout.trim().split(/\s+/) : undefined
  } catch {
    return undefined
  }
}

/**
 * True while `pid` exists and has not finished exiting. A zombie whose other threads are gone counts as
 * exited: an exited child we have not reaped yet must not look like a running broker. But a JVM's main
 * thread turns zombie before its other threads are torn down, and the sockets close only with the last
 * thread — so a zombie leader with live threads still counts as running (its ports are still bound).
 */
async function isAlive(pid: number): Promise<boolean> {
  if (process.platform === 'linux') {
    try {
      const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8')
      const state = stat.charAt(stat.lastIndexOf(')') + 2)
      if (state !== 'Z' && state !== 'X') return true
      return (await fsp.readdir(`/proc/${pid}/task`)).length > 1
    } catch {
      return false
    }
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * True only if `pid` is a live `kafka.Kafka` JVM started with exactly this `server.properties`. Every
 * signal we send goes through this check, so a stale pid file whose PID was reused by an unrelated
 * process can never get that process killed.
 */
async function isOurBroker(pid: number, propsFile: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false
  const argv = await readCmdline(pid)
  return argv?.includes('kafka.Kafka') === true && argv.includes(propsFile)
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true
    await sleep(100)
  }
  return !(await isAlive(pid))
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/** A node process to stop: its PID and the server.properties it must have been started with. */
interface NodeProc {
  id: number
  pid: number
  propsFile: string
}

// How long a node may keep running once fewer than a majority of the voters are left. Its broker half
// then waits for a controller to grant controlled shutdown, which no controller can do any more, and
// would sit there until Kafka's own 5-minute timeout.
const QUORUM_LOST_GRACE_MS = 3_000

/**
 * Stops nodes together: SIGCONT + SIGTERM to each, SIGKILL to what is left after `graceMs`, or
 * {@link QUORUM_LOST_GRACE_MS} after the KRaft quorum is gone. `otherVotersRunning` counts the voters
 * that keep running (not part of this stop). Processes that are not our brokers are skipped.
 *
 * @returns the nodes that were running and are now gone.
 */
async function stopNodes(
  procs: NodeProc[],
  voters: number,
  otherVotersRunning: number,
  graceMs: number,
  log: LogFn,
): Promise<NodeProc[]> {
  const ours: NodeProc[] = []
  for (const p of procs) if (await isOurBroker(p.pid, p.propsFile)) ours.push(p)
  for (const p of ours) {
    // A chaos test may have SIGSTOPped the node; a stopped JVM cannot act on SIGTERM.
    signal(p.pid, 'SIGCONT')
    signal(p.pid, 'SIGTERM')
  }
  const majority = Math.floor(voters / 2) + 1
  const deadline = Date.now() + graceMs
  let quorumLostAt: number | undefined
  let alive = ours
  for (;;) {
    const states = await Promise.all(alive.map((p) => isAlive(p.pid)))
    alive = alive.filter((_, i) => states[i])
    if (alive.length === 0) return ours
    if (quorumLostAt === undefined && alive.length + otherVotersRunning < majority) quorumLostAt = Date.now()
    const quorumGone = quorumLostAt !== undefined && Date.now() - quorumLostAt >= QUORUM_LOST_GRACE_MS
    if (quorumGone || Date.now() >= deadline) break
    await sleep(100)
  }
  const why =
    quorumLostAt !== undefined
      ? 'the KRaft quorum is gone, so controlled shutdown cannot finish'
      : `${graceMs / 1000}s grace over`
  log(`node ${alive.map((p) => p.id).join(',')} still running after SIGTERM (${why}); sending SIGKILL`)
  for (const p of alive) signal(p.pid, 'SIGKILL')
  const gone = await Promise.all(alive.map((p) => waitForExit(p.pid, 10_000)))
  const survivors = alive.filter((_, i) => !gone[i])
  if (survivors.length > 0) throw new Error(`pid ${survivors.map((p) => p.pid).join(',')} survived SIGKILL`)
  return ours
}

/** True when nothing is listening on 127.0.0.1:`port` (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true))
    })
  })
}

/**
 * Finds `size` consecutive free ports on 127.0.0.1 and returns the first. Meant for tests that need a
 * `basePort` (and `controllerBasePort = base + brokers`) that does not clash with a dev broker on 9092.
 * There is an unavoidable race between this check and the broker binding the ports.
 */
export async function findFreePortBlock(size: number, attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    // Stay below the Linux ephemeral range (32768+) so outgoing connections don't take our ports.
    const base = 20_000 + Math.floor(Math.random() * 12_000)
    let free = true
    for (let p = base; p < base + size && free; p++) free = await isPortFree(p)
    if (free) return base
  }
  throw new Error(`no block of ${size} free ports found on 127.0.0.1`)
}

// ---------------------------------------------------------------------------------------------
// Cluster layout and configuration
// ---------------------------------------------------------------------------------------------

/** One combined broker+controller KRaft node. `pid` changes when the node is restarted. */
export interface KafkaNode {
  /** `node.id` (1-based). */
  readonly id: number
  /** Current JVM PID. */
  pid: number
  /** PLAINTEXT client port on 127.0.0.1. */
  readonly port: number
  /** CONTROLLER (KRaft quorum) port on 127.0.0.1. */
  readonly controllerPort: number
  /** Node directory: server.properties, log4j.properties, broker.pid, server.log, kafka.out, data/. */
  readonly dir: string
  /** The broker's own log (log4j). */
  readonly logFile: string
}

/** Persisted as `<dataDir>/cluster.json` so `down`/`status` from another process know the layout. */
interface ClusterLayout {
  kafkaVersion: string
  clusterId: string
  nodes: Array<{ id: number; port: number; controllerPort: number }>
}

/** Options for {@link startKafkaCluster}. */
export interface StartKafkaClusterOptions {
  /** Root for node dirs (`node-1`, …), created if missing. Reusing it keeps topics and offsets. */
  dataDir: string
  /** Node count: 1 (dev/tests) or 3 (replication and chaos tests). */
  brokers: 1 | 3
  /** PLAINTEXT port of node 1; node N listens on `basePort + N - 1`. */
  basePort: number
  /** CONTROLLER port of node 1; node N uses `controllerBasePort + N - 1`. Default `basePort + 1000`. */
  controllerBasePort?: number
  /** JVM max heap per node in MiB. Default 1024. */
  heapMb?: number
  /** Extra or overriding `server.properties` entries, applied to every node. */
  extraProps?: Record<string, string | number | boolean>
  /** KRaft cluster id (22-char base64url UUID). Default: the one stored in the data dir, else random. */
  clusterId?: string
  /** How long to wait for readiness. Default 90 000 ms. */
  readyTimeoutMs?: number
  /** SIGTERM → SIGKILL grace used by `stop()`/`restart()`. Default 30 000 ms. */
  stopGraceMs?: number
  /** Jar dir; default {@link ensureKafkaJars}(). */
  libsDir?: string
  /** Progress sink; default stderr. */
  log?: LogFn
}

/** A running cluster started by {@link startKafkaCluster}. */
export interface KafkaClusterHandle {
  /** KRaft cluster id. */
  readonly clusterId: string
  /** Absolute data dir. */
  readonly dataDir: string
  /** Bootstrap addresses, `127.0.0.1:port`, one per node. */
  readonly brokers: string[]
  /** The nodes; `pid` is updated in place by {@link KafkaClusterHandle.restart}. */
  readonly nodes: readonly KafkaNode[]
  /** Stops every node (SIGTERM, SIGKILL after the grace), waits until all are gone, removes pid files. */
  stop(): Promise<void>
  /**
   * Sends `signal` (default SIGKILL) to one node — for chaos tests. With SIGKILL it resolves once the
   * process is gone; with anything else (SIGTERM, SIGSTOP, SIGCONT, …) right after delivery.
   */
  kill(nodeId: number, signal?: NodeJS.Signals): Promise<void>
  /** Stops the node if it still runs (gracefully), starts it again, resolves when it serves metadata. */
  restart(nodeId: number): Promise<void>
}

/** Error thrown when a node does not become ready; `message` already contains the log tail. */
export class KafkaStartError extends Error {
  override readonly name = 'KafkaStartError'
  constructor(
    message: string,
    /** Log file whose tail is included. */
    readonly logFile: string,
  ) {
    super(message)
  }
}

function newClusterId(): string {
  // Same shape as Kafka's Uuid.randomUuid(): 16 random bytes, base64url without padding. Kafka avoids
  // ids starting with '-' because CLIs would parse them as options.
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

function nodeDir(dataDir: string, id: number): string {
  return path.join(dataDir, `node-${id}`)
}

function propsFileOf(dir: string): string {
  return path.join(dir, 'server.properties')
}

function resolveDataDir(dataDir: string): string {
  const abs = path.resolve(dataDir)
  // Resolve symlinks (e.g. /tmp on macOS) so the path baked into the JVM command line matches later checks.
  return fs.existsSync(abs) ? fs.realpathSync(abs) : abs
}

function serverProperties(
  layout: ClusterLayout,
  node: { id: number; port: number; controllerPort: number },
  dir: string,
  extra: Record<string, string | number | boolean>,
): string {
  const n = layout.nodes.length
  const rf = n >= 3 ? 3 : 1
  const minIsr = n >= 3 ? 2 : 1
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': layout.nodes.map((v) => `${v.id}@127.0.0.1:${v.controllerPort}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': path.join(dir, 'data'),
    'num.partitions': 1,
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    // One offsets partition: the group coordinator is ready as soon as one partition is loaded, which
    // keeps the first consumer-group join in tests fast.
    'offsets.topic.num.partitions': 1,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    // Tests join groups right after start; the default 3 s delay would just add latency.
    'group.initial.rebalance.delay.ms': 0,
    // Topics are provisioned explicitly so a typo in a topic name fails instead of creating a topic.
    'auto.create.topics.enable': false,
    ...extra,
  }
  const header = `# Generated by infra/kafka/broker.ts for node ${node.id} of cluster ${layout.clusterId}; rewritten on every start.\n`
  return (
    header +
    Object.entries(props)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n') +
    '\n'
  )
}

function log4jProperties(dir: string): string {
  const file = path.join(dir, 'server.log')
  return [
    '# Generated by infra/kafka/broker.ts: everything to server.log in the node dir, bounded in size.',
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${file}`,
    'log4j.appender.file.MaxFileSize=50MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // Per-request and per-partition state logs drown the useful lines in tests.
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.network.RequestChannel$=WARN',
    '',
  ].join('\n')
}

// StorageTool is a CLI run: warnings and errors to stderr (so a failed format can report them), not
// into the broker's server.log.
const TOOLS_LOG4J = [
  '# Generated by infra/kafka/broker.ts for kafka.tools.StorageTool.',
  'log4j.rootLogger=WARN, stderr',
  'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stderr.Target=System.err',
  'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
  '',
].join('\n')

function jvmArgs(libs: string, dir: string, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    `-Xms${Math.min(256, heapMb)}m`,
    // Kafka's own defaults from bin/kafka-run-class.sh.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(path.join(dir, 'log4j.properties')).href}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    // The JVM expands `dir/*` itself; no shell is involved.
    `${libs}${path.sep}*`,
  ]
}

async function tailFile(file: string, lines: number): Promise<string | undefined> {
  try {
    const text = await fsp.readFile(file, 'utf8')
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd()
  } catch {
    return undefined
  }
}

async function logTails(dir: string, lines = 40): Promise<string> {
  const parts: string[] = []
  for (const name of ['server.log', 'kafka.out']) {
    const t = await tailFile(path.join(dir, name), lines)
    if (t) parts.push(`--- tail of ${path.join(dir, name)} ---\n${t}`)
  }
  return parts.length ? parts.join('\n') : `(no log output in ${dir})`
}

// server.log size when each node dir's JVM was last spawned: only lines after it belong to that run.
const serverLogOffsets = new Map<string, number>()

/**
 * One line saying why a node's JVM died: the last ERROR/FATAL of this run in server.log (plus the
 * exception line after it), else what the JVM printed (e.g. "Too small maximum heap").
 */
async function failureReason(dir: string): Promise<string | undefined> {
  const text = (file: string): Promise<string> => fsp.readFile(path.join(dir, file), 'utf8').catch(() => '')
  const log = (await text('server.log')).slice(serverLogOffsets.get(dir) ?? 0).split('\n')
  for (let i = log.length - 1; i >= 0; i--) {
    const m = /^\[[^\]]+\] (?:ERROR|FATAL) (.*)$/.exec(log[i] ?? '')
    if (!m?.[1]) continue
    const next = log[i + 1]?.trim() ?? ''
    return /^[\w.$]+(Exception|Error)\b/.test(next) ? `${m[1]}: ${next}` : m[1]
  }
  const out = (await text('kafka.out'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^\.\.\. \d+ more/.test(l))
  return out.length ? out.slice(-2).join(' ') : undefined
}

async function formatStorage(java: string, libs: string, dir: string, clusterId: string): Promise<void> {
  const props = propsFileOf(dir)
  const args = [
    `-Dlog4j.configuration=${pathToFileURL(path.join(dir, 'tools-log4j.properties')).href}`,
    '-cp',
    `${libs}${path.sep}*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    props,
    // A reused data dir is already formatted; formatting is then a no-op instead of an error.
    '--ignore-formatted',
  ]
  try {
    await execFileP(java, args, { cwd: dir, timeout: 120_000 })
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `kafka StorageTool format failed in ${dir}: ${(e.stderr || e.stdout || e.message).trim()}`,
    )
  }
}

function procOf(n: KafkaNode): NodeProc {
  return { id: n.id, pid: n.pid, propsFile: propsFileOf(n.dir) }
}

function spawnNode(java: string, libs: string, dir: string, heapMb: number): number {
  const serverLog = path.join(dir, 'server.log')
  serverLogOffsets.set(dir, fs.existsSync(serverLog) ? fs.statSync(serverLog).size : 0)
  // Truncated per start: it only ever holds what this JVM printed outside log4j (startup/crash errors).
  const out = fs.openSync(path.join(dir, 'kafka.out'), 'w')
  try {
    // detached: own session, so the broker survives the CLI process and terminal hang-ups;
    // stdout/stderr go to kafka.out (JVM crash messages land there, the broker itself logs to server.log).
    const child = spawn(java, [...jvmArgs(libs, dir, heapMb), 'kafka.Kafka', propsFileOf(dir)], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', out, out],
    })
    child.on('error', () => {}) // surfaced below via the missing pid / readiness check
    if (child.pid === undefined) throw new Error(`could not start ${java} for ${dir}`)
    child.unref()
    fs.writeFileSync(path.join(dir, PID_FILE), `${child.pid}\n`)
    return child.pid
  } finally {
    fs.closeSync(out)
  }
}

// ---------------------------------------------------------------------------------------------
// Readiness
// ---------------------------------------------------------------------------------------------

/** What `describeCluster()` answered. */
export interface ClusterDescription {
  clusterId: string
  controller: number | null
  brokerIds: number[]
}

/**
 * One `describeCluster()` round trip through kafkajs, with short timeouts and no retries so it can be
 * polled. kafkajs logging is off because connection-refused noise is expected while a node boots.
 *
 * @throws whatever kafkajs throws when the cluster does not answer.
 */
export async function describeKafkaCluster(
  brokers: string[],
  timeoutMs = 3_000,
): Promise<ClusterDescription> {
  const kafka = new Kafka({
    clientId: 'nhip-kafka-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    const d = await admin.describeCluster()
    return {
      clusterId: d.clusterId,
      controller: d.controller,
      brokerIds: d.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
    }
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

async function waitUntilReady(
  nodes: readonly KafkaNode[],
  probeBrokers: string[],
  expectIds: number[],
  timeoutMs: number,
): Promise<ClusterDescription> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer yet'
  for (;;) {
    for (const n of nodes) {
      // Fail fast instead of waiting out the deadline when a JVM died (bad config, port taken, …).
      if (!(await isAlive(n.pid))) {
        throw new KafkaStartError(
          `Kafka node ${n.id} (pid ${n.pid}) exited during startup: ${(await failureReason(n.dir)) ?? 'no error logged'}\n${await logTails(n.dir)}`,
          n.logFile,
        )
      }
    }
    try {
      const d = await describeKafkaCluster(probeBrokers)
      if (expectIds.every((id) => d.brokerIds.includes(id))) return d
      last = `describeCluster lists brokers [${d.brokerIds.join(',')}], waiting for [${expectIds.join(',')}]`
    } catch (err) {
      last = errMessage(err)
    }
    if (Date.now() >= deadline) {
      const first = nodes[0]
      const tails = (await Promise.all(nodes.map((n) => logTails(n.dir, 30)))).join('\n')
      throw new KafkaStartError(
        `Kafka not ready after ${Math.round(timeoutMs / 1000)}s (${last})\n${tails}`,
        first ? first.logFile : '',
      )
    }
    await sleep(250)
  }
}

/**
 * Polls {@link describeKafkaCluster} until it answers and lists `expectedBrokers` brokers.
 *
 * @throws Error after `timeoutMs` with the last failure.
 */
export async function waitForKafka(
  brokers: string[],
  opts: { expectedBrokers?: number; timeoutMs?: number } = {},
): Promise<ClusterDescription> {
  const expected = opts.expectedBrokers ?? brokers.length
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS)
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    try {
      const d = await describeKafkaCluster(brokers)
      if (d.brokerIds.length >= expected) return d
      last = `only brokers [${d.brokerIds.join(',')}] registered`
    } catch (err) {
      last = errMessage(err)
    }
    await sleep(250)
  }
  throw new Error(`Kafka at ${brokers.join(',')} not ready: ${last}`)
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

// ---------------------------------------------------------------------------------------------
// Public lifecycle API
// ---------------------------------------------------------------------------------------------

async function readPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await fsp.readFile(path.join(dir, PID_FILE), 'utf8')).trim(), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

async function listNodeDirs(dataDir: string): Promise<Array<{ id: number; dir: string }>> {
  let entries: string[]
  try {
    entries = await fsp.readdir(dataDir)
  } catch {
    return []
  }
  return entries
    .map((e) => /^node-(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: Number(m[1]), dir: path.join(dataDir, m[0]) }))
    .sort((a, b) => a.id - b.id)
}

/**
 * Starts a KRaft cluster of 1 or 3 combined broker+controller nodes on 127.0.0.1 and resolves once
 * `describeCluster()` lists every broker.
 *
 * Each node gets `<dataDir>/node-N/` with generated `server.properties` and `log4j.properties`, is
 * formatted with `kafka.tools.StorageTool format` (a no-op on an already formatted dir) and runs as a
 * detached `java … kafka.Kafka server.properties` whose PID is written to `node-N/broker.pid`.
 * Replication: 1 node → all factors 1; 3 nodes → factors 3 and `min.insync.replicas=2`.
 *
 * @throws Error if this data dir already has running nodes, a port is taken, or the data dir was made
 *   for another node count or cluster id; {@link KafkaStartError} (with log tails) if a node dies or is
 *   not ready in time — the nodes started by this call are then stopped again.
 * @example
 * const kafka = await startKafkaCluster({ dataDir: '/tmp/k', brokers: 1, basePort: 9092 })
 * // … kafka.brokers → ['127.0.0.1:9092']
 * await kafka.stop()
 */
export async function startKafkaCluster(opts: StartKafkaClusterOptions): Promise<KafkaClusterHandle> {
  const log = opts.log ?? stderrLog
  const count = opts.brokers
  if (count !== 1 && count !== 3) throw new Error(`brokers must be 1 or 3, got ${String(count)}`)
  const heapMb = opts.heapMb ?? 1024
  const graceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS
  const controllerBase = opts.controllerBasePort ?? opts.basePort + 1000
  const version = kafkaVersion()

  await fsp.mkdir(opts.dataDir, { recursive: true })
  const dataDir = resolveDataDir(opts.dataDir)
  // Keeps runtime state out of `git status` wherever the data dir lives.
  await fsp.writeFile(path.join(dataDir, '.gitignore'), '*\n')

  for (const { id, dir } of await listNodeDirs(dataDir)) {
    const pid = await readPid(dir)
    if (pid !== undefined && (await isOurBroker(pid, propsFileOf(dir)))) {
      throw new Error(`Kafka is already running from ${dataDir} (node ${id}, pid ${pid}); stop it first`)
    }
  }

  const stored = readJson<ClusterLayout>(path.join(dataDir, LAYOUT_FILE))
  if (stored && stored.nodes.length !== count) {
    throw new Error(
      `${dataDir} holds a ${stored.nodes.length}-node cluster, not ${count}; use another data dir or delete it`,
    )
  }
  if (stored && opts.clusterId && stored.clusterId !== opts.clusterId) {
    throw new Error(`${dataDir} belongs to cluster ${stored.clusterId}, not ${opts.clusterId}`)
  }
  const layout: ClusterLayout = {
    kafkaVersion: version,
    clusterId: stored?.clusterId ?? opts.clusterId ?? newClusterId(),
    nodes: Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      port: opts.basePort + i,
      controllerPort: controllerBase + i,
    })),
  }

  const ports = layout.nodes.flatMap((n) => [
    { port: n.port, what: `node ${n.id} PLAINTEXT` },
    { port: n.controllerPort, what: `node ${n.id} CONTROLLER` },
  ])
  for (const { port, what } of ports) {
    if (!(await isPortFree(port))) {
      throw new Error(`port ${port} (${what}) on 127.0.0.1 is already in use by another process`)
    }
  }

  const [libs, java] = await Promise.all([
    opts.libsDir ?? ensureKafkaJars({ version, log }),
    resolveJava(log),
  ])

  const nodes: KafkaNode[] = []
  for (const n of layout.nodes) {
    const dir = nodeDir(dataDir, n.id)
    await fsp.mkdir(path.join(dir, 'data'), { recursive: true })
    await fsp.writeFile(propsFileOf(dir), serverProperties(layout, n, dir, opts.extraProps ?? {}))
    await fsp.writeFile(path.join(dir, 'log4j.properties'), log4jProperties(dir))
    await fsp.writeFile(path.join(dir, 'tools-log4j.properties'), TOOLS_LOG4J)
    nodes.push({ ...n, pid: 0, dir, logFile: path.join(dir, 'server.log') })
  }
  await fsp.writeFile(path.join(dataDir, LAYOUT_FILE), `${JSON.stringify(layout, null, 2)}\n`)

  const t0 = Date.now()
  // The format runs are independent JVMs; in parallel they cost one JVM start instead of three.
  await Promise.all(nodes.map((n) => formatStorage(java, libs, n.dir, layout.clusterId)))
  for (const n of nodes) n.pid = spawnNode(java, libs, n.dir, heapMb)
  log(`started ${count} node(s), pids ${nodes.map((n) => n.pid).join(',')}; waiting for describeCluster…`)

  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`)
  try {
    await waitUntilReady(
      nodes,
      brokers,
      nodes.map((n) => n.id),
      opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    )
  } catch (err) {
    // Leave no half-started JVMs behind; the logs stay for inspection.
    await stopNodes(nodes.map(procOf), count, 0, 5_000, log).catch(() => [])
    await Promise.all(nodes.map((n) => fsp.rm(path.join(n.dir, PID_FILE), { force: true })))
    throw err
  }
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (incl. storage format): ${brokers.join(',')}`)

  const runningOthers = async (nodeId: number): Promise<number> => {
    const others = nodes.filter((x) => x.id !== nodeId)
    return (await Promise.all(others.map((x) => isOurBroker(x.pid, propsFileOf(x.dir))))).filter(Boolean)
      .length
  }
  const byId = (nodeId: number): KafkaNode => {
    const n = nodes.find((x) => x.id === nodeId)
    if (!n) throw new Error(`no node ${nodeId} (nodes: ${nodes.map((x) => x.id).join(',')})`)
    return n
  }

  return {
    clusterId: layout.clusterId,
    dataDir,
    brokers,
    nodes,
    async stop() {
      await stopNodes(nodes.map(procOf), count, 0, graceMs, log)
      await Promise.all(nodes.map((n) => fsp.rm(path.join(n.dir, PID_FILE), { force: true })))
    },
    async kill(nodeId, sig = 'SIGKILL') {
      const n = byId(nodeId)
      if (!(await isOurBroker(n.pid, propsFileOf(n.dir)))) {
        throw new Error(`node ${nodeId} (pid ${n.pid}) is not running`)
      }
      signal(n.pid, sig)
      if (sig === 'SIGKILL' && !(await waitForExit(n.pid, 10_000))) {
        throw new Error(`pid ${n.pid} survived SIGKILL`)
      }
    },
    async restart(nodeId) {
      const n = byId(nodeId)
      await stopNodes([procOf(n)], count, await runningOthers(nodeId), graceMs, log)
      n.pid = spawnNode(java, libs, n.dir, heapMb)
      // Ask the restarted node itself: it lists itself only once it is unfenced and has caught up on metadata.
      await waitUntilReady(
        [n],
        [`127.0.0.1:${n.port}`],
        [n.id],
        opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      )
    },
  }
}

/** A node found in a data dir by {@link kafkaStatus}. */
export interface KafkaNodeStatus {
  id: number
  dir: string
  /** Port from cluster.json, if known. */
  port: number | undefined
  /** PID from the pid file, if any. */
  pid: number | undefined
  /** The pid file's process is alive and is our kafka.Kafka JVM. */
  running: boolean
}

/** Result of {@link kafkaStatus}. */
export interface KafkaStatus {
  dataDir: string
  clusterId: string | undefined
  brokers: string[]
  nodes: KafkaNodeStatus[]
  /** describeCluster() answered. */
  reachable: boolean
  /** Broker ids describeCluster() listed (empty when not reachable). */
  brokerIds: number[]
  /** Why describeCluster() failed, when it did and something was running. */
  error?: string
}

/**
 * Reports which nodes of the cluster in `dataDir` run and whether `describeCluster()` answers. Works
 * from any process: it only reads `cluster.json` and the pid files.
 */
export async function kafkaStatus(dataDir: string): Promise<KafkaStatus> {
  const abs = resolveDataDir(dataDir)
  const layout = readJson<ClusterLayout>(path.join(abs, LAYOUT_FILE))
  const nodes: KafkaNodeStatus[] = []
  for (const { id, dir } of await listNodeDirs(abs)) {
    const pid = await readPid(dir)
    const running = pid !== undefined && (await isOurBroker(pid, propsFileOf(dir)))
    nodes.push({ id, dir, port: layout?.nodes.find((n) => n.id === id)?.port, pid, running })
  }
  const brokers = (layout?.nodes ?? []).map((n) => `127.0.0.1:${n.port}`)
  const status: KafkaStatus = {
    dataDir: abs,
    clusterId: layout?.clusterId,
    brokers,
    nodes,
    reachable: false,
    brokerIds: [],
  }
  if (!nodes.some((n) => n.running) || brokers.length === 0) return status
  try {
    const d = await describeKafkaCluster(brokers)
    status.reachable = true
    status.brokerIds = d.brokerIds
  } catch (err) {
    status.error = errMessage(err)
  }
  return status
}

/** A node stopped by {@link stopKafkaCluster}. */
export interface StoppedNode {
  id: number
  pid: number
}

/**
 * Stops every node recorded in `dataDir` (pid files), from any process. A PID is signalled only if it
 * is a live `kafka.Kafka` JVM using that node's `server.properties`; stale pid files are just removed.
 *
 * @returns the nodes that were running and are now gone.
 */
export async function stopKafkaCluster(
  dataDir: string,
  opts: { graceMs?: number; log?: LogFn } = {},
): Promise<StoppedNode[]> {
  const log = opts.log ?? stderrLog
  const abs = resolveDataDir(dataDir)
  const found = await listNodeDirs(abs)
  const procs: NodeProc[] = []
  for (const { id, dir } of found) {
    const pid = await readPid(dir)
    if (pid !== undefined) procs.push({ id, pid, propsFile: propsFileOf(dir) })
  }
  const voters = readJson<ClusterLayout>(path.join(abs, LAYOUT_FILE))?.nodes.length ?? found.length
  // Nodes without a pid file are not running (we always write one), so no other voter stays up.
  const stopped = await stopNodes(procs, voters, 0, opts.graceMs ?? DEFAULT_STOP_GRACE_MS, log)
  await Promise.all(found.map(({ dir }) => fsp.rm(path.join(dir, PID_FILE), { force: true })))
  return stopped.map(({ id, pid }) => ({ id, pid }))
}
