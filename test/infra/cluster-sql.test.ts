// Cluster mode of the migrations, checked on the shipped migration texts. No ClickHouse cluster (Keeper,
// remote_servers) exists on this machine, so the rewritten statements are checked by rule and parsed by the
// real ClickHouse parser (chDB, EXPLAIN AST) — they are not executed on a cluster here.
import { query } from 'chdb'
import { describe, expect, it } from 'vitest'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import {
  CLUSTER_SHARDED_TABLES,
  clusterStatements,
  FULL_REPLICA_PATH,
  SHARDED_REPLICA_PATH,
} from '../../infra/clickhouse/cluster-sql.ts'
import { loadMigrations, migrationStatements, splitStatements } from '../../infra/clickhouse/migrate.ts'
import { applyRetention } from '../../infra/clickhouse/tables/retention.ts'

const cluster = 'province'
const migrations = loadMigrations()
const all = migrations.flatMap((m) =>
  migrationStatements(m, 'nhip', { cluster }).map((sql) => ({ file: m.file, sql })),
)
const creates = (kind: string) => all.filter((s) => new RegExp(`^CREATE ${kind} `).test(s.sql))

describe('cluster mode on the shipped migrations', () => {
  it('leaves single-node statements as written when no cluster is set', () => {
    for (const m of migrations) {
      expect(migrationStatements(m, 'nhip')).toEqual(
        splitStatements(m.sql).map((s) => s.replaceAll('{db}', 'nhip')),
      )
    }
  })

  it('runs every statement ON CLUSTER, and the ClickHouse parser accepts each one', () => {
    const written = migrations.flatMap((m) => splitStatements(m.sql))
    // A sharded table is created twice (replicated _local + Distributed); a column change on it runs on both.
    const columnChanges = written.filter((s) =>
      /^ALTER TABLE \{db\}\.(\w+)\s+(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\b/.exec(s)?.[1] &&
      CLUSTER_SHARDED_TABLES.has(/^ALTER TABLE \{db\}\.(\w+)/.exec(s)?.[1] ?? ''),
    )
    expect(all.length).toBe(written.length + CLUSTER_SHARDED_TABLES.size + columnChanges.length)
    expect(columnChanges.length).toBeGreaterThan(0)
    for (const { file, sql } of all) {
      expect(sql.split(/[(\n]/)[0], file).toContain(` ON CLUSTER ${cluster}`)
      expect(() => query(`EXPLAIN AST ${sql}`, 'TabSeparated'), `${file}: ${sql.slice(0, 120)}`).not.toThrow()
    }
  })

  it('gives every table a replicated engine: sharded ones per shard, the others on every node', () => {
    const tables = creates('TABLE')
    for (const { file, sql } of tables) {
      const engine = /ENGINE = (\w+)/.exec(sql)?.[1]
      expect(engine, `${file}: ${sql.slice(0, 80)}`).toMatch(/^(Replicated\w*MergeTree|Distributed)$/)
      if (engine !== 'Distributed') {
        const name = /nhip\.(\w+)/.exec(sql)?.[1] ?? ''
        const sharded = CLUSTER_SHARDED_TABLES.has(name.replace(/_local$/, ''))
        expect(sql, name).toContain(sharded ? SHARDED_REPLICA_PATH : FULL_REPLICA_PATH)
      }
    }
    // Engine arguments follow the replication ones; the dedup window becomes the replicated one.
    const events = tables.find((t) => t.sql.startsWith('CREATE TABLE IF NOT EXISTS nhip.events_local '))?.sql
    expect(events).toContain(`ENGINE = ReplicatedReplacingMergeTree(${SHARDED_REPLICA_PATH}, received_at)`)
    expect(events).toContain('SETTINGS replicated_deduplication_window = 10000')
    expect(all.some((s) => s.sql.includes('non_replicated_deduplication_window'))).toBe(false)
    const sites = tables.find((t) => t.sql.startsWith('CREATE TABLE IF NOT EXISTS nhip.sites '))?.sql
    expect(sites).toContain(`ENGINE = ReplicatedReplacingMergeTree(${FULL_REPLICA_PATH}, updated_at)`)
  })

  it('puts a Distributed table, sharded by agency and site, in front of each sharded table', () => {
    for (const [table, key] of CLUSTER_SHARDED_TABLES) {
      const local = creates('TABLE').findIndex((s) =>
        s.sql.startsWith(`CREATE TABLE IF NOT EXISTS nhip.${table}_local `),
      )
      const dist = creates('TABLE').findIndex(
        (s) =>
          s.sql ===
          `CREATE TABLE IF NOT EXISTS nhip.${table} ON CLUSTER ${cluster} AS nhip.${table}_local ENGINE = Distributed(${cluster}, nhip, ${table}_local, ${key})`,
      )
      expect(local, table).toBeGreaterThanOrEqual(0)
      expect(dist, table).toBe(local + 1)
    }
  })

  it('makes materialized views roll up each shard: read events_local, write the _local rollups', () => {
    const views = creates('MATERIALIZED VIEW')
    expect(views.length).toBe(3)
    for (const { sql } of views) {
      expect(sql).toMatch(/ TO nhip\.(rollup_article_hourly|rollup_site_hourly|sessions)_local AS/)
      expect(sql).toMatch(/FROM nhip\.events_local\b/)
      expect(sql).not.toMatch(/FROM nhip\.events\b(?!_)/)
    }
  })

  it('leaves analyst views reading the Distributed tables (all shards)', () => {
    const views = creates('VIEW')
    expect(views.length).toBeGreaterThan(4)
    for (const { sql } of views) expect(sql).not.toMatch(/_local\b/)
  })
})

describe('cluster rewrite of statements future migrations may hold', () => {
  const rewrite = (sql: string) => clusterStatements(sql, { cluster })

  it('alters the local table, and the Distributed one too when columns change', () => {
    expect(rewrite('ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS city String')).toEqual([
      `ALTER TABLE {db}.events_local ON CLUSTER ${cluster} ADD COLUMN IF NOT EXISTS city String`,
      `ALTER TABLE {db}.events ON CLUSTER ${cluster} ADD COLUMN IF NOT EXISTS city String`,
    ])
    expect(rewrite('ALTER TABLE {db}.events MODIFY TTL day + INTERVAL 400 DAY')).toEqual([
      `ALTER TABLE {db}.events_local ON CLUSTER ${cluster} MODIFY TTL day + INTERVAL 400 DAY`,
    ])
    expect(rewrite('ALTER TABLE {db}.sites ADD COLUMN note String')).toEqual([
      `ALTER TABLE {db}.sites ON CLUSTER ${cluster} ADD COLUMN note String`,
    ])
  })

  it('drops both halves of a sharded table', () => {
    expect(rewrite('DROP TABLE IF EXISTS {db}.sessions')).toEqual([
      `DROP TABLE IF EXISTS {db}.sessions ON CLUSTER ${cluster}`,
      `DROP TABLE IF EXISTS {db}.sessions_local ON CLUSTER ${cluster}`,
    ])
  })

  it.each([
    ['INSERT INTO {db}.sites VALUES (1)', /only CREATE DATABASE\/TABLE/],
    ['CREATE TABLE {db}.t (a String) ENGINE = Memory', /engine Memory has no replicated variant/],
    ['CREATE TABLE {db}.t (a String) ENGINE = ReplicatedMergeTree ORDER BY a', /must use plain engines/],
    [
      'CREATE MATERIALIZED VIEW {db}.mv ENGINE = MergeTree ORDER BY a AS SELECT a FROM {db}.events',
      /needs TO <table>/,
    ],
    ['CREATE TABLE {db}.t AS {db}.events', /spell out the columns/],
  ])('refuses %s with a reason instead of skipping the cluster', (sql, reason) => {
    expect(() => rewrite(sql)).toThrow(reason)
  })

  it('names the migration file when a statement cannot be rewritten', () => {
    const m = {
      version: 99,
      name: 'seed',
      file: '0099_seed.sql',
      sql: 'INSERT INTO {db}.sites VALUES (1);\n',
      checksum: '',
    }
    expect(() => migrationStatements(m, 'nhip', { cluster })).toThrow(
      /migration 0099_seed.sql: cluster mode cannot run "INSERT INTO/,
    )
  })
})

describe('retention in cluster mode', () => {
  it('sets the TTLs on the _local tables, ON CLUSTER (a Distributed table has no TTL)', async () => {
    // Stands in for a cluster's answers (no cluster here): system.tables lists what cluster mode created.
    const asked: string[][] = []
    const commands: string[] = []
    const ch = {
      database: 'nhip',
      client: {
        async query(q: { query_params: { names: string[] } }) {
          asked.push(q.query_params.names)
          return {
            json: async () =>
              q.query_params.names.map((name) => ({ name, engine_full: 'ReplicatedMergeTree ORDER BY x' })),
          }
        },
        async command(q: { query: string }) {
          commands.push(q.query)
        },
      },
    } as unknown as ClickHouse
    await applyRetention(ch, { eventsDays: 400, rollupDays: null }, { cluster })
    expect(asked[0]).toEqual([
      'events_local',
      'sessions_local',
      'rollup_article_hourly_local',
      'rollup_site_hourly_local',
    ])
    expect(commands).toEqual([
      `ALTER TABLE nhip.events_local ON CLUSTER ${cluster} MODIFY TTL day + toIntervalDay(400)`,
      `ALTER TABLE nhip.sessions_local ON CLUSTER ${cluster} MODIFY TTL day + toIntervalDay(400)`,
    ])
    for (const c of commands) expect(() => query(`EXPLAIN AST ${c}`, 'TabSeparated')).not.toThrow()
  })
})
