// Cluster mode of the migrations: the same numbered files, rewritten statement by statement for a
// ClickHouse cluster (CLICKHOUSE_CLUSTER). The rules, also in docs/operations.md ("ClickHouse clusters"):
//  - every DDL runs `ON CLUSTER <name>` (the distributed DDL queue applies it on every node);
//  - `*MergeTree` engines become `Replicated*MergeTree`; replication arguments come first;
//  - the per-reader tables (events and what its materialized views fill) are sharded: the replicated table
//    is `<name>_local` and `<name>` becomes a `Distributed` table over it, sharded by
//    cityHash64(agency_id, site_id) so one site's rows stay on one shard (FINAL, the writer's duplicate check
//    and per-site aggregates stay exact); materialized views read and write the `_local` tables, so every
//    shard rolls up its own inserts;
//  - every other table (sites, users, articles, job records…) is small and fully replicated: one replica
//    path for the whole cluster, so every node holds all of it and joins stay local;
//  - views are created on every node and read the Distributed tables;
//  - anything else (INSERT, an engine outside the MergeTree family, a materialized view without TO) is
//    refused with an error naming the statement, so a new migration cannot silently skip the cluster.
import { MigrationError } from '../errors.ts'

/** Tables sharded across the cluster (the rest are fully replicated). */
export const CLUSTER_SHARDED_TABLES: ReadonlyMap<string, string> = new Map([
  ['events', 'cityHash64(agency_id, site_id)'],
  ['sessions', 'cityHash64(agency_id, site_id)'],
  ['rollup_article_hourly', 'cityHash64(agency_id, site_id)'],
  ['rollup_site_hourly', 'cityHash64(agency_id, site_id)'],
])

/** ZooKeeper/Keeper path of a sharded table's replicas ({shard}, {replica} are server macros). */
export const SHARDED_REPLICA_PATH = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'"
/** Path of a fully replicated table: the same on every shard, so every node has all rows. */
export const FULL_REPLICA_PATH = "'/clickhouse/tables/all/{database}/{table}', '{replica}'"

const NAME = String.raw`(\{db\}\.([A-Za-z_][A-Za-z0-9_]*))`
const IF_NOT_EXISTS = String.raw`(?:IF\s+NOT\s+EXISTS\s+)?`
const IF_EXISTS = String.raw`(?:IF\s+EXISTS\s+)?`

export interface ClusterSqlOptions {
  cluster: string
  /** Default {@link CLUSTER_SHARDED_TABLES}. */
  sharded?: ReadonlyMap<string, string>
}

function fail(statement: string, why: string): never {
  const head = statement.replace(/\s+/g, ' ').slice(0, 80)
  throw new MigrationError(`cluster mode cannot run "${head}…": ${why}`)
}

/** Index of the `)` closing the `(` at `open`. */
function closingParen(s: string, open: number): number {
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === "'" || c === '`' || c === '"') quote = c
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i
  }
  return -1
}

/** `ENGINE = XMergeTree[(args)]` → `ENGINE = ReplicatedXMergeTree(path, replica[, args])`. */
function replicateEngine(statement: string, replicaPath: string): string {
  const m = /\bENGINE\s*=\s*([A-Za-z]*MergeTree)\b/.exec(statement)
  if (!m?.[1]) {
    const other = /\bENGINE\s*=\s*([A-Za-z]+)/.exec(statement)?.[1]
    return fail(
      statement,
      `engine ${other ?? '(none)'} has no replicated variant here; use a MergeTree-family engine`,
    )
  }
  if (m[1].startsWith('Replicated'))
    return fail(statement, 'migrations must use plain engines; cluster mode adds Replicated')
  const afterName = m.index + m[0].length
  let args = ''
  let end = afterName
  const rest = statement.slice(afterName)
  const parenAt = /^\s*\(/.exec(rest)
  if (parenAt) {
    const open = afterName + parenAt[0].length - 1
    const close = closingParen(statement, open)
    if (close < 0) return fail(statement, 'unbalanced parentheses in ENGINE')
    args = statement.slice(open + 1, close).trim()
    end = close + 1
  }
  const engine = `ENGINE = Replicated${m[1]}(${replicaPath}${args ? `, ${args}` : ''})`
  return (
    statement.slice(0, m.index) +
    engine +
    statement
      .slice(end)
      // Replicated tables deduplicate retried inserts by their own window.
      .replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window')
  )
}

/** `FROM {db}.events` / `JOIN {db}.events` → the shard-local table, for materialized views. */
function readLocal(statement: string, sharded: ReadonlyMap<string, string>): string {
  return statement.replace(
    /\b(FROM|JOIN)(\s+)\{db\}\.([A-Za-z_][A-Za-z0-9_]*)\b/g,
    (all, kw, sp, table: string) => (sharded.has(table) ? `${kw}${sp}{db}.${table}_local` : all),
  )
}

/**
 * Rewrites one migration statement (with `{db}` still in it) into the statements a cluster runs.
 * @example clusterStatements('CREATE TABLE IF NOT EXISTS {db}.sites (…) ENGINE = ReplacingMergeTree(updated_at) ORDER BY site_id', { cluster: 'nhip' })
 */
export function clusterStatements(statement: string, opts: ClusterSqlOptions): string[] {
  const sharded = opts.sharded ?? CLUSTER_SHARDED_TABLES
  const on = ` ON CLUSTER ${opts.cluster}`
  const s = statement.trim()
  let m: RegExpExecArray | null

  m = new RegExp(String.raw`^(CREATE\s+DATABASE\s+${IF_NOT_EXISTS}\S+)`, 'i').exec(s)
  if (m?.[1]) return [m[1] + on + s.slice(m[1].length)]

  m = new RegExp(String.raw`^(CREATE\s+TABLE\s+${IF_NOT_EXISTS})${NAME}`, 'i').exec(s)
  if (m?.[1] && m[2] && m[3]) {
    const [head, kw, full, table] = [m[0], m[1], m[2], m[3]]
    const body = s.slice(head.length)
    if (/^\s+AS\s/i.test(body)) return fail(s, 'CREATE TABLE … AS is not supported; spell out the columns')
    const key = sharded.get(table)
    if (!key) return [replicateEngine(`${kw}${full}${on}${body}`, FULL_REPLICA_PATH)]
    const local = `${full}_local`
    return [
      replicateEngine(`${kw}${local}${on}${body}`, SHARDED_REPLICA_PATH),
      `${kw}${full}${on} AS ${local} ENGINE = Distributed(${opts.cluster}, {db}, ${table}_local, ${key})`,
    ]
  }

  m = new RegExp(String.raw`^(CREATE\s+MATERIALIZED\s+VIEW\s+${IF_NOT_EXISTS})${NAME}`, 'i').exec(s)
  if (m?.[1] && m[2]) {
    const rest = s.slice(m[0].length)
    const to = new RegExp(String.raw`^\s+TO\s+${NAME}`, 'i').exec(rest)
    if (!to?.[1] || !to[2])
      return fail(s, 'a materialized view needs TO <table> (its inner table would not be replicated)')
    const target = sharded.has(to[2]) ? `${to[1]}_local` : to[1]
    return [`${m[1]}${m[2]}${on} TO ${target}${readLocal(rest.slice(to[0].length), sharded)}`]
  }

  m = new RegExp(String.raw`^(CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+${IF_NOT_EXISTS})${NAME}`, 'i').exec(s)
  if (m?.[1] && m[2]) return [m[1] + m[2] + on + s.slice(m[0].length)]

  m = new RegExp(String.raw`^(ALTER\s+TABLE\s+)${NAME}`, 'i').exec(s)
  if (m?.[1] && m[2] && m[3]) {
    // Replicated tables deduplicate retried inserts by their own window.
    const rest = s
      .slice(m[0].length)
      .replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window')
    if (!sharded.has(m[3])) return [m[1] + m[2] + on + rest]
    // Data lives in the _local table; the Distributed table must show the same columns.
    const columns = /^\s+(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i.test(rest)
    return [`${m[1]}${m[2]}_local${on}${rest}`, ...(columns ? [m[1] + m[2] + on + rest] : [])]
  }

  m = new RegExp(String.raw`^(DROP\s+(?:TABLE|VIEW|DICTIONARY)\s+${IF_EXISTS})${NAME}`, 'i').exec(s)
  if (m?.[1] && m[2] && m[3]) {
    const rest = s.slice(m[0].length)
    const drop = [m[1] + m[2] + on + rest]
    return sharded.has(m[3]) ? [...drop, `${m[1]}${m[2]}_local${on}${rest}`] : drop
  }

  return fail(
    s,
    'only CREATE DATABASE/TABLE/VIEW/MATERIALIZED VIEW … TO, ALTER TABLE and DROP are rewritten for clusters',
  )
}
