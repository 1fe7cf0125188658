// The simulated audience behaves like the issue says a highland province's audience does: measured over a week.
import { beforeAll, describe, expect, it } from 'vitest'
import type { GroundTruth } from '../../bench/simulator/ground-truth.ts'
import { Simulation } from '../../bench/simulator/simulate.ts'

interface PageStat {
  reader: string
  site: string
  article: string
  engaged: number
  complete: boolean
}

let truth: GroundTruth
const hourly = new Array<number>(24).fill(0)
const dailyBySite = new Map<string, number>()
let readerPageviews = 0
let mobilePageviews = 0
let paywallOnFreeArticles = 0
const pages: PageStat[] = []

beforeAll(() => {
  // Monday 2026-11-16 … Sunday 2026-11-22.
  const sim = new Simulation({ seed: 7, startDay: '2026-11-16', days: 7, scale: 1 })
  const paywalled = new Set<string>()
  let page: PageStat | undefined
  for (const batch of sim.hours()) {
    for (const a of batch.articles) if (a.paywalled) paywalled.add(`${a.site_id}|${a.article_id}`)
    for (const e of batch.events) {
      if (e.client.bot || e.client.bot_kind !== '') continue
      if (e.type === 'pageview') {
        readerPageviews++
        if (e.client.device === 'mobile') mobilePageviews++
        const local = new Date(e.ts + 7 * 3_600_000)
        hourly[local.getUTCHours()] = (hourly[local.getUTCHours()] ?? 0) + 1
        const key = `${e.site_id}|${local.toISOString().slice(0, 10)}`
        dailyBySite.set(key, (dailyBySite.get(key) ?? 0) + 1)
        page = e.article_id
          ? {
              reader: e.consented ? e.visitor_id : '',
              site: e.site_id,
              article: e.article_id,
              engaged: 0,
              complete: false,
            }
          : undefined
        if (page) pages.push(page)
      } else if (page) {
        if (e.type === 'engagement') page.engaged += e.engaged_ms
        if (e.type === 'read_complete') page.complete = true
      }
      if (e.name === 'paywall_shown' && !paywalled.has(`${e.site_id}|${e.article_id}`))
        paywallOnFreeArticles++
    }
  }
  truth = sim.groundTruth()
}, 300_000)

describe('simulated audience over a week', () => {
  it('is 70–80 % mobile', () => {
    expect(mobilePageviews / readerPageviews).toBeGreaterThan(0.7)
    expect(mobilePageviews / readerPageviews).toBeLessThan(0.8)
  })

  it('has a modest default volume: 20–50k events a day', () => {
    const perDay = truth.totals.events / 7
    expect(perDay).toBeGreaterThan(20_000)
    expect(perDay).toBeLessThan(50_000)
  })

  it('is skewed like Zipf: the top 10 % of articles get most of the views', () => {
    const perArticle = new Map<string, number>()
    for (const [site, article, , n] of truth.hourly)
      perArticle.set(`${site}|${article}`, (perArticle.get(`${site}|${article}`) ?? 0) + n)
    const counts = [...perArticle.values()].sort((a, b) => b - a)
    const total = counts.reduce((a, b) => a + b, 0)
    const top = counts.slice(0, Math.ceil(counts.length * 0.1)).reduce((a, b) => a + b, 0)
    expect(top / total).toBeGreaterThan(0.5)
  })

  it('peaks in the morning, at noon and in the evening (Vietnam time), and is quiet at night', () => {
    const at = (h: number) => hourly[h] ?? 0
    const peak = (from: number, to: number) => Math.max(...hourly.slice(from, to + 1))
    expect(peak(6, 8)).toBeGreaterThan(at(5) * 1.5)
    expect(peak(6, 8)).toBeGreaterThan(at(10))
    expect(peak(11, 13)).toBeGreaterThan(at(10))
    expect(peak(11, 13)).toBeGreaterThan(at(15))
    expect(peak(19, 22)).toBeGreaterThan(at(17))
    expect(peak(19, 22)).toBeGreaterThan(at(23))
    expect(at(3)).toBeLessThan(peak(19, 22) / 8)
  })

  it('reads news less at the weekend', () => {
    const day = (d: string) => dailyBySite.get(`baolamdong|${d}`) ?? 0
    const weekday =
      (day('2026-11-16') + day('2026-11-17') + day('2026-11-18') + day('2026-11-19') + day('2026-11-20')) / 5
    const weekend = (day('2026-11-21') + day('2026-11-22')) / 2
    expect(weekend).toBeLessThan(weekday)
  })

  it('mixes referrers: social, messaging, search, aggregators, direct, internal and campaigns', () => {
    const mix: Record<string, number> = {}
    for (const d of truth.days) for (const [k, n] of Object.entries(d.referrers)) mix[k] = (mix[k] ?? 0) + n
    const total = Object.values(mix).reduce((a, b) => a + b, 0)
    for (const k of ['social', 'messaging', 'search', 'aggregator', 'direct', 'internal', 'campaign'])
      expect((mix[k] ?? 0) / total, k).toBeGreaterThan(0.02)
    expect((mix.social ?? 0) / total).toBeGreaterThan(0.1)
  })

  it('converts paywall impressions at a realistic rate, and shows the paywall only on premium articles', () => {
    const { paywall_shown, subscribe_start, subscribe_complete } = truth.totals
    expect(paywall_shown).toBeGreaterThan(500)
    expect(subscribe_start).toBeGreaterThanOrEqual(subscribe_complete)
    expect(subscribe_complete / paywall_shown).toBeGreaterThan(0.003)
    expect(subscribe_complete / paywall_shown).toBeLessThan(0.05)
    expect(paywallOnFreeArticles).toBe(0)
  })

  it('has about 15 % consented readers with stable ids, and engaged time that grows with article length', () => {
    expect(truth.readers.consented / truth.readers.total).toBeGreaterThan(0.12)
    expect(truth.readers.consented / truth.readers.total).toBeLessThan(0.18)
    const words = new Map(truth.articles.map((a) => [`${a.site_id}|${a.article_id}`, a.word_count]))
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
    const short = pages.filter((p) => (words.get(`${p.site}|${p.article}`) ?? 0) < 500).map((p) => p.engaged)
    const long = pages.filter((p) => (words.get(`${p.site}|${p.article}`) ?? 0) > 1500).map((p) => p.engaged)
    expect(mean(long)).toBeGreaterThan(mean(short) * 1.5)
    const perPage = truth.totals.engaged_ms / truth.totals.pageviews / 1000
    expect(perPage).toBeGreaterThan(20)
    expect(perPage).toBeLessThan(120)
  })

  it('lets readers follow stable interests: reads, completions and held-out reads concentrate on their topics', () => {
    const topicOf = new Map(truth.articles.map((a) => [`${a.site_id}|${a.article_id}`, a.topic]))
    const interestOf = new Map<string, Record<string, number>>()
    for (const r of truth.readers.consented_readers)
      for (const [site, vid] of Object.entries(r.visitor_ids)) interestOf.set(`${site}|${vid}`, r.interests)
    // Share of reads in the reader's favourite topic vs. that topic's share of everybody's reads.
    const overall = new Map<string, number>()
    for (const p of pages)
      overall.set(
        topicOf.get(`${p.site}|${p.article}`) ?? '',
        (overall.get(topicOf.get(`${p.site}|${p.article}`) ?? '') ?? 0) + 1,
      )
    const byReader = new Map<string, PageStat[]>()
    for (const p of pages)
      if (p.reader)
        byReader.set(`${p.site}|${p.reader}`, [...(byReader.get(`${p.site}|${p.reader}`) ?? []), p])
    let own = 0
    let base = 0
    let n = 0
    const interested = { pages: 0, complete: 0 }
    const indifferent = { pages: 0, complete: 0 }
    for (const [key, list] of byReader) {
      const interests = interestOf.get(key)
      expect(interests, key).toBeDefined()
      if (!interests) continue
      const favourite = Object.entries(interests).sort((a, b) => b[1] - a[1])[0]?.[0] ?? ''
      for (const p of list) {
        const w = interests[topicOf.get(`${p.site}|${p.article}`) ?? ''] ?? 0
        const bucket = w >= 0.3 ? interested : w < 0.05 ? indifferent : undefined
        if (bucket) {
          bucket.pages++
          if (p.complete) bucket.complete++
        }
      }
      if (list.length < 8) continue
      n++
      own += list.filter((p) => topicOf.get(`${p.site}|${p.article}`) === favourite).length / list.length
      base += (overall.get(favourite) ?? 0) / pages.length
    }
    expect(n).toBeGreaterThan(100)
    expect(own / n).toBeGreaterThan(0.4)
    expect(own / n).toBeGreaterThan(base / n + 0.15)
    expect(interested.complete / interested.pages).toBeGreaterThan(
      (indifferent.complete / indifferent.pages) * 1.3,
    )

    // Held-out future reads: consented ids the platform saw, articles the truth knows.
    expect(truth.holdout.day).toBe('2026-11-23')
    expect(truth.holdout.reads.length).toBeGreaterThan(100)
    let holdoutOwn = 0
    let holdoutAll = 0
    for (const r of truth.holdout.reads) {
      const interests = interestOf.get(`${r.site_id}|${r.visitor_id}`)
      expect(interests).toBeDefined()
      const favourite = Object.entries(interests ?? {}).sort((a, b) => b[1] - a[1])[0]?.[0] ?? ''
      for (const a of r.article_ids) {
        expect(topicOf.has(`${r.site_id}|${a}`)).toBe(true)
        holdoutAll++
        if (topicOf.get(`${r.site_id}|${a}`) === favourite) holdoutOwn++
      }
    }
    expect(holdoutOwn / holdoutAll).toBeGreaterThan(0.35)
  })
})
