// `nhip simulate --direct` (events handed to the pipeline as contract objects, big batches, two writes in flight)
// stores exactly what the ordinary back-fill stores (events as JSON bytes through parse → validate → …): the same
// rows in `events`, the same articles and the same rollups, on the real embedded engine.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EVENT_COLUMNS } from '../../transform/writer.ts'
import { runNhip } from '../support/cli.ts'

const RUN_TIMEOUT = 280_000
const children: ChildProcess[] = []
const dirs: string[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const nhip = (args: string[], dir: string) =>
  runNhip(args, {
    env: { ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: '', NHIP_DATA_DIR: dir },
    children,
    timeoutMs: RUN_TIMEOUT,
  })

async function sqlJson(dir: string, query: string): Promise<Array<Record<string, unknown>>> {
  return (await nhip(['sql', '-f', 'json', query], dir)).stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

/** Every column the pipeline fills (the writer's own bookkeeping, `ingest_token`, differs by path), and `day`. */
const PIPELINE_COLUMNS = [...EVENT_COLUMNS.filter((c) => c !== 'ingest_token'), 'day'].join(', ')

describe('nhip simulate --direct', () => {
  it(
    'stores the same events, sessions, articles and rollups as the back-fill through the bytes path',
    async () => {
      const args = ['simulate', '--seed', '7', '--days', '1', '--scale', '0.3', '--end-day', '2026-11-20']
      const viaBytes = mkdtempSync(path.join(os.tmpdir(), 'nhip-sim-bytes-'))
      const direct = mkdtempSync(path.join(os.tmpdir(), 'nhip-sim-direct-'))
      dirs.push(viaBytes, direct)
      await nhip(args, viaBytes)
      // A small --batch makes several writes (and two in flight), as a big back-fill does.
      const run = await nhip([...args, '--direct', '--batch', '3000'], direct)
      expect(run.stderr).toContain('direct bulk back-fill, 3,000 records per write')
      const truth = (dir: string) =>
        readFileSync(path.join(dir, 'simulator', 'ground-truth-seed7.json'), 'utf8')
      expect(truth(direct)).toBe(truth(viaBytes))
      const events = JSON.parse(truth(direct)).totals.events as number
      expect(events).toBeGreaterThan(5000)

      // Row for row through a hash of every column, computed by the engine: the output stays small and ASCII.
      const hashes = `SELECT toString(event_id) AS id, toString(cityHash64(${PIPELINE_COLUMNS})) AS h FROM nhip.events ORDER BY id`
      const [a, b] = [await sqlJson(viaBytes, hashes), await sqlJson(direct, hashes)]
      expect(a).toHaveLength(events)
      const differing = b.filter((r, i) => r.id !== a[i]?.id || r.h !== a[i]?.h)
      if (differing.length > 0) {
        const row = `SELECT ${PIPELINE_COLUMNS} FROM nhip.events WHERE event_id = '${differing[0]?.id}'`
        expect(await sqlJson(direct, row)).toEqual(await sqlJson(viaBytes, row))
      }
      expect(differing).toEqual([])
      expect(b).toHaveLength(events)
      const [sessions] = await sqlJson(direct, 'SELECT uniqExact(session_id) AS n FROM nhip.events')
      expect(Number(sessions?.n)).toBeGreaterThan(500)

      for (const query of [
        `SELECT site_id, article_id,
                toString(cityHash64(url, title, section, author, tags, published_at, paywalled, word_count, source)) AS h
         FROM nhip.v_articles ORDER BY site_id, article_id`,
        `SELECT site_id, hour, sum(pageviews) AS pv, sum(engaged_ms) AS ms, sum(pv_internal) AS internal
         FROM nhip.rollup_site_hourly GROUP BY site_id, hour ORDER BY site_id, hour`,
        'SELECT count() AS n FROM nhip.dead_letters',
      ]) {
        expect(await sqlJson(direct, query)).toEqual(await sqlJson(viaBytes, query))
      }
    },
    3 * RUN_TIMEOUT,
  )
})
