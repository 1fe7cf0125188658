// Numbered, idempotent SQL migrations: applied in order, recorded in schema_migrations,
// and refused when a file that was already applied has been edited since.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorMessage, MigrationError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { ClickHouse } from './client.ts'
import { clusterStatements } from './cluster-sql.ts'

/** The folder shipped with the code. */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/

export interface Migration {
  version: number
  name: string
  file: string
  sql: string
  /** sha256 of the file bytes, hex. */
  checksum: string
}

export interface MigrateResult {
  applied: Migration[]
  alreadyApplied: number
}

/** Reads and orders the migration files; rejects stray names and duplicate versions. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const seen = new Map<number, string>()
  const migrations: Migration[] = []
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue
    const m = FILE_NAME.exec(file)
    if (!m?.[1] || !m[2]) throw new MigrationError(`migration file ${file} must be named NNNN_name.sql`)
    const version = Number(m[1])
    const other = seen.get(version)
    if (other) throw new MigrationError(`migrations ${other} and ${file} share version ${version}`)
    seen.set(version, file)
    const bytes = readFileSync(path.join(dir, file))
    migrations.push({
      version,
      name: m[2],
      file,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    })
  }
  return migrations
}

/** Splits a file into statements: a statement ends with `;` at the end of a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter(Boolean)
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
  applied_at: string
}

/** True when `database.table` exists. */
export async function tableExists(ch: ClickHouse, table: string): Promise<boolean> {
  const rs = await ch.client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    query_params: { db: ch.database, t: table },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ n: string | number }>()
  return Boolean(row && Number(row.n) > 0)
}

async function readApplied(ch: ClickHouse): Promise<AppliedRow[]> {
  if (!(await tableExists(ch, 'schema_migrations'))) return []
  const rs = await ch.client.query({
    query: `SELECT version, name, checksum, toString(applied_at) AS applied_at FROM ${ch.database}.schema_migrations FINAL ORDER BY version`,
    format: 'JSONEachRow',
  })
  return (await rs.json<AppliedRow>()).map((r) => ({ ...r, version: Number(r.version) }))
}

/**
 * The statements a migration runs: as written, or rewritten for a cluster (ON CLUSTER, Replicated*,
 * Distributed; see cluster-sql.ts). `{db}` is replaced by the database name.
 * @example migrationStatements(m, 'nhip', { cluster: 'province' })
 */
export function migrationStatements(
  m: Migration,
  database: string,
  opts: { cluster?: string | undefined } = {},
): string[] {
  const { cluster } = opts
  return splitStatements(m.sql)
    .flatMap((statement) => {
      if (!cluster) return [statement]
      try {
        return clusterStatements(statement, { cluster })
      } catch (err) {
        throw new MigrationError(`migration ${m.file}: ${errorMessage(err)}`, err)
      }
    })
    .map((statement) => statement.replaceAll('{db}', database))
}

/**
 * Applies pending migrations in order. Idempotent: a second run applies nothing.
 * With `cluster`, every statement runs ON CLUSTER with replicated/distributed engines.
 * Throws {@link MigrationError} when an applied file changed or a statement fails.
 * @example const { applied } = await migrate(ch, { log })
 */
export async function migrate(
  ch: ClickHouse,
  opts: { log?: Logger; dir?: string; cluster?: string | undefined } = {},
): Promise<MigrateResult> {
  const { log } = opts
  const migrations = loadMigrations(opts.dir)
  const applied = new Map((await readApplied(ch)).map((r) => [r.version, r]))

  for (const m of migrations) {
    const done = applied.get(m.version)
    if (done && done.checksum !== m.checksum) {
      throw new MigrationError(
        `migration ${m.file} was edited after it was applied on ${done.applied_at} ` +
          `(checksum ${done.checksum.slice(0, 12)}… recorded, ${m.checksum.slice(0, 12)}… on disk). ` +
          'Restore the file and put the change in a new migration.',
      )
    }
  }
  const known = new Set(migrations.map((m) => m.version))
  for (const v of applied.keys()) {
    if (!known.has(v))
      log?.warn({ version: v }, 'database has a migration this code does not know (newer version?)')
  }

  const pending = migrations.filter((m) => !applied.has(m.version))
  // Rewrite everything first: a statement cluster mode cannot run stops before anything is applied.
  const statements = new Map(
    pending.map((m) => [m.version, migrationStatements(m, ch.database, { cluster: opts.cluster })]),
  )
  if (opts.cluster && pending.length)
    log?.info({ cluster: opts.cluster, pending: pending.length }, 'migrating in cluster mode')
  const unrecorded: Array<{ m: Migration; appliedAt: string; durationMs: number }> = []
  for (const m of pending) {
    const started = Date.now()
    for (const statement of statements.get(m.version) ?? []) {
      try {
        await ch.client.command({ query: statement })
      } catch (err) {
        throw new MigrationError(`migration ${m.file} failed: ${errorMessage(err)}`, err)
      }
    }
    unrecorded.push({ m, appliedAt: new Date().toISOString(), durationMs: Date.now() - started })
    log?.info({ migration: m.file, duration_ms: Date.now() - started }, 'migration applied')
    // The first migrations create the table that records them: record as soon as it exists.
    if (m.name === 'schema_migrations' || (await tableExists(ch, 'schema_migrations'))) {
      await ch.client.insert({
        table: `${ch.database}.schema_migrations`,
        values: unrecorded.map((u) => ({
          version: u.m.version,
          name: u.m.name,
          checksum: u.m.checksum,
          applied_at: u.appliedAt.replace('T', ' ').replace('Z', ''),
          duration_ms: u.durationMs,
        })),
        format: 'JSONEachRow',
      })
      unrecorded.length = 0
    }
  }
  if (unrecorded.length) throw new MigrationError('schema_migrations was not created by the migrations')
  return { applied: pending, alreadyApplied: migrations.length - pending.length }
}
