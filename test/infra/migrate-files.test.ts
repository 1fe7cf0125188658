import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadMigrations, splitStatements } from '../../infra/clickhouse/migrate.ts'

describe('splitStatements', () => {
  it('splits on ; at line end and drops comment lines', () => {
    const sql = '-- first\nCREATE TABLE a (x String DEFAULT \';\');\n\n-- second\nCREATE VIEW b AS SELECT 1;\n'
    expect(splitStatements(sql)).toEqual(["CREATE TABLE a (x String DEFAULT ';')", 'CREATE VIEW b AS SELECT 1'])
  })
})

describe('loadMigrations', () => {
  it('orders the shipped migrations and starts with the database', () => {
    const ms = loadMigrations()
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort((a, b) => a - b))
    expect(ms[0]?.name).toBe('database')
    expect(ms.every((m) => /^[0-9a-f]{64}$/.test(m.checksum))).toBe(true)
  })

  it('rejects badly named files and duplicate versions', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-mig-'))
    writeFileSync(path.join(dir, '0001_a.sql'), 'SELECT 1;')
    writeFileSync(path.join(dir, '1_b.sql'), 'SELECT 1;')
    expect(() => loadMigrations(dir)).toThrow(/1_b.sql must be named NNNN_name.sql/)
    const dup = mkdtempSync(path.join(os.tmpdir(), 'nhip-mig-'))
    writeFileSync(path.join(dup, '0001_a.sql'), 'SELECT 1;')
    writeFileSync(path.join(dup, '0001_b.sql'), 'SELECT 1;')
    expect(() => loadMigrations(dup)).toThrow(/share version 1/)
  })
})
