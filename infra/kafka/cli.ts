/**
 * `tsx infra/kafka/cli.ts up|down|status` — the dev broker behind `npm run kafka:up|kafka:down|kafka:status`.
 *
 * Environment:
 * - `NHIP_KAFKA_DIR`             data dir (default `.nhip/kafka` under the working dir)
 * - `NHIP_KAFKA_PORT`            PLAINTEXT port of node 1 (default 9092)
 * - `NHIP_KAFKA_CONTROLLER_PORT` CONTROLLER port of node 1 (default port + 1000)
 * - `NHIP_KAFKA_NODES`           1 or 3 (default 1)
 * - `NHIP_KAFKA_HOME`, `NHIP_KAFKA_VERSION`, `JAVA_HOME` — see broker.ts
 *
 * stdout carries only results (`KAFKA_BROKERS=…`, status lines); progress goes to stderr. Failures exit
 * non-zero with one readable line.
 *
 * @module
 */
import path from 'node:path'
import {
  isPortFree,
  KafkaStartError,
  kafkaStatus,
  startKafkaCluster,
  stopKafkaCluster,
  waitForKafka,
} from './broker.ts'

class CliError extends Error {}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0 || n > 65_535) throw new CliError(`${name}=${raw} is not a valid number`)
  return n
}

interface CliConfig {
  dataDir: string
  port: number
  controllerPort: number
  nodes: 1 | 3
}

function config(): CliConfig {
  const port = intEnv('NHIP_KAFKA_PORT', 9092)
  const nodes = intEnv('NHIP_KAFKA_NODES', 1)
  if (nodes !== 1 && nodes !== 3) throw new CliError(`NHIP_KAFKA_NODES must be 1 or 3, got ${nodes}`)
  return {
    dataDir: path.resolve(process.env.NHIP_KAFKA_DIR || path.join('.nhip', 'kafka')),
    port,
    controllerPort: intEnv('NHIP_KAFKA_CONTROLLER_PORT', port + 1000),
    nodes,
  }
}

async function up(cfg: CliConfig): Promise<void> {
  const st = await kafkaStatus(cfg.dataDir)
  const running = st.nodes.filter((n) => n.running)
  if (running.length > 0) {
    // Idempotent: a second `up` reports the broker that is already there instead of starting another.
    if (running.length < st.nodes.length) {
      const down = st.nodes.filter((n) => !n.running).map((n) => n.id)
      throw new CliError(
        `cluster in ${cfg.dataDir} is only partly running (node ${down.join(',')} down); run kafka:down first`,
      )
    }
    await waitForKafka(st.brokers, { expectedBrokers: st.brokers.length })
    process.stderr.write(
      `[kafka] already running from ${cfg.dataDir} (pid ${running.map((n) => n.pid).join(',')}); not starting another\n`,
    )
    process.stdout.write(`KAFKA_BROKERS=${st.brokers.join(',')}\n`)
    return
  }
  // Checked here as well as in startKafkaCluster so the message can say what to do about it.
  for (let i = 0; i < cfg.nodes; i++) {
    for (const port of [cfg.port + i, cfg.controllerPort + i]) {
      if (!(await isPortFree(port))) {
        throw new CliError(
          `port ${port} on 127.0.0.1 is already in use by another process (no broker from ${cfg.dataDir} is running); ` +
            'stop it or set NHIP_KAFKA_PORT / NHIP_KAFKA_CONTROLLER_PORT',
        )
      }
    }
  }
  const handle = await startKafkaCluster({
    dataDir: cfg.dataDir,
    brokers: cfg.nodes,
    basePort: cfg.port,
    controllerBasePort: cfg.controllerPort,
  })
  process.stdout.write(`KAFKA_BROKERS=${handle.brokers.join(',')}\n`)
}

async function down(cfg: CliConfig): Promise<void> {
  const stopped = await stopKafkaCluster(cfg.dataDir)
  if (stopped.length === 0) {
    process.stdout.write(`no broker running from ${cfg.dataDir}\n`)
    return
  }
  for (const s of stopped) process.stdout.write(`stopped node ${s.id} (pid ${s.pid})\n`)
}

async function status(cfg: CliConfig): Promise<number> {
  const st = await kafkaStatus(cfg.dataDir)
  const running = st.nodes.filter((n) => n.running)
  if (running.length === 0) {
    process.stdout.write(`kafka: not running (${cfg.dataDir})\n`)
    return 1
  }
  const answer = st.reachable
    ? `describeCluster OK, brokers [${st.brokerIds.join(',')}]`
    : `describeCluster failed: ${st.error ?? 'unknown error'}`
  process.stdout.write(
    `kafka: ${running.length}/${st.nodes.length} node(s) running, ${answer}, cluster ${st.clusterId}\n`,
  )
  for (const n of st.nodes) {
    process.stdout.write(
      `  node ${n.id}: ${n.running ? `pid ${n.pid}` : 'stopped'}, port ${n.port ?? '?'}, ${n.dir}\n`,
    )
  }
  if (st.reachable) process.stdout.write(`KAFKA_BROKERS=${st.brokers.join(',')}\n`)
  return st.reachable && running.length === st.nodes.length ? 0 : 1
}

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0]
  const cfg = config()
  switch (cmd) {
    case 'up':
      await up(cfg)
      return 0
    case 'down':
      await down(cfg)
      return 0
    case 'status':
      return status(cfg)
    default:
      throw new CliError(`usage: tsx infra/kafka/cli.ts up|down|status (got ${cmd ?? 'nothing'})`)
  }
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  // One readable line; the full log tail is in the file we point at.
  const msg = err instanceof Error ? err.message : String(err)
  const first = msg.split('\n')[0] ?? msg
  const where = err instanceof KafkaStartError && err.logFile ? ` (see ${err.logFile})` : ''
  process.stderr.write(`kafka ${process.argv[2] ?? ''}: ${first}${where}\n`)
  process.exitCode = 1
}
