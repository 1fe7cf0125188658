// Retention on the real engine: applyRetention sets the TTLs from config, leaves a table alone when its
// TTL is already right, removes a TTL set to null, and expired raw events go while their rollups stay.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyRetention, ttlOf } from '../../infra/clickhouse/tables/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const DAY = 86_400_000

function aPageview(daysAgo: number): Record<string, unknown> {
  const ts = new Date(Date.now() - daysAgo * DAY).toISOString().replace('T', ' ').replace('Z', '')
  return {
    event_id: randomUUID(),
    schema_version: 1,
    type: 'pageview',
    ts,
    received_at: ts,
    agency_id: 'lamdong',
    site_id: 'baolamdong',
    url: 'https://baolamdong.vn/a1',
    path: '/a1',
    article_id: 'a1',
    section: 'thoi-su',
    visitor_id: `visitor-${daysAgo}`,
    session_id: `session-${daysAgo}`,
  }
}

async function ttls(t: TestClickHouse): Promise<Record<string, string | null>> {
  const r = await rows<{ name: string; engine_full: string }>(
    t.ch,
    "SELECT name, engine_full FROM system.tables WHERE database = 'nhip' AND name IN ('events', 'sessions', 'rollup_article_hourly', 'rollup_site_hourly')",
  )
  return Object.fromEntries(r.map((x) => [x.name, ttlOf(x.engine_full)]))
}

async function mutationsDone(t: TestClickHouse): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [r] = await rows<{ n: string }>(
      t.ch,
      "SELECT count() AS n FROM system.mutations WHERE database = 'nhip' AND NOT is_done",
    )
    if (r?.n === '0') return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('mutations still running after 10 s')
}

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
  await t.ch.client.insert({
    table: 'nhip.events',
    format: 'JSONEachRow',
    values: [aPageview(100), aPageview(2)],
  })
})
afterAll(async () => t?.cleanup())

describe('applyRetention', () => {
  it('sets a TTL on raw events and sessions, and a longer one on the rollups', async () => {
    const changes = await applyRetention(t.ch, { eventsDays: 30, rollupDays: 400 })
    expect(changes.map((c) => [c.table, c.ttl])).toEqual([
      ['events', 'day + toIntervalDay(30)'],
      ['sessions', 'day + toIntervalDay(30)'],
      ['rollup_article_hourly', 'hour + toIntervalDay(400)'],
      ['rollup_site_hourly', 'hour + toIntervalDay(400)'],
    ])
    expect(changes.every((c) => c.statement?.includes('MODIFY TTL'))).toBe(true)
    expect(await ttls(t)).toEqual({
      events: 'day + toIntervalDay(30)',
      sessions: 'day + toIntervalDay(30)',
      rollup_article_hourly: 'hour + toIntervalDay(400)',
      rollup_site_hourly: 'hour + toIntervalDay(400)',
    })
  })

  it('drops expired raw events and sessions but keeps their hourly rollups', async () => {
    await mutationsDone(t)
    for (const table of ['events', 'sessions', 'rollup_site_hourly']) {
      await t.ch.client.command({ query: `OPTIMIZE TABLE nhip.${table} FINAL` })
    }
    expect(await rows(t.ch, "SELECT visitor_id FROM nhip.events WHERE type = 'pageview'")).toEqual([
      { visitor_id: 'visitor-2' },
    ])
    expect(await rows(t.ch, 'SELECT session_id FROM nhip.sessions')).toEqual([{ session_id: 'session-2' }])
    expect(await rows(t.ch, 'SELECT sum(pageviews) AS n FROM nhip.rollup_site_hourly')).toEqual([{ n: '2' }])
  })

  it('changes nothing when the TTLs already match the config', async () => {
    const changes = await applyRetention(t.ch, { eventsDays: 30, rollupDays: 400 })
    expect(changes.map((c) => c.statement)).toEqual([null, null, null, null])
  })

  it('changes one period, and removes a TTL set to null (keep forever)', async () => {
    const changes = await applyRetention(t.ch, { eventsDays: 60, rollupDays: null }, { materialize: false })
    expect(changes.find((c) => c.table === 'events')?.statement).toBe(
      'ALTER TABLE nhip.events MODIFY TTL day + toIntervalDay(60) SETTINGS materialize_ttl_after_modify = 0',
    )
    expect(await ttls(t)).toEqual({
      events: 'day + toIntervalDay(60)',
      sessions: 'day + toIntervalDay(60)',
      rollup_article_hourly: null,
      rollup_site_hourly: null,
    })
  })

  it('rejects a period that is not a whole number of days', async () => {
    await expect(applyRetention(t.ch, { eventsDays: 0, rollupDays: 400 })).rejects.toThrow()
    await expect(applyRetention(t.ch, { eventsDays: 1.5, rollupDays: 400 })).rejects.toThrow()
  })
})
