import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickHouseErrorType } from '../../infra/clickhouse/client.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const NHIP = path.resolve('bin/nhip')
let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
})
afterAll(async () => t.cleanup())

describe('embedded ClickHouse (chDB) through @clickhouse/client', () => {
  it('inserts and reads back Vietnamese text and 64-bit integers as strings', async () => {
    await t.ch.client.command({
      query: 'CREATE TABLE nhip.t64 (id UInt64, s String) ENGINE = MergeTree ORDER BY id',
    })
    await t.ch.client.insert({
      table: 'nhip.t64',
      values: [{ id: '18446744073709551615', s: 'Lâm Đồng — Đà Lạt' }],
      format: 'JSONEachRow',
    })
    expect(await rows(t.ch, 'SELECT id, s FROM nhip.t64')).toEqual([
      { id: '18446744073709551615', s: 'Lâm Đồng — Đà Lạt' },
    ])
  })

  it('insertRaw: stages the payload in a file the INSERT reads, with its settings, and leaves no file behind', async () => {
    await t.ch.client.command({
      query: 'CREATE TABLE nhip.raw (id UInt32, s String, at DateTime64(3)) ENGINE = MergeTree ORDER BY id',
    })
    const staging = `${path.join(t.dir, 'clickhouse')}.inserts`
    const settings = { insert_deduplication_token: "tok'1", max_threads: 1 }
    const { insertRaw } = t.ch
    if (!insertRaw) throw new Error('the embedded engine has insertRaw')
    const insert = (values: string) =>
      insertRaw({
        table: 'nhip.raw',
        columns: ['id', 's', 'at'],
        format: 'TabSeparated',
        values,
        settings,
      })
    await insert('1\tĐà Lạt\\t\t2026-11-20 01:02:03.456\n2\t\t2026-11-20 01:02:03.457\n')
    expect(await rows(t.ch, 'SELECT id, s, toString(at) AS at FROM nhip.raw ORDER BY id')).toEqual([
      { id: 1, s: 'Đà Lạt\t', at: '2026-11-20 01:02:03.456' },
      { id: 2, s: '', at: '2026-11-20 01:02:03.457' },
    ])
    const bad = await insert('3\tx\tnot a time\n').catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(Error)
    expect(String(bad)).toMatch(/DateTime/)
    expect(readdirSync(staging)).toEqual([])
    expect(await rows(t.ch, 'SELECT count() AS n FROM nhip.raw')).toEqual([{ n: '2' }])
  })

  it('streams a big read chunk by chunk, in order, without losing rows', async () => {
    let n = 0
    let outOfOrder = 0
    for await (const row of t.ch.streamRows<{ number: string }>('SELECT number FROM numbers(300000)')) {
      if (Number(row.number) !== n) outOfOrder++
      n++
    }
    expect(n).toBe(300_000)
    expect(outOfOrder).toBe(0)
  })

  it('exposes the server error type (chDB errors are not instanceof ClickHouseError)', async () => {
    const err = await t.ch.client
      .query({ query: 'SELECT * FROM nhip.does_not_exist' })
      .catch((e: unknown) => e)
    expect(clickHouseErrorType(err)).toBe('UNKNOWN_TABLE')
  })

  it('a second process on the same data path gets one clear line naming the holder', () => {
    const r = spawnSync(NHIP, ['sql', 'SELECT 1'], {
      env: { ...process.env, NHIP_DATA_DIR: t.dir, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.status).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(`is in use by process ${process.pid}`)
    expect(r.stderr).toMatch(/Stop that process|CLICKHOUSE_URL/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
