// Retention is configuration, not schema: TTLs are set (or changed, or removed) at start-up from config,
// never in a migration. Raw events and sessions hold per-reader data and share one period; rollups
// hold only counts and are usually kept much longer.
import { z } from 'zod'
import { MigrationError } from '../../errors.ts'
import type { ClickHouse } from '../client.ts'

/** Days to keep; `null` keeps forever (removes the TTL). */
const Days = z.number().int().min(1).max(36_500).nullable()

export const RetentionConfig = z.object({
  /** Raw events and sessions (per-reader data). */
  eventsDays: Days,
  /** Hourly rollups (counts only). */
  rollupDays: Days,
})
export type RetentionConfig = z.infer<typeof RetentionConfig>

/** Each table with the date expression its rows expire by, and which setting it follows. */
export const RETENTION_TABLES = [
  { table: 'events', column: 'day', setting: 'eventsDays' },
  { table: 'sessions', column: 'day', setting: 'eventsDays' },
  { table: 'rollup_article_hourly', column: 'hour', setting: 'rollupDays' },
  { table: 'rollup_site_hourly', column: 'hour', setting: 'rollupDays' },
] as const

export interface RetentionChange {
  table: string
  /** TTL expression now in force (as ClickHouse prints it), or null for none. */
  ttl: string | null
  /** The statement issued, or null when the table already had that TTL. */
  statement: string | null
}

/** The TTL clause of a MergeTree's `engine_full`, as ClickHouse normalises it (`day + toIntervalDay(30)`). */
export function ttlOf(engineFull: string): string | null {
  const m = /\bTTL (.+?)(?: SETTINGS .*)?$/.exec(engineFull)
  return m?.[1]?.trim() ?? null
}

/**
 * Makes each table's TTL match the config; a table already right is left alone (a changed TTL rewrites
 * every part once: with `materialize: false` old parts only expire as they are merged).
 * @example await applyRetention(ch, { eventsDays: 400, rollupDays: 1825 })
 */
export async function applyRetention(
  ch: ClickHouse,
  config: RetentionConfig,
  opts: { materialize?: boolean; cluster?: string | undefined } = {},
): Promise<RetentionChange[]> {
  // Cluster mode (see cluster-sql.ts): these tables are sharded; their data and TTL live in `<table>_local`.
  const stored = (table: string) => (opts.cluster ? `${table}_local` : table)
  const onCluster = opts.cluster ? ` ON CLUSTER ${opts.cluster}` : ''
  const cfg = RetentionConfig.parse(config)
  const rs = await ch.client.query({
    query:
      'SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
    query_params: { db: ch.database, names: RETENTION_TABLES.map((t) => stored(t.table)) },
    format: 'JSONEachRow',
  })
  const current = new Map(
    (await rs.json<{ name: string; engine_full: string }>()).map((r) => [r.name, ttlOf(r.engine_full)]),
  )
  const settings = opts.materialize === false ? ' SETTINGS materialize_ttl_after_modify = 0' : ''

  const changes: RetentionChange[] = []
  for (const { table, column, setting } of RETENTION_TABLES) {
    if (!current.has(stored(table)))
      throw new MigrationError(`table ${ch.database}.${stored(table)} does not exist: run the migrations first`)
    const days = cfg[setting]
    const want = days === null ? null : `${column} + toIntervalDay(${days})`
    const have = current.get(stored(table)) ?? null
    let statement: string | null = null
    if (want !== have) {
      statement =
        want === null
          ? `ALTER TABLE ${ch.database}.${stored(table)}${onCluster} REMOVE TTL`
          : `ALTER TABLE ${ch.database}.${stored(table)}${onCluster} MODIFY TTL ${want}${settings}`
      await ch.client.command({ query: statement })
    }
    changes.push({ table, ttl: want, statement })
  }
  return changes
}
