import { describe, expect, it } from 'vitest'
import { chooseServed, MetricAccumulator, rankOf, topK } from '../../../models/recommend/index.ts'

describe('ranking metrics', () => {
  it('ranks by score, breaking ties by the tie-break key (newer first) and then by index', () => {
    const scores = [0.5, 0.9, 0.5, Number.NEGATIVE_INFINITY, 0.1]
    const published = [10, 0, 20, 0, 0]
    expect(rankOf(scores, 1, published)).toBe(1)
    expect(rankOf(scores, 2, published)).toBe(2) // newer than item 0 at the same score
    expect(rankOf(scores, 0, published)).toBe(3)
    expect(rankOf(scores, 4, published)).toBe(4) // the -Infinity item is not a candidate
    expect(rankOf(scores, 3, published)).toBe(Number.POSITIVE_INFINITY)
    expect(topK(scores, 3, published)).toEqual([1, 2, 0])
    expect(topK(scores, 10, published)).toEqual([1, 2, 0, 4])
  })

  it('computes recall@10, nDCG@10, MRR and coverage on a hand-worked example', () => {
    const acc = new MetricAccumulator(10)
    acc.add(1, [0, 1, 2]) // hit at 1: dcg 1, rr 1
    acc.add(3, [2, 3]) // hit at 3: dcg 1/log2(4) = 0.5, rr 1/3
    acc.add(12, [4]) // miss: dcg 0, rr 1/12
    acc.add(Number.POSITIVE_INFINITY, [0]) // target not a candidate: 0 everywhere
    const m = acc.result(10)
    expect(m['recall@10']).toBeCloseTo(2 / 4, 10)
    expect(m['ndcg@10']).toBeCloseTo((1 + 0.5) / 4, 10)
    expect(m.mrr).toBeCloseTo((1 + 1 / 3 + 1 / 12) / 4, 10)
    expect(m.coverage).toBeCloseTo(5 / 10, 10) // items 0..4 were shown
  })

  it('rank 10 is a hit and rank 11 is not', () => {
    const acc = new MetricAccumulator(10)
    acc.add(10, [])
    acc.add(11, [])
    const m = acc.result(1)
    expect(m['recall@10']).toBe(0.5)
    expect(m['ndcg@10']).toBeCloseTo(1 / Math.log2(11) / 2, 10)
  })

  it('serves the model only if it is within the tolerance of the best baseline', () => {
    const m = (r: number) => ({ 'recall@10': r, 'ndcg@10': 0, mrr: 0, coverage: 0 })
    const base = { popular: m(0.1), recent_popular: m(0.2), itemknn: m(0.15) }
    expect(chooseServed({ model: m(0.25), ...base }, 0.005)).toBe('model')
    expect(chooseServed({ model: m(0.197), ...base }, 0.005)).toBe('model')
    expect(chooseServed({ model: m(0.19), ...base }, 0.005)).toBe('recent_popular')
    expect(chooseServed({ model: null, ...base }, 0.005)).toBe('recent_popular')
    expect(chooseServed({ model: null, popular: null, recent_popular: null, itemknn: null }, 0.005)).toBe(
      'recent_popular',
    )
  })
})
