import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildRecommender,
  buildServingIndex,
  currentVersion,
  DEFAULT_FEATURE_CONFIG,
  DEFAULT_RECOMMENDER_CONFIG,
  loadServingModel,
  promoteIfNotWorse,
  publishVersion,
  type Recommender,
  scoreRequest,
  writeVersion,
} from '../../../models/recommend/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { captureLog } from './builders.ts'

// Small untrained models (different seeds → different scores) are enough to test the registry's rules.
const config = {
  ...DEFAULT_RECOMMENDER_CONFIG,
  dim: 8,
  hidden: 8,
  features: {
    ...DEFAULT_FEATURE_CONFIG,
    tokenBuckets: 256,
    idBuckets: 256,
    authorBuckets: 16,
    sectionBuckets: 16,
  },
}
const items = [
  { id: 'a', title: 'Giá cà phê tăng mạnh', section: 'Kinh tế', published: 1_000 },
  { id: 'b', title: 'Đà Lạt đón mùa hoa dã quỳ', section: 'Du lịch', published: 2_000 },
  { id: 'c', title: 'Đội tuyển thắng trận', section: 'Thể thao', published: 3_000 },
]
const metrics = (recall: number) => ({
  'recall@10': recall,
  'ndcg@10': recall / 2,
  mrr: recall / 3,
  coverage: 0.5,
})
const info = (recall: number) => ({
  data_window: {
    train_from: '2026-06-01T00:00:00.000Z',
    train_to: '2026-06-09T00:00:00.000Z',
    test_from: null,
    test_to: null,
  },
  backend: 'wasm',
  training_seconds: 1.5,
  metrics: metrics(recall),
})

let tf: Tf
let dir: string
const scores = (rec: Recommender) => scoreRequest(tf, buildServingIndex(tf, rec, items), ['a'], 10_000)

beforeAll(async () => {
  tf = (await initTf({ backend: 'wasm', log: () => {} })).tf
  dir = mkdtempSync(path.join(tmpdir(), 'nhip-rec-registry-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('file model registry', () => {
  const m1 = () => buildRecommender(config, 1)
  let v1Scores: Map<string, number> | null

  it('promotes the first version and writes v1/model.json, weights.bin, metrics.json and the current pointer', async () => {
    const rec = m1()
    v1Scores = scores(rec)
    const r = await publishVersion(dir, rec, info(0.2), { tolerance: 0.01 })
    expect(r).toMatchObject({ version: 1, promoted: true, current: 1 })
    expect(readFileSync(path.join(dir, 'current'), 'utf8')).toBe('v1\n')
    const saved = JSON.parse(readFileSync(path.join(dir, 'v1', 'metrics.json'), 'utf8'))
    expect(saved).toMatchObject({ version: 1, backend: 'wasm', training_seconds: 1.5, metrics: metrics(0.2) })
    expect(saved.data_window.train_from).toBe('2026-06-01T00:00:00.000Z')
    expect(saved.promoted_at).toEqual(expect.any(String))
  })

  it('does not promote a version that is worse beyond the tolerance, but one within it', async () => {
    const { lines, log } = captureLog()
    const worse = await publishVersion(dir, buildRecommender(config, 2), info(0.15), { tolerance: 0.01, log })
    expect(worse).toMatchObject({ version: 2, promoted: false, current: 1 })
    expect(worse.reason).toMatch(/recall@10 0.15 is below current v1's 0.2/)
    expect(lines.some((l) => /not promoted/.test(l.msg))).toBe(true)
    const close = await publishVersion(dir, buildRecommender(config, 3), info(0.195), { tolerance: 0.01 })
    expect(close).toMatchObject({ version: 3, promoted: true, current: 3 })
  })

  it('rejects a corrupt model file and the previous version keeps serving', async () => {
    const { lines, log } = captureLog()
    const before = await loadServingModel(dir)
    expect(before?.version).toBe(3)
    const v3Scores = before ? scores(before.rec) : null
    const v = await writeVersion(dir, buildRecommender(config, 4), info(0.5))
    const weights = path.join(dir, `v${v}`, 'weights.bin')
    const bytes = readFileSync(weights)
    bytes[10] = (bytes[10] ?? 0) ^ 0xff // one flipped byte
    writeFileSync(weights, bytes)
    const r = await promoteIfNotWorse(dir, v, { tolerance: 0.01, log })
    expect(r).toMatchObject({ version: 4, promoted: false, current: 3 })
    expect(r.reason).toMatch(/v4 rejected: .*weights\.bin does not match/)
    expect(lines.some((l) => l.level === 'warn' && /v3 keeps serving/.test(l.msg))).toBe(true)
    expect(await currentVersion(dir)).toBe(3)
    const serving = await loadServingModel(dir)
    expect(serving?.version).toBe(3)
    expect(serving ? scores(serving.rec) : null).toEqual(v3Scores)
  })

  it('serves the previous promoted version when the current one is damaged on disk', async () => {
    writeFileSync(path.join(dir, 'v3', 'model.json'), '{"truncated": ')
    const { lines, log } = captureLog()
    const serving = await loadServingModel(dir, log)
    expect(serving?.version).toBe(1) // v2 was never promoted
    expect(serving ? scores(serving.rec) : null).toEqual(v1Scores)
    expect(lines.some((l) => /v3 is corrupt; serving the previous version v1/.test(l.msg))).toBe(true)
  })

  it('an empty registry has nothing to serve (the caller uses the fallbacks)', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'nhip-rec-empty-'))
    const { lines, log } = captureLog()
    expect(await loadServingModel(empty, log)).toBeNull()
    expect(lines[0]?.msg).toMatch(/no current model; recommendations use the fallbacks/)
    rmSync(empty, { recursive: true, force: true })
  })
})
