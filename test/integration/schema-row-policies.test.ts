// What the embedded engine makes of the row-policy SQL. It parses every statement (formatQuery), but has
// no writable user directory and its `default` user lacks access management, so it refuses to run them
// (ACCESS_DENIED; GRANT then finds no role). Enforcement needs a ClickHouse server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickHouseErrorType } from '../../infra/clickhouse/client.ts'
import { ANALYST_OBJECTS, agencyAccessSql, platformAccessSql } from '../../infra/clickhouse/row-policies.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
})
afterAll(async () => t?.cleanup())

const statements = [
  ...platformAccessSql({ database: 'nhip' }),
  ...agencyAccessSql({ database: 'nhip', agencyId: 'lamdong' }),
  ...agencyAccessSql({ database: 'nhip', agencyId: 'bao-lam.dong' }),
]

describe('row-policy SQL on the embedded engine', () => {
  it('names only tables and views the migrations create', async () => {
    const r = await rows<{ name: string }>(
      t.ch,
      `SELECT name FROM system.tables WHERE database = 'nhip' AND name IN (${ANALYST_OBJECTS.map((o) => `'${o}'`).join(', ')})`,
    )
    expect(r.map((x) => x.name).sort()).toEqual([...ANALYST_OBJECTS].sort())
  })

  it('covers every table and view that holds agency rows, except the platform’s own records', async () => {
    // Platform records, not analyst data: site registry (with key hashes), users, web sessions, the audit log
    // and the report files' index. A new table with agency_id must be added to one list or the other.
    const platformOnly = ['sites', 'users', 'web_sessions', 'audit_log', 'reports']
    const r = await rows<{ table: string }>(
      t.ch,
      `SELECT DISTINCT table FROM system.columns WHERE database = 'nhip' AND name = 'agency_id'
         AND table NOT LIKE '.inner%' AND table NOT LIKE '%\\_mv'`,
    )
    expect(r.map((x) => x.table).sort()).toEqual([...ANALYST_OBJECTS, ...platformOnly].sort())
  })

  it('parses every statement', async () => {
    for (const q of statements) {
      const rs = await t.ch.client.query({
        query: 'SELECT formatQuery({q:String}) AS f',
        query_params: { q },
        format: 'JSONEachRow',
      })
      const [r] = await rs.json<{ f: string }>()
      expect(r?.f).toMatch(/^(CREATE ROLE|GRANT SELECT|CREATE ROW POLICY)/)
    }
  })

  it('refuses to run them: chDB has no access management (roles and policies need a server)', async () => {
    const outcomes = new Set<string>()
    for (const query of statements) {
      try {
        await t.ch.client.command({ query })
        outcomes.add('ok')
      } catch (err) {
        outcomes.add(clickHouseErrorType(err) ?? 'unknown')
      }
    }
    // If a chDB upgrade starts accepting them, this fails on purpose: the limitation in docs/analysts.md is gone.
    expect([...outcomes].sort()).toEqual(['ACCESS_DENIED', 'UNKNOWN_ROLE'])
  })
})
