// Forecast inputs from the audience simulator, in process: hourly pageviews per site and per section, and every
// article's first 60 minutes (views, engaged time, referrer mix as the pipeline classifies it) with its views at
// 24 h and 72 h — the same definitions the forecast jobs read from ClickHouse (bots excluded).
import {
  type ArticleExample,
  buildSeries,
  type LiveArticle,
  REFERRER_CLASSES,
  type ReferrerClass,
  type TrafficSeries,
  trafficSeriesId,
} from '../../models/forecast/index.ts'
import { classifyReferrer } from '../../transform/pipeline/steps/referrer.ts'
import { SITES, simulateDays } from '../simulator/index.ts'

const HOUR_MS = 3_600_000
const localHour = (ms: number) => Math.floor(ms / HOUR_MS) + 7

interface ArticleStats {
  siteId: string
  agencyId: string
  articleId: string
  title: string
  section: string
  publishedMs: number
  v60: number
  eng60: number
  classes: Partial<Record<ReferrerClass, number>>
  v24: number
  v72: number
  /** Views up to the end of the simulation. */
  total: number
}

export interface SimForecastData {
  series: TrafficSeries[]
  /** Articles published inside the simulated days, oldest first. */
  articles: ArticleStats[]
  /** One past the last simulated local hour. */
  endHour: number
  events: number
}

const KNOWN = new Set<string>(REFERRER_CLASSES)

/**
 * Runs the simulator for `days` from `startDay` and aggregates what the forecast jobs read.
 * @example const sim = collectSimulatorForecastData({ seed: 7, startDay: '2026-06-01', days: 84 })
 */
export function collectSimulatorForecastData(opts: {
  seed: number
  startDay: string
  days: number
  scale?: number
  onDay?: (day: string) => void
}): SimForecastData {
  const startMs = Date.parse(`${opts.startDay}T00:00:00Z`) - 7 * HOUR_MS
  const startHour = localHour(startMs)
  const endHour = startHour + opts.days * 24
  const hosts = new Map(SITES.map((s) => [s.site_id, [s.domain]]))
  const agency = new Map(SITES.map((s) => [s.site_id, s.agency_id]))
  const counts = new Map<string, Map<number, number>>()
  const meta = new Map<string, { kind: 'site' | 'section'; site: string; key: string }>()
  const add = (kind: 'site' | 'section', site: string, key: string, h: number) => {
    const id = trafficSeriesId(kind, site, key)
    let m = counts.get(id)
    if (!m) {
      m = new Map()
      counts.set(id, m)
      meta.set(id, { kind, site, key })
    }
    m.set(h, (m.get(h) ?? 0) + 1)
  }
  const articles = new Map<string, ArticleStats>()
  let events = 0
  let lastDay = ''
  for (const batch of simulateDays({
    seed: opts.seed,
    startDay: opts.startDay,
    days: opts.days,
    scale: opts.scale ?? 1,
  })) {
    if (batch.day !== lastDay) {
      lastDay = batch.day
      opts.onDay?.(batch.day)
    }
    for (const e of batch.events) {
      events++
      if (e.client.bot) continue
      const h = localHour(e.ts)
      if (e.type === 'pageview' && h >= startHour && h < endHour) {
        add('site', e.site_id, '', h)
        if (e.section) add('section', e.site_id, e.section, h)
      }
      if (!e.article_id || e.published_at === null || e.published_at < startMs) continue
      const dt = e.ts - e.published_at
      if (dt < 0) continue
      const key = `${e.site_id}/${e.article_id}`
      let a = articles.get(key)
      if (!a) {
        a = {
          siteId: e.site_id,
          agencyId: agency.get(e.site_id) ?? e.agency_id,
          articleId: e.article_id,
          title: e.title,
          section: e.section,
          publishedMs: e.published_at,
          v60: 0,
          eng60: 0,
          classes: {},
          v24: 0,
          v72: 0,
          total: 0,
        }
        articles.set(key, a)
      }
      if (e.type === 'pageview') {
        if (localHour(e.ts) < endHour) a.total++
        if (dt < HOUR_MS) {
          a.v60++
          const cls = classifyReferrer({
            url: e.url,
            referrer: e.referrer,
            siteHosts: hosts.get(e.site_id) ?? [],
          }).referrer_class as string
          const k = (KNOWN.has(cls) ? cls : 'other') as ReferrerClass
          a.classes[k] = (a.classes[k] ?? 0) + 1
        }
        if (dt < 24 * HOUR_MS) a.v24++
        if (dt < 72 * HOUR_MS) a.v72++
      } else if (e.type === 'engagement' && dt < HOUR_MS) a.eng60 += e.engaged_ms / 1000
    }
  }
  const series: TrafficSeries[] = [...counts.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, m]) => {
      const info = meta.get(id) as { kind: 'site' | 'section'; site: string; key: string }
      const first = Math.min(...m.keys())
      const points = Array.from({ length: endHour - first }, (_, i) => ({
        t: first + i,
        value: m.get(first + i) ?? 0,
      }))
      return {
        kind: info.kind,
        agencyId: agency.get(info.site) ?? info.site,
        siteId: info.site,
        key: info.key,
        hourly: buildSeries(id, 'hourly', points),
      }
    })
  return {
    series,
    articles: [...articles.values()].sort((a, b) => a.publishedMs - b.publishedMs),
    endHour,
    events,
  }
}

const signals = (a: ArticleStats) => ({
  views60: a.v60,
  engagedSeconds60: a.eng60,
  referrers: a.classes,
  section: a.section,
  publishHour: new Date(a.publishedMs + 7 * HOUR_MS).getUTCHours(),
})

/** Articles with a full 72 h inside the simulation, as training / evaluation examples (oldest first). */
export function articleExamples(sim: SimForecastData, beforeHour = sim.endHour): ArticleExample[] {
  return sim.articles
    .filter((a) => localHour(a.publishedMs) + 72 <= beforeHour)
    .map((a) => ({ signals: signals(a), outcome: { views24h: a.v24, views72h: a.v72 } }))
}

/** Articles between 1 and 72 hours old at the end of the simulation, as the hourly run sees them. */
export function liveArticles(sim: SimForecastData): LiveArticle[] {
  const endMs = (sim.endHour - 7) * HOUR_MS
  return sim.articles
    .filter((a) => a.publishedMs >= endMs - 72 * HOUR_MS && a.publishedMs < endMs - HOUR_MS)
    .map((a) => {
      const ageHours = (endMs - a.publishedMs) / HOUR_MS
      return {
        agencyId: a.agencyId,
        siteId: a.siteId,
        articleId: a.articleId,
        title: a.title,
        signals: signals(a),
        publishedMs: a.publishedMs,
        ageHours,
        viewsSoFar: a.total,
        ...(ageHours >= 24 ? { views24h: a.v24 } : {}),
      }
    })
}
