// The serving index's fast path (typed columns, bounded scan, lazy fallback lists) must give exactly what the
// straightforward version gives: score every eligible article, keep the best M, and let rank.ts's `recommend`
// rank that pool. The reference below is that straightforward version, written with rank.ts.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../models/recommend/dataset.ts'
import {
  type AgencyIndex,
  type AgencyRankingPolicy,
  ageBucket,
  buildAgencyIndex,
  buildRecommender,
  DEFAULT_FEATURE_CONFIG,
  DEFAULT_RANKING_POLICY,
  DEFAULT_RECOMMENDER_CONFIG,
  type IndexRequest,
  type RankableArticle,
  recommend,
  recommendFromIndex,
  type ServingArticle,
  type ServingModel,
  servingKey,
  servingModel,
} from '../../../models/recommend/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { NOW } from './builders.ts'

const HOUR = 3_600_000
const SECTIONS = ['Thời sự', 'THỜI SỰ', 'Du lịch', 'Kinh tế', 'Thể thao', 'Văn hóa']
const SITES = [
  ['baolamdong', 'lamdong'],
  ['lamdongtv', 'lamdong'],
  ['hanoitimes', 'hanoi'],
] as const

let tf: Tf
let model: ServingModel
const rand = seededRandom(17)
const articles: ServingArticle[] = Array.from({ length: 700 }, (_, i) => {
  const [site, agency] = SITES[i % 3] as (typeof SITES)[number]
  return {
    agency,
    site,
    articleId: `bai-${i}`,
    url: `https://${site}.vn/bai-${i}`,
    title: `Bài ${i} về ${SECTIONS[i % 6]} ở Đà Lạt ${Math.floor(rand() * 40)}`,
    section: SECTIONS[Math.floor(rand() * SECTIONS.length)] as string,
    author: `Tác giả ${i % 7}`,
    tags: [`thẻ ${i % 11}`],
    // A few are scheduled (in the future), a few are older than the policy's 30 days.
    published: NOW - Math.round((rand() * 34 - 1) * 24 * HOUR),
    paywalled: rand() < 0.2,
  }
})
const trending = new Map(
  articles.filter(() => rand() < 0.4).map((a) => [servingKey(a.site, a.articleId), rand() * 50]),
)

beforeAll(async () => {
  tf = (await initTf({ backend: 'wasm', log: () => {} })).tf
  const rec = buildRecommender({
    ...DEFAULT_RECOMMENDER_CONFIG,
    features: { ...DEFAULT_FEATURE_CONFIG, useContent: true },
  })
  model = servingModel(rec, 1)
}, 60_000)

/** The straightforward version: every eligible article scored, best M kept, rank.ts ranks the pool. */
function reference(idx: AgencyIndex, req: IndexRequest) {
  const policy = idx.policy
  const maxAgeMs = (policy.maxAgeHours ?? Number.POSITIVE_INFINITY) * HOUR
  const eligible = (i: number) => {
    const a = idx.articles[i] as ServingArticle
    return (
      !req.read.has(idx.keys[i] as string) &&
      a.published <= req.now &&
      req.now - a.published <= maxAgeMs &&
      (req.sites === undefined || req.sites.has(a.site)) &&
      !(policy.excludePaywalledForNonSubscribers && req.subscriber !== true && a.paywalled)
    )
  }
  const rankable = (i: number): RankableArticle => {
    const a = idx.articles[i] as ServingArticle
    return {
      id: idx.keys[i] as string,
      agency: a.agency,
      section: a.section,
      published: a.published,
      paywalled: a.paywalled,
    }
  }
  const pool: number[] = []
  const add = (i: number) => {
    if (!pool.includes(i) && eligible(i)) pool.push(i)
  }
  let modelScores: Map<string, number> | null = null
  const m = idx.model
  const histRows = [...new Set(req.history.map((k) => idx.rows.get(k)).filter((r) => r !== undefined))].slice(
    0,
    m?.rec.config.historyLength ?? 0,
  )
  if (m && idx.vectors && histRows.length > 0) {
    const d = m.rec.config.dim
    const pooled = new Float32Array(d)
    let wsum = 0
    histRows.forEach((row, h) => {
      const w = m.weights[h] as number
      wsum += w
      for (let c = 0; c < d; c++)
        pooled[c] = (pooled[c] as number) + w * (idx.vectors?.[row * d + c] as number)
    })
    const q = Float32Array.from(m.bq)
    for (let k = 0; k < d; k++)
      for (let c = 0; c < d; c++)
        q[c] = (q[c] as number) + ((pooled[k] as number) / wsum) * (m.wq[k * d + c] as number)
    const norm = Math.sqrt(q.reduce((s, x) => s + x * x, 0))
    const scored = idx.articles.flatMap((a, i) => {
      if (!eligible(i)) return []
      let dot = 0
      for (let c = 0; c < d; c++) dot += ((q[c] as number) / norm) * (idx.vectors?.[i * d + c] as number)
      const s = dot / m.rec.config.temperature + (m.ageBias[ageBucket(a.published, req.now)] as number)
      const ranked = s - ((req.now - a.published) / HOUR / (idx.halfLifeH[i] as number)) * Math.LN2
      return [{ i, s, ranked }]
    })
    scored.sort((x, y) => y.ranked - x.ranked)
    modelScores = new Map()
    for (const { i, s } of scored.slice(0, Math.max(50, req.k * 8))) {
      add(i)
      modelScores.set(idx.keys[i] as string, s)
    }
  }
  const wanted = req.section ? req.section.normalize('NFC').trim().toLowerCase() : ''
  for (const list of [idx.trendingRows.get(wanted) ?? [], idx.trendingRows.get('') ?? [], idx.freshestRows])
    for (const i of list.filter(eligible).slice(0, 100)) add(i)
  return recommend(
    {
      agency: idx.agency,
      now: req.now,
      read: req.read,
      ...(req.section ? { section: req.section } : {}),
      subscriber: req.subscriber === true,
      k: req.k,
    },
    { candidates: pool.map(rankable), modelScores, trending: idx.trending },
    policy,
  )
}

interface RequestSpec {
  history: number[]
  extraRead: number[]
  section: string | undefined
  k: number
  subscriber: boolean
  onlyOneSite: boolean
  hoursLater: number
}

const requestArb = (idx: AgencyIndex): fc.Arbitrary<RequestSpec> =>
  fc.record({
    history: fc.array(fc.nat(idx.articles.length - 1), { maxLength: 14 }),
    extraRead: fc.array(fc.nat(idx.articles.length - 1), { maxLength: 30 }),
    section: fc.option(fc.constantFrom(...SECTIONS, 'Chuyên mục lạ'), { nil: undefined }),
    k: fc.integer({ min: 1, max: 20 }),
    subscriber: fc.boolean(),
    onlyOneSite: fc.boolean(),
    hoursLater: fc.integer({ min: 0, max: 72 }),
  })

function toRequest(idx: AgencyIndex, r: RequestSpec): IndexRequest {
  const history = r.history.map((i) => idx.keys[i] as string)
  return {
    now: NOW + r.hoursLater * HOUR,
    history,
    read: new Set([...history, ...r.extraRead.map((i) => idx.keys[i] as string), 'baolamdong:not-indexed']),
    k: r.k,
    subscriber: r.subscriber,
    ...(r.section ? { section: r.section } : {}),
    ...(r.onlyOneSite ? { sites: new Set(['baolamdong']) } : {}),
  }
}

describe('recommendFromIndex (the serving fast path)', () => {
  const policies: Array<[string, AgencyRankingPolicy]> = [
    ['default policy', DEFAULT_RANKING_POLICY],
    [
      'paywall hidden, cap 2',
      { ...DEFAULT_RANKING_POLICY, excludePaywalledForNonSubscribers: true, maxPerSection: 2 },
    ],
  ]
  for (const [name, policy] of policies) {
    it(`gives exactly the reference answer (${name})`, () => {
      for (const withModel of [true, false]) {
        const idx = buildAgencyIndex(tf, {
          agency: 'lamdong',
          articles,
          trending,
          model: withModel ? model : null,
          policy,
        })
        fc.assert(
          fc.property(requestArb(idx), (r) => {
            const req = toRequest(idx, r)
            const fast = recommendFromIndex(idx, req)
            const ref = reference(idx, req)
            expect(fast.items.map((p) => [idx.keys[p.row], p.source])).toEqual(
              ref.items.map((p) => [p.id, p.source]),
            )
            fast.items.forEach((p, n) => {
              expect(p.score).toBeCloseTo(ref.items[n]?.score as number, 4)
            })
            expect(fast.modelScored).toBe(withModel && req.history.length > 0)
            // The rules themselves, whatever the reference says.
            for (const p of fast.items) {
              expect(req.read.has(idx.keys[p.row] as string)).toBe(false)
              expect(p.article.agency).toBe('lamdong')
              expect(p.article.published).toBeLessThanOrEqual(req.now)
              if (req.sites) expect(req.sites.has(p.article.site)).toBe(true)
              if (policy.excludePaywalledForNonSubscribers && !req.subscriber)
                expect(p.article.paywalled).toBe(false)
            }
          }),
          { numRuns: 120, seed: 6 },
        )
      }
    })
  }

  it('forgets a request’s reads: the next request may recommend them again', () => {
    const idx = buildAgencyIndex(tf, { agency: 'lamdong', articles, trending, model })
    const history = [idx.keys[3] as string]
    const first = recommendFromIndex(idx, { now: NOW, history, read: new Set(history), k: 10 })
    const shown = first.items.map((p) => idx.keys[p.row] as string)
    const readAll = recommendFromIndex(idx, {
      now: NOW,
      history,
      read: new Set([...history, ...shown]),
      k: 10,
    })
    expect(readAll.items.map((p) => idx.keys[p.row])).not.toEqual(expect.arrayContaining(shown.slice(0, 1)))
    const again = recommendFromIndex(idx, { now: NOW, history, read: new Set(history), k: 10 })
    expect(again.items.map((p) => idx.keys[p.row])).toEqual(shown)
  })
})
