// A reader's erasure through the CLI, on the real engine: their rows are gone, others stay, it is audited.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openClickHouse } from '../../infra/clickhouse/client.ts'
import {
  insertRecommendations,
  type RecommendationRecord,
} from '../../jobs/recommend/recommendations-table.ts'
import { createEventWriter } from '../../transform/writer.ts'
import { freshClickHouse, rows } from '../support/clickhouse.ts'
import { anEventRow } from '../support/rows.ts'

const NHIP = path.resolve('bin/nhip')

describe('nhip privacy erase', () => {
  let dir = ''
  afterAll(() => undefined)

  it("deletes one reader's events and sessions, keeps everyone else's, and writes the audit log", async () => {
    const t = await freshClickHouse()
    dir = t.dir
    const writer = createEventWriter(t.ch)
    await writer.writeEvents([
      anEventRow({ visitor_id: 'reader-to-erase', session_id: 's1' }),
      anEventRow({ visitor_id: 'reader-to-erase', session_id: 's1', type: 'engagement', engaged_ms: 9000 }),
      anEventRow({ visitor_id: 'reader-keeps-data', session_id: 's2' }),
    ])
    const rec = (kind: 'article' | 'visitor', key: string, rank: number): RecommendationRecord => ({
      agency_id: 'lamdong',
      site_id: 'baolamdong',
      kind,
      key,
      rank,
      article_id: `bai-${rank}`,
      score: 1 / rank,
      reason: 'for_you',
      model_version: 1,
      run_id: '00000000-0000-4000-8000-000000000001',
      generated_at: new Date(),
    })
    await insertRecommendations(t.ch, [
      rec('visitor', 'reader-to-erase', 1),
      rec('visitor', 'reader-to-erase', 2),
      rec('visitor', 'reader-keeps-data', 1),
      rec('article', 'bai-9', 1),
    ])
    await t.ch.close()

    const r = spawnSync(NHIP, ['privacy', 'erase', '--visitor', 'reader-to-erase'], {
      env: { ...process.env, NHIP_DATA_DIR: dir, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Erased \d+ row\(s\) of visitor reader-to-erase: .*events 2/)

    const ch = await openClickHouse(
      { kind: 'embedded', path: path.join(dir, 'clickhouse'), database: 'nhip' },
      { command: 'vitest' },
    )
    try {
      expect(await rows(ch, 'SELECT visitor_id, count() AS n FROM nhip.events GROUP BY visitor_id')).toEqual([
        { visitor_id: 'reader-keeps-data', n: '1' },
      ])
      expect(
        await rows(ch, "SELECT count() AS n FROM nhip.sessions WHERE visitor_id = 'reader-to-erase'"),
      ).toEqual([{ n: '0' }])
      // The reader's "for you" lists go too; other readers' lists and per-article lists stay.
      expect(await rows(ch, 'SELECT kind, key FROM nhip.recommendations ORDER BY kind, key')).toEqual([
        { kind: 'article', key: 'bai-9' },
        { kind: 'visitor', key: 'reader-keeps-data' },
      ])
      const [entry] = await rows<{ action: string; target: string; details: string }>(
        ch,
        "SELECT action, target, details FROM nhip.audit_log WHERE action = 'privacy.erase'",
      )
      expect(entry?.target).toBe('reader-to-erase')
      expect(JSON.parse(entry?.details ?? '{}').rows.events).toBe(2)
      expect(JSON.parse(entry?.details ?? '{}').rows.recommendations).toBe(2)
    } finally {
      await ch.close()
    }
  })

  it('refuses a malformed visitor id with one line', () => {
    const r = spawnSync(NHIP, ['privacy', 'erase', '--visitor', "x'; DROP"], {
      env: { ...process.env, NHIP_DATA_DIR: dir || '/tmp/nhip-none' },
      encoding: 'utf8',
    })
    expect(r.status).not.toBe(0)
    expect(r.stderr.trim()).toBe('nhip: --visitor must be a visitor id (8-64 URL-safe characters)')
  })
})
