// Analyst SQL scoped to one agency on the embedded engine (which has no users or row policies): the engine filters
// every analyst table and view by agency, whatever the query's shape, and every way around the filter is refused
// with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgencySqlError, runAgencySql } from '../../infra/clickhouse/agency-sql.ts'
import { createEventWriter } from '../../transform/writer.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'
import { anEventRow } from '../support/rows.ts'

const T0 = Date.parse('2026-11-20T01:00:00Z')

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
  const writer = createEventWriter(t.ch)
  await writer.writeEvents([
    ...Array.from({ length: 30 }, (_, i) =>
      anEventRow({ ts: T0 + i * 1000, agency_id: 'lamdong', site_id: 'baolamdong' }),
    ),
    ...Array.from({ length: 70 }, (_, i) =>
      anEventRow({
        ts: T0 + i * 1000,
        agency_id: 'khanhhoa',
        site_id: 'baokhanhhoa',
        article_id: 'nha-trang',
      }),
    ),
  ])
}, 120_000)
afterAll(async () => t?.cleanup())

const run = (query: string) => runAgencySql(t.ch, query, 'lamdong')
const single = async (query: string) => (await run(query)).rows[0]?.[0]

describe('analyst SQL scoped to an agency', () => {
  it('sees only the agency’s rows, however the tables are named, joined or nested', async () => {
    expect(await single('SELECT count() FROM nhip.events')).toBe('30')
    expect(await single('SELECT count() FROM nhip.events AS e WHERE 1')).toBe('30')
    expect(await single('SELECT count() FROM (SELECT * FROM nhip.events)')).toBe('30')
    expect(await single('WITH x AS (SELECT event_id FROM nhip.events) SELECT count() FROM x')).toBe('30')
    expect(await single('SELECT count() FROM nhip.events a JOIN nhip.events b USING (event_id)')).toBe('30')
    expect(await single('SELECT (SELECT count() FROM nhip.events) + 0')).toBe('30')
    expect(await single("SELECT count() FROM nhip.events WHERE agency_id = 'khanhhoa'")).toBe('0')
    // UNION ALL branches come back in no fixed order (ORDER BY binds to the last branch only): sort here.
    const union = await run('SELECT count() FROM nhip.events UNION ALL SELECT 1')
    expect(union.rows.map((r) => r[0]).sort()).toEqual(['1', '30'])
    expect(await single('SELECT sum(pageviews) FROM nhip.rollup_site_hourly')).toBe('30')
    expect(await single('SELECT sum(pageviews) FROM nhip.v_article_daily')).toBe('30')
    const sites = await run('SELECT DISTINCT site_id FROM nhip.v_traffic_sources ORDER BY site_id;')
    expect(sites.columns).toEqual(['site_id'])
    expect(sites.rows).toEqual([['baolamdong']])
  })

  it('cuts long results at the row limit and says so', async () => {
    const r = await runAgencySql(t.ch, 'SELECT number FROM numbers(100000)', 'lamdong', { maxRows: 50 })
    expect(r.rows).toHaveLength(50)
    expect(r.truncated).toBe(true)
  })

  it('stops a query past its memory limit with the engine’s reason', async () => {
    const err = await runAgencySql(t.ch, 'SELECT groupArray(number) FROM numbers(10000000)', 'lamdong', {
      maxMemoryBytes: 10_000_000,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AgencySqlError)
    expect((err as Error).message).toMatch(/memory limit/i)
  })

  it.each([
    ['SELECT count() FROM nhip.events SETTINGS additional_table_filters = {}', /may not change settings/],
    [
      "SELECT 1) SETTINGS additional_table_filters = {'nhip.events': '1'} --",
      /may not change settings|not one SELECT/,
    ],
    ['SELECT count() FROM (SELECT * FROM nhip.events SETTINGS max_threads = 1)', /may not change settings/],
    ['SELECT * FROM nhip.users', /nhip\.users is not an analyst table/],
    ['SELECT * FROM nhip.sites', /nhip\.sites is not an analyst table/],
    ['SELECT error FROM nhip.job_runs', /nhip\.job_runs is not an analyst table/],
    ['SELECT * FROM system.tables', /system\.tables is not an analyst table/],
    [
      'SELECT count() FROM nhip.events WHERE event_id IN (SELECT event_id FROM nhip.audit_log)',
      /not an analyst table|not one SELECT/,
    ],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", /table function file\(\)/],
    ["SELECT * FROM merge('nhip', '^events$')", /table function merge\(\)/],
    ["SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')", /table function url\(\)/],
    ["SELECT * FROM remote('127.0.0.1', 'nhip.events')", /table function remote\(\)/],
    ['SELECT 1; DROP TABLE nhip.events', /not one SELECT/],
    ["SELECT 1 INTO OUTFILE '/tmp/nhip-outfile'", /not one SELECT/],
    ['SELECT 1 FORMAT CSV', /not one SELECT/],
    ['INSERT INTO nhip.events (event_id) VALUES (generateUUIDv4())', /not one SELECT/],
    ['DROP TABLE nhip.events', /not one SELECT/],
    ['SELECT 1 /*', /not one SELECT/],
    ['', /empty/],
  ])('refuses %j', async (query, reason) => {
    const err = await run(query).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AgencySqlError)
    expect((err as Error).message).toMatch(reason)
  })

  it('leaves the engine as it was: the service still sees every agency after an analyst query', async () => {
    await run('SELECT count() FROM nhip.events')
    const [r] = await rows<{ n: string }>(t.ch, 'SELECT count() AS n FROM nhip.events')
    expect(Number(r?.n)).toBe(100)
    expect(Number((await rows<{ n: string }>(t.ch, 'SELECT count() AS n FROM nhip.events'))[0]?.n)).toBe(100)
  })
})
