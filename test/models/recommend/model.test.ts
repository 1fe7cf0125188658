import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildCatalogue,
  buildExamples,
  buildLog,
  buildServingIndex,
  DEFAULT_FEATURE_CONFIG,
  DEFAULT_RECOMMENDER_CONFIG,
  DEFAULT_TRAIN_OPTIONS,
  encodeItems,
  evaluateRecommenders,
  type EvaluationResult,
  generateSyntheticNews,
  loadVersion,
  scoreRequest,
  trainRecommender,
  writeVersion,
} from '../../../models/recommend/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { captureLog } from './builders.ts'

let tf: Tf
let result: EvaluationResult
const data = generateSyntheticNews({
  interactions: 6_000,
  users: 400,
  days: 6,
  articlesPerDay: 40,
  topics: 10,
  seed: 3,
})
const dir = mkdtempSync(path.join(tmpdir(), 'nhip-rec-model-'))

beforeAll(async () => {
  tf = (await initTf({ backend: 'wasm', log: () => {} })).tf
  result = await evaluateRecommenders(
    tf,
    { interactions: data.interactions, items: data.items },
    { train: { epochs: 2 }, maxQueries: 1500 },
  )
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('two-tower recommender on a small synthetic dataset', () => {
  it('trains, evaluates every method on the same queries and beats most-read', () => {
    const { report } = result
    expect(report.training.trained).toBe(true)
    expect(report.split.queries).toBeGreaterThan(100)
    for (const m of ['model', 'popular', 'recent_popular', 'itemknn'] as const) {
      const r = report.methods[m]
      expect(r, m).not.toBeNull()
      for (const v of Object.values(r ?? {})) expect(v).toBeGreaterThanOrEqual(0)
    }
    expect(report.methods.model?.['recall@10']).toBeGreaterThan(report.methods.popular?.['recall@10'] ?? 1)
    expect(['model', 'popular', 'recent_popular', 'itemknn']).toContain(report.served)
  })

  it('embeds a brand-new article from its content: same title and tags → nearly the same vector', () => {
    const trained = result.trained
    if (!trained) throw new Error('no model')
    const known = data.items[5]
    if (!known) throw new Error('no item')
    const clone = { ...known, id: 'brand-new-article' }
    const idx = buildServingIndex(tf, trained.rec, [known, clone, { id: 'no-content' }])
    const d = trained.rec.config.dim
    const v = (i: number) => Array.from(idx.vectors.subarray(i * d, (i + 1) * d))
    const cos = v(0).reduce((s, x, k) => s + x * (v(1)[k] as number), 0)
    expect(cos).toBeGreaterThan(0.5)
    expect(v(2).every(Number.isFinite)).toBe(true)
  })

  it('save → load gives identical scores', async () => {
    const trained = result.trained
    if (!trained) throw new Error('no model')
    const items = result.catalogue.items
    const history = data.interactions.slice(-5).map((r) => r.item)
    const now = data.interactions.at(-1)?.ts ?? 0
    const before = scoreRequest(tf, buildServingIndex(tf, trained.rec, items), history, now)
    const version = await writeVersion(dir, trained.rec, {
      data_window: { train_from: null, train_to: null, test_from: null, test_to: null },
      backend: 'wasm',
      training_seconds: trained.seconds,
      metrics: result.report.methods.model ?? { 'recall@10': 0, 'ndcg@10': 0, mrr: 0, coverage: 0 },
    })
    const loaded = await loadVersion(dir, version)
    const after = scoreRequest(tf, buildServingIndex(tf, loaded.rec, items), history, now)
    expect(before).not.toBeNull()
    expect(after).toEqual(before)
    expect(loaded.rec.config).toEqual(trained.rec.config)
  })

  it('without an items file it uses hashed ids only and says cold-start articles cannot be embedded', async () => {
    const small = generateSyntheticNews({
      interactions: 3_000,
      users: 200,
      days: 5,
      articlesPerDay: 30,
      topics: 6,
      seed: 4,
    })
    const r = await evaluateRecommenders(
      tf,
      { interactions: small.interactions },
      { train: { epochs: 1 }, maxQueries: 500 },
    )
    expect(r.report.split.content_features).toBe(false)
    expect(r.report.notes.join(' ')).toMatch(/cold start\) cannot be embedded/)
    expect(r.report.methods.model).not.toBeNull()
  }, 30_000)
})

describe('training loop', () => {
  it('leaves no tensors behind but the model’s weights, however many batches it runs', async () => {
    const small = generateSyntheticNews({
      interactions: 3_000,
      users: 200,
      days: 4,
      articlesPerDay: 30,
      topics: 6,
      seed: 5,
    })
    const catalogue = buildCatalogue(small.interactions, small.items)
    const log = buildLog(small.interactions, catalogue)
    const config = { ...DEFAULT_RECOMMENDER_CONFIG, features: DEFAULT_FEATURE_CONFIG }
    const { examples } = buildExamples(log, 0, log.ts.length, config.historyLength)
    const table = encodeItems(catalogue.items, config.features)
    const progress: number[] = []
    const before = tf.memory().numTensors
    const r = await trainRecommender(tf, { table, published: catalogue.published, examples }, config, {
      ...DEFAULT_TRAIN_OPTIONS,
      epochs: 2,
      batchSize: 256,
      progress: (p) => {
        if (p.epochDone) progress.push(p.loss)
      },
    })
    expect(r.batches).toBeGreaterThan(10)
    expect(tf.memory().numTensors - before).toBe(r.rec.model.weights.length)
    expect(progress).toHaveLength(2)
    expect(progress[1]).toBeLessThan(progress[0] ?? 0) // the loss goes down
    expect(r.examplesPerSec).toBeGreaterThan(0)
    r.rec.model.dispose()
  }, 30_000)
})

describe('empty and tiny datasets', () => {
  it('an empty dataset gives fallbacks and a clear log line, not a crash', async () => {
    const { lines, log } = captureLog()
    const r = await evaluateRecommenders(tf, { interactions: [] }, { log })
    expect(r.trained).toBeNull()
    expect(r.report.methods.model).toBeNull()
    expect(r.report.served).toBe('recent_popular')
    expect(
      lines.some((l) =>
        /model not trained: only 0 training reads.*fallbacks \(trending, fresh\) serve/.test(l.msg),
      ),
    ).toBe(true)
  })

  it('a handful of reads trains no model and still evaluates the baselines', async () => {
    const { lines, log } = captureLog()
    const day = Date.parse('2026-06-01T08:00:00+07:00')
    const interactions = [
      { user: 'u1', item: 'a', ts: day },
      { user: 'u1', item: 'b', ts: day + 60_000 },
      { user: 'u2', item: 'a', ts: day + 120_000 },
      { user: 'u2', item: 'b', ts: day + 86_400_000 },
      { user: 'u1', item: 'c', ts: day + 86_400_000 + 1 },
    ]
    const r = await evaluateRecommenders(tf, { interactions }, { log })
    expect(r.trained).toBeNull()
    expect(r.report.split.queries).toBe(2)
    expect(r.report.methods.itemknn?.['recall@10']).toBe(1) // b was co-read with a
    expect(r.report.methods.model).toBeNull()
    expect(r.report.served).not.toBe('model')
    expect(lines.some((l) => l.level === 'warn' && /model not trained/.test(l.msg))).toBe(true)
  })
})
