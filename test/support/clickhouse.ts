// A fresh embedded ClickHouse (real chDB engine) per test file, built from the real migrations.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type ClickHouse, openClickHouse } from '../../infra/clickhouse/client.ts'
import { migrate } from '../../infra/clickhouse/migrate.ts'

export interface TestClickHouse {
  ch: ClickHouse
  dir: string
  cleanup(): Promise<void>
}

/** Opens chDB at a new temporary path; `migrated: false` leaves the schema to the test. */
export async function freshClickHouse(opts: { migrated?: boolean; database?: string } = {}): Promise<TestClickHouse> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-test-ch-'))
  const ch = await openClickHouse(
    { kind: 'embedded', path: path.join(dir, 'clickhouse'), database: opts.database ?? 'nhip' },
    { command: 'vitest' },
  )
  if (opts.migrated !== false) await migrate(ch)
  return {
    ch,
    dir,
    async cleanup() {
      await ch.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Runs a query and returns its rows as objects. */
export async function rows<T = Record<string, unknown>>(ch: ClickHouse, query: string): Promise<T[]> {
  const rs = await ch.client.query({ query, format: 'JSONEachRow' })
  return rs.json<T>()
}
