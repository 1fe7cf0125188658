// `nhip recs eval` as an analyst runs it: a real process on CSV files.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { recsEvalCommand } from '../../../bin/commands/recs.ts'
import type { Context } from '../../../bin/context.ts'
import { generateSyntheticNews } from '../../../models/recommend/index.ts'
import { captureLog } from './builders.ts'

const NHIP = path.resolve('bin/nhip')
const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-recs-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the CLI asynchronously (a blocking spawn would stall vitest's worker). */
function nhip(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NHIP, args, {
      env: { ...process.env, LOG_LEVEL: 'silent', NHIP_DATA_DIR: dir },
      timeout: 50_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8')
    })
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** Runs the command in-process, returning what it printed on stdout. */
async function runInProcess(flags: Parameters<typeof recsEvalCommand>[1]) {
  const { lines, log } = captureLog()
  const ctx = { config: {}, log } as unknown as Context
  const out: string[] = []
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk))
    return true
  })
  try {
    await recsEvalCommand(ctx, flags)
  } finally {
    spy.mockRestore()
  }
  return { stdout: out.join(''), lines }
}

const data = generateSyntheticNews({
  interactions: 3_000,
  users: 200,
  days: 5,
  articlesPerDay: 30,
  topics: 6,
  seed: 9,
})
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const reads = path.join(dir, 'reads.csv')
const items = path.join(dir, 'items.csv')
writeFileSync(
  reads,
  [
    'user,item,timestamp',
    ...data.interactions.map((r) => `${r.user},${r.item},${Math.floor(r.ts / 1000)}`),
  ].join('\n'),
)
writeFileSync(
  items,
  [
    'item,title,tags,section,published',
    ...data.items.map((it) =>
      [
        it.id,
        it.title ?? '',
        (it.tags ?? []).join('|'),
        it.section ?? '',
        new Date(it.published ?? 0).toISOString(),
      ]
        .map(csvCell)
        .join(','),
    ),
  ].join('\n'),
)

describe('nhip recs eval', () => {
  it('prints exactly one JSON object with the split, the four methods and the served one', async () => {
    const r = await nhip([
      'recs',
      'eval',
      '--interactions',
      reads,
      '--items',
      items,
      '--json',
      '--epochs',
      '1',
      '--max-queries',
      '400',
    ])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const out = JSON.parse(lines[0] ?? '')
    expect(Object.keys(out).sort()).toEqual(['cold_start', 'methods', 'served', 'split'])
    // Cold start per method: reads of articles without training reads, and how many the top 10 held.
    for (const c of Object.values(out.cold_start) as Array<Record<string, number>>) {
      expect(Object.keys(c).sort()).toEqual(['clicked', 'lists_with_cold_items', 'queries', 'recall@10'])
      expect(c.queries).toBe(out.split.cold_item_queries)
      expect(c.clicked).toBeLessThanOrEqual(c.queries as number)
    }
    expect(Object.keys(out.methods).sort()).toEqual(['itemknn', 'model', 'popular', 'recent_popular'])
    for (const m of Object.values(out.methods) as Array<Record<string, number>>) {
      expect(Object.keys(m).sort()).toEqual(['coverage', 'mrr', 'ndcg@10', 'recall@10'])
    }
    expect(out.split).toMatchObject({ test_days: 1, content_features: true, rejected_rows: 0 })
    expect(out.split.queries).toBeGreaterThan(0)
    expect(['model', 'popular', 'recent_popular', 'itemknn']).toContain(out.served)
  }, 55_000)

  const bad = path.join(dir, 'bad.csv')
  writeFileSync(bad, 'user,item,timestamp\nu1,a1,1780275600\nu1,a2,not-a-time\nu2,,1780275600\n')

  it('rejects bad rows naming file and line, with exit code 1 and nothing on stdout', async () => {
    const strict = await nhip(['recs', 'eval', '--interactions', bad, '--json'])
    expect(strict.status).toBe(1)
    expect(strict.stdout).toBe('')
    expect(strict.stderr).toMatch(/2 bad rows in .*bad\.csv/)
    expect(strict.stderr).toMatch(
      /bad\.csv line 3: timestamp "not-a-time" is neither ISO-8601 nor Unix seconds/,
    )
    expect(strict.stderr).toMatch(/bad\.csv line 4: item: item is empty/)
  }, 55_000)

  it('with --skip-bad-rows leaves them out, counts them and logs each', async () => {
    const { stdout, lines } = await runInProcess({ interactions: bad, json: true, skipBadRows: true })
    const out = JSON.parse(stdout)
    expect(out.split.rejected_rows).toBe(2)
    expect(out.methods.model).toBeNull()
    expect(out.served).toBe('recent_popular')
    expect(lines.some((l) => /rejected 2 bad rows/.test(l.msg) && /line 3/.test(l.msg))).toBe(true)
  }, 30_000)

  it('says that without an items file cold-start articles cannot be embedded', async () => {
    const { stdout } = await runInProcess({ interactions: reads, epochs: '1', maxQueries: '300' })
    expect(stdout).toMatch(/Note: no items file: .*cannot be embedded/)
    expect(stdout).toMatch(/Served: /)
  }, 30_000)
})
