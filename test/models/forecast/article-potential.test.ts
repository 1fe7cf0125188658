import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type ArticleExample,
  evaluateArticlePotential,
  fitLogLinear,
  REFERRER_CLASSES,
  rSquared,
} from '../../../models/forecast/index.ts'
import { initTf, type Tf } from '../../../models/tf/index.ts'
import { seeded } from './builders.ts'

// These tests train real networks: on a shared 2-core machine one can take a minute (20 s is the unit default).
vi.setConfig({ testTimeout: 180_000 })

let tf: Tf
beforeAll(async () => {
  ;({ tf } = await initTf({ backend: 'wasm', log: () => {} }))
})

/**
 * Articles whose long tail depends on more than the first hour: social- and messaging-driven articles keep
 * spreading, "thoi-su" (news) fades, evening publication grows overnight — what the log-linear model cannot see.
 */
function someArticles(n: number, seed: number): ArticleExample[] {
  const rand = seeded(seed)
  const sections = ['thoi-su', 'the-thao', 'giai-tri', 'kinh-te']
  return Array.from({ length: n }, () => {
    const views60 = Math.round(Math.exp(2 + 4 * rand()))
    const social = rand()
    const search = (1 - social) * rand()
    const section = sections[Math.floor(rand() * sections.length)] as string
    const publishHour = Math.floor(rand() * 24)
    const growth24 =
      1.6 +
      1.2 * social +
      (section === 'thoi-su' ? -0.5 : 0.2) +
      (publishHour >= 18 ? 0.4 : 0) +
      0.2 * (rand() - 0.5)
    const growth72 = growth24 + 0.3 + 0.8 * social + 0.2 * (rand() - 0.5)
    return {
      signals: {
        views60,
        engagedSeconds60: views60 * (20 + 40 * rand()),
        referrers: {
          social: social * views60,
          search: search * views60,
          direct: (1 - social - search) * views60,
        },
        section,
        publishHour,
      },
      outcome: {
        views24h: Math.round(Math.expm1(Math.log1p(views60) + growth24)),
        views72h: Math.round(Math.expm1(Math.log1p(views60) + growth72)),
      },
    }
  })
}

describe('Szabo–Huberman log-linear baseline', () => {
  it('recovers log r when the history follows it exactly', () => {
    const hist = [10, 100, 1000, 55].map((v) => ({
      signals: { views60: v, engagedSeconds60: 0, referrers: {}, section: 'x', publishHour: 9 },
      outcome: { views24h: Math.expm1(Math.log1p(v) + 2), views72h: Math.expm1(Math.log1p(v) + 2.5) },
    }))
    const ll = fitLogLinear(hist)
    expect(ll.logR24).toBeCloseTo(2, 6)
    expect(ll.logR72).toBeCloseTo(2.5, 6)
    expect(ll.predict({ ...hist[0]!.signals, views60: 0 }).logViews24h).toBeCloseTo(2, 6)
  })

  it('R² is 1 for perfect predictions, 0 for the mean, null without variance', () => {
    expect(rSquared([1, 2, 3], [1, 2, 3])).toBe(1)
    expect(rSquared([1, 2, 3], [2, 2, 2])).toBe(0)
    expect(rSquared([2, 2], [1, 3])).toBeNull()
  })
})

describe('article potential model', () => {
  it('beats the log-linear baseline on held-out articles when referrers, section and hour matter', async () => {
    const e = await evaluateArticlePotential(tf, someArticles(600, 1), someArticles(200, 2), { epochs: 150 })
    expect(e.n_test).toBe(200)
    expect(e.r2_loglinear_24h!).toBeGreaterThan(0.5)
    expect(e.r2_model_24h!).toBeGreaterThan(e.r2_loglinear_24h! + 0.03)
    expect(e.r2_model_72h!).toBeGreaterThan(e.r2_loglinear_72h! + 0.03)
    expect(REFERRER_CLASSES).toContain('aggregator')
  })
})
