// The INSERT that reads an embedded insertRaw payload from its staging file (names checked, values quoted), and
// the staging directory's clean-up when a process takes the data path.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { insertFromFileSql, prepareStaging } from '../../infra/clickhouse/client.ts'

const base = {
  table: 'nhip.events',
  columns: ['event_id', 'ts'],
  format: 'TabSeparated' as const,
  settings: {},
}

describe('insertFromFileSql', () => {
  it('names the columns, puts the settings in the INSERT and reads the file as the given format', () => {
    expect(
      insertFromFileSql(
        { ...base, settings: { insert_deduplication_token: 'kafka:events:0:10-19', max_threads: 2 } },
        '/data/ch.inserts/1-1.tsv',
      ),
    ).toBe(
      "INSERT INTO nhip.events (event_id, ts) SETTINGS insert_deduplication_token = 'kafka:events:0:10-19', " +
        "max_threads = 2 SELECT * FROM file('/data/ch.inserts/1-1.tsv', TabSeparated)",
    )
  })

  it('quotes backslashes and quotes in setting values and the path', () => {
    const sql = insertFromFileSql(
      { ...base, settings: { insert_deduplication_token: "a'b\\c" } },
      "/tmp/o'k\\.tsv",
    )
    expect(sql).toContain("insert_deduplication_token = 'a\\'b\\\\c'")
    expect(sql).toContain("file('/tmp/o\\'k\\\\.tsv', TabSeparated)")
  })

  it('refuses a table, column or setting name that is not a plain identifier', () => {
    expect(() => insertFromFileSql({ ...base, table: 'nhip.events; DROP TABLE x' }, '/f')).toThrow(
      /identifier/,
    )
    expect(() => insertFromFileSql({ ...base, columns: ['ts) SELECT 1 --'] }, '/f')).toThrow(/identifier/)
    expect(() => insertFromFileSql({ ...base, settings: { 'a = 1, b': 1 } }, '/f')).toThrow(/identifier/)
    expect(() => insertFromFileSql({ ...base, settings: { max_threads: Number.NaN } }, '/f')).toThrow(
      /finite/,
    )
  })
})

describe('prepareStaging', () => {
  it('creates the directory, removes what other processes left and keeps this process’s files', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'nhip-staging-')), 'ch.inserts')
    prepareStaging(dir, 4242)
    expect(readdirSync(dir)).toEqual([])
    writeFileSync(path.join(dir, '4242-7.tsv'), 'mine')
    writeFileSync(path.join(dir, '99-1.tsv'), 'left by a crash')
    writeFileSync(path.join(dir, '42420-1.tsv'), 'another pid with the same prefix digits')
    prepareStaging(dir, 4242)
    expect(readdirSync(dir)).toEqual(['4242-7.tsv'])
    rmSync(path.dirname(dir), { recursive: true, force: true })
  })
})
