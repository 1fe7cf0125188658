// One factory for ClickHouse access: the embedded chDB engine (default) or a server over HTTP,
// both behind the official @clickhouse/client API. The chDB traps from ARCHITECTURE.md are handled here.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import path from 'node:path'
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
} from '@clickhouse/client'
import type { ClickHouseConfig } from '../config.ts'
import { ClickHouseUnavailableError, DataPathLockedError, errorMessage, isErrno } from '../errors.ts'
import { quoteString } from './row-policies.ts'

/** Settings every query runs with. Kept at client level: chDB makes per-query settings stick to the connection. */
export const CLIENT_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  date_time_input_format: 'best_effort',
}

/** An open ClickHouse, whatever the transport. */
export interface ClickHouse {
  readonly client: ClickHouseClient
  readonly kind: 'embedded' | 'server'
  /** Database holding Nhịp's tables; SQL names tables as `${database}.table`. */
  readonly database: string
  /** Human description for logs: the data path or the server URL without credentials. */
  readonly where: string
  /**
   * Streams the rows of a big read without buffering the whole result
   * (chDB's `client.query().stream()` buffers; `chdb.queryStream` does not).
   * Embedded trap: on chDB any other query of the process while the stream is open ends it ("No active
   * streaming query"), so inside the service (collector and jobs query concurrently) read buffered instead.
   */
  streamRows<T = Record<string, unknown>>(sql: string): AsyncIterable<T>
  /**
   * Embedded only: inserts a payload (TabSeparated text or a Native block), staged in a file next to the data
   * path that the INSERT reads with the file() table function, with its settings written into the INSERT itself.
   * `client.insert` on chDB turns the body stream back into one string, copies it into the statement and sends
   * its settings as session `SET`s that stick to later queries.
   */
  insertRaw?(params: RawInsert): Promise<void>
  /**
   * Embedded only: writes `values` to a staging file next to the data path, runs `use` with the file's absolute
   * path (for the file() table function: a large set of values reaches the engine as data, not as SQL text it has
   * to parse), and removes the file when `use` settles.
   */
  withStagedFile?<T>(values: Buffer | string, suffix: string, use: (file: string) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** A {@link ClickHouse.insertRaw} request. */
export interface RawInsert {
  table: string
  columns: readonly string[]
  /** TabSeparated text, or a Native block whose columns are named and ordered as `columns`. */
  format: 'TabSeparated' | 'Native'
  values: Buffer | string
  settings: Record<string, string | number>
}

/** Who holds an embedded data path: written next to it so a second process can say whom to stop. */
interface OwnerRecord {
  pid: number
  command: string
  startedAt: string
}

function ownerFile(dataPath: string): string {
  return `${dataPath}.owner.json`
}

function readOwner(dataPath: string): OwnerRecord | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(dataPath), 'utf8')) as OwnerRecord
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** PID written by the ClickHouse engine into `<path>/status` while it holds the path. */
function enginePid(dataPath: string): number | undefined {
  try {
    const m = /PID:\s*(\d+)/.exec(readFileSync(path.join(dataPath, 'status'), 'utf8'))
    return m?.[1] ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

function lockedError(dataPath: string, pid: number | undefined, cause?: unknown): DataPathLockedError {
  const owner = readOwner(dataPath)
  const who =
    owner && (pid === undefined || owner.pid === pid)
      ? `process ${owner.pid} (\`${owner.command}\`, since ${owner.startedAt})`
      : pid !== undefined
        ? `process ${pid}`
        : 'another process'
  return new DataPathLockedError(
    `the embedded ClickHouse data at ${dataPath} is in use by ${who}; chDB allows one process per data path. ` +
      'Stop that process (Ctrl-C or kill its PID), or run this command through it (`nhip sql` talks to a running ' +
      '`nhip start`), or set NHIP_DATA_DIR to another directory, or set CLICKHOUSE_URL to use a ClickHouse server.',
    cause,
  )
}

async function* splitJsonLines<T>(chunks: AsyncIterable<{ text(): string }>): AsyncIterable<T> {
  let rest = ''
  for await (const chunk of chunks) {
    const text = rest + chunk.text()
    const lines = text.split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) if (line) yield JSON.parse(line) as T
  }
  if (rest.trim()) yield JSON.parse(rest) as T
}

/**
 * Creates the staging directory of insertRaw, or empties it of other processes' files: a crash left them and the
 * data path is this process's now, so they are never read again. This process's own belong to running inserts.
 */
export function prepareStaging(dir: string, pid = process.pid): void {
  mkdirSync(dir, { recursive: true })
  for (const f of readdirSync(dir))
    if (!f.startsWith(`${pid}-`)) rmSync(path.join(dir, f), { recursive: true, force: true })
}

/**
 * Writes a file with as few event-loop turns as it takes: one write of the whole buffer (fs/promises' writeFile
 * writes 512 KiB at a time, each piece waiting for a turn of a possibly busy event loop — a 40 MB payload waited
 * seconds behind a back-fill's simulation).
 */
async function writeWhole(file: string, data: Buffer | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  const handle = await open(file, 'w')
  try {
    let done = 0
    while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten
  } finally {
    await handle.close()
  }
}

/** Names the staging files (insertRaw, withStagedFile): unique in this process, whatever handle writes them. */
let stagedInserts = 0

async function openEmbedded(
  cfg: Extract<ClickHouseConfig, { kind: 'embedded' }>,
  command: string,
): Promise<ClickHouse> {
  mkdirSync(cfg.path, { recursive: true })
  // Check first: opening a held path makes the engine print a raw exception on stderr.
  const holder = enginePid(cfg.path)
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw lockedError(cfg.path, holder)

  // chdb is loaded lazily so server-mode processes never load the native engine.
  const { createChdbConnection } = await import('chdb/connection')
  let connection: ReturnType<typeof createChdbConnection>
  try {
    connection = createChdbConnection({ path: cfg.path })
  } catch (err) {
    const holderNow = enginePid(cfg.path)
    if (holderNow !== undefined && holderNow !== process.pid) throw lockedError(cfg.path, holderNow, err)
    throw new ClickHouseUnavailableError(
      `cannot open the embedded ClickHouse at ${cfg.path}: ${errorMessage(err)}`,
      err,
    )
  }
  writeFileSync(
    ownerFile(cfg.path),
    JSON.stringify({ pid: process.pid, command, startedAt: new Date().toISOString() } satisfies OwnerRecord),
  )
  // Payloads of insertRaw wait here while the engine reads them.
  // Absolute: the engine resolves a relative file() path against its own user_files directory.
  const staging = path.resolve(`${cfg.path}.inserts`)
  prepareStaging(staging)
  // createClient's public type does not list `connection` yet (chdb ships ahead of the client's types).
  const client = createClient({
    connection,
    clickhouse_settings: CLIENT_SETTINGS,
    log: { level: ClickHouseLogLevel.OFF },
  } as unknown as Parameters<typeof createClient>[0])
  let closed = false
  async function withStagedFile<T>(
    values: Buffer | string,
    suffix: string,
    use: (file: string) => Promise<T>,
  ): Promise<T> {
    if (!/^[a-z]+$/.test(suffix)) throw new Error(`not a staging file suffix: ${JSON.stringify(suffix)}`)
    const file = path.join(staging, `${process.pid}-${++stagedInserts}.${suffix}`)
    await writeWhole(file, values)
    try {
      return await use(file)
    } finally {
      await unlink(file).catch((err) => {
        // Already gone is fine; any other failure is passed on.
        if (!isErrno(err, 'ENOENT')) throw err
      })
    }
  }
  return {
    client,
    kind: 'embedded',
    database: cfg.database,
    where: cfg.path,
    streamRows: <T>(sql: string) =>
      splitJsonLines<T>(connection.chdb.queryStream(sql, { format: 'JSONEachRow' })),
    withStagedFile,
    async insertRaw(params) {
      // Staged through a file: the engine reads it with the file() table function at about a third less CPU per
      // row than the same bytes inlined into the INSERT (chDB's rawInsert), measured on 1.1 M simulated events.
      await withStagedFile(params.values, params.format === 'Native' ? 'native' : 'tsv', (file) =>
        client.command({ query: insertFromFileSql(params, file) }),
      )
    },
    async close() {
      if (closed) return
      closed = true
      await client.close()
      const owner = readOwner(cfg.path)
      if (owner?.pid === process.pid) rmSync(ownerFile(cfg.path), { force: true })
    },
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/**
 * `INSERT INTO t (cols) SETTINGS … SELECT * FROM file(…)`: the file's columns take their types from the insertion
 * table (ClickHouse's use_structure_from_insertion_table_in_table_functions), the settings are this query's only.
 */
export function insertFromFileSql(params: Omit<RawInsert, 'values'>, file: string): string {
  for (const name of [params.table, ...params.columns, ...Object.keys(params.settings)])
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain ClickHouse identifier: ${JSON.stringify(name)}`)
  const settings = Object.entries(params.settings)
    .map(([k, v]) => {
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new Error(`setting ${k} is not a finite number: ${v}`)
      return `${k} = ${typeof v === 'number' ? String(v) : quoteString(v)}`
    })
    .join(', ')
  return (
    `INSERT INTO ${params.table} (${params.columns.join(', ')})${settings ? ` SETTINGS ${settings}` : ''} ` +
    `SELECT * FROM file(${quoteString(file)}, ${params.format})`
  )
}

function redactUrl(url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.toString()
}

async function openServer(cfg: Extract<ClickHouseConfig, { kind: 'server' }>): Promise<ClickHouse> {
  const client = createClient({
    url: cfg.url,
    username: cfg.username,
    password: cfg.password,
    request_timeout: 300_000,
    // Long analyst queries behind proxies: progress headers keep the connection alive.
    clickhouse_settings: {
      ...CLIENT_SETTINGS,
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: '10000',
    },
    // Failures surface as our typed errors; the client's own console logging would duplicate them unstructured.
    log: { level: ClickHouseLogLevel.OFF },
    ...(cfg.caFile && existsSync(cfg.caFile) ? { tls: { ca_cert: readFileSync(cfg.caFile) } } : {}),
  })
  const where = redactUrl(cfg.url)
  const timeout = new Promise<{ success: false; error: Error }>((resolve) =>
    setTimeout(
      () => resolve({ success: false, error: new Error(`no answer within ${cfg.connectTimeoutMs} ms`) }),
      cfg.connectTimeoutMs,
    ).unref(),
  )
  const ping = await Promise.race([client.ping(), timeout])
  if (!ping.success) {
    await client.close().catch(() => undefined)
    throw new ClickHouseUnavailableError(
      `cannot reach ClickHouse at ${where}: ${errorMessage(ping.error)}`,
      ping.error,
    )
  }
  return {
    client,
    kind: 'server',
    database: cfg.database,
    where,
    async *streamRows<T>(sql: string) {
      const rs = await client.query({ query: sql, format: 'JSONEachRow' })
      for await (const rows of rs.stream()) for (const row of rows) yield row.json() as T
    },
    close: () => client.close(),
  }
}

/**
 * Opens ClickHouse as configured: chDB in-process when `CLICKHOUSE_URL` is unset, else the server.
 * Throws {@link DataPathLockedError} when another process holds the embedded path,
 * {@link ClickHouseUnavailableError} when the server does not answer.
 * @example const ch = await openClickHouse(config.clickhouse, { command: 'nhip start' })
 */
export async function openClickHouse(cfg: ClickHouseConfig, opts: { command: string }): Promise<ClickHouse> {
  return cfg.kind === 'embedded' ? openEmbedded(cfg, opts.command) : openServer(cfg)
}

/** chDB errors are not `instanceof ClickHouseError`; compare the server error code instead. */
export function clickHouseErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code
    return code === undefined ? undefined : String(code)
  }
  return undefined
}

/** The server error name (`UNKNOWN_TABLE`, `SYNTAX_ERROR`, …) of a ClickHouse error from either transport. */
export function clickHouseErrorType(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'type' in err && 'code' in err) {
    const type = (err as { type: unknown }).type
    return typeof type === 'string' && type ? type : undefined
  }
  return undefined
}
