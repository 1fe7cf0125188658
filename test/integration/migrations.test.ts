import { cpSync, appendFileSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS_DIR, loadMigrations, migrate } from '../../infra/clickhouse/migrate.ts'
import { MigrationError } from '../../infra/errors.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse({ migrated: false })
})
afterAll(async () => t.cleanup())

async function schemaSnapshot(): Promise<string[]> {
  const r = await rows<{ name: string; create_table_query: string }>(
    t.ch,
    "SELECT name, create_table_query FROM system.tables WHERE database = 'nhip' ORDER BY name",
  )
  return r.map((x) => `${x.name}: ${x.create_table_query}`)
}

describe('migrations on the real ClickHouse engine', () => {
  it('apply once, then a second run applies nothing and changes nothing', async () => {
    const first = await migrate(t.ch)
    expect(first.applied.map((m) => m.file)).toEqual(loadMigrations().map((m) => m.file))
    const before = await schemaSnapshot()
    const recorded = await rows<{ version: number }>(t.ch, 'SELECT version FROM nhip.schema_migrations FINAL ORDER BY version')
    expect(recorded.map((r) => Number(r.version))).toEqual(loadMigrations().map((m) => m.version))

    const second = await migrate(t.ch)
    expect(second.applied).toEqual([])
    expect(second.alreadyApplied).toBe(loadMigrations().length)
    expect(await schemaSnapshot()).toEqual(before)
  })

  it('creates the raw events table partitioned by month and ordered by agency, site, day', async () => {
    const [events] = await rows<{ engine: string; partition_key: string; sorting_key: string }>(
      t.ch,
      "SELECT engine, partition_key, sorting_key FROM system.tables WHERE database = 'nhip' AND name = 'events'",
    )
    expect(events).toMatchObject({ partition_key: 'toYYYYMM(day)' })
    expect(events?.sorting_key.startsWith('agency_id, site_id, day')).toBe(true)
    const cols = await rows<{ name: string }>(t.ch, "SELECT name FROM system.columns WHERE database='nhip' AND table='events'")
    const names = cols.map((c) => c.name)
    expect(names).toEqual(expect.arrayContaining(['event_id', 'visitor_id', 'referrer_class', 'province', 'engaged_ms']))
    // Privacy by design: there is nowhere to put a raw IP or user agent.
    expect(names.filter((n) => /(^|_)(ip|user_agent|ua)$/.test(n))).toEqual([])
  })

  it('refuses to run when an applied migration file was edited', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-mig-edit-'))
    cpSync(MIGRATIONS_DIR, dir, { recursive: true })
    appendFileSync(path.join(dir, '0003_events.sql'), '\n-- an innocent-looking edit\n')
    await expect(migrate(t.ch, { dir })).rejects.toThrow(MigrationError)
    await expect(migrate(t.ch, { dir })).rejects.toThrow(/0003_events.sql was edited after it was applied/)
  })

  it('applies a new migration added after the first run, and only that one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-mig-new-'))
    cpSync(MIGRATIONS_DIR, dir, { recursive: true })
    const next = String(Math.max(...loadMigrations().map((m) => m.version)) + 1).padStart(4, '0')
    appendFileSync(
      path.join(dir, `${next}_probe.sql`),
      'CREATE TABLE IF NOT EXISTS {db}.probe (x UInt8) ENGINE = MergeTree ORDER BY x;\n',
    )
    const r = await migrate(t.ch, { dir })
    expect(r.applied.map((m) => m.name)).toEqual(['probe'])
    expect(await rows(t.ch, 'SELECT count() AS n FROM nhip.probe')).toEqual([{ n: '0' }])
  })
})
