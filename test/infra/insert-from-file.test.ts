// The INSERT that reads an embedded insertRaw payload from its staging file: names checked, values quoted.
import { describe, expect, it } from 'vitest'
import { insertFromFileSql } from '../../infra/clickhouse/client.ts'

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
