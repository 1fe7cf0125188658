// What the simulator generated, counted as it generated it: per site/article/Vietnam-hour pageviews and per
// site/day totals (bots apart), reader interests, and the held-out future reads. Written as deterministic JSON.
import type { EventMessage } from '../../ingest/contract/index.ts'
import type { AgencySpec } from './catalog.ts'
import { vietnamHourIndex, vietnamHourLabel } from './model.ts'

/** Totals of one site on one Vietnam day, over the events written (by each event's own timestamp). */
export interface DayTruth {
  day: string
  site_id: string
  /** Every event written, bots included (what `count()` over `events` gives). */
  events: number
  /** Events from crawlers, headless browsers and data centres (flagged `is_bot` by the pipeline). */
  bot_events: number
  /** The rest of the fields leave bots out, as the rollups do. */
  pageviews: number
  /** Pageviews of article pages (home pages are the difference). */
  article_pageviews: number
  /** Reader visits that started that day (the simulator's sessions). */
  visits: number
  /** Distinct visitor ids with a pageview (exact; ClickHouse's uniq is approximate). */
  visitors: number
  engaged_ms: number
  engagement_events: number
  scroll_events: number
  read_completes: number
  clicks: number
  paywall_shown: number
  subscribe_start: number
  subscribe_complete: number
  mobile_pageviews: number
  /** The recommendation block: impressions and clicks (tracker events rec_impression / rec_click). */
  rec_impressions: number
  rec_clicks: number
  /** Pageviews by the referrer class the pipeline assigns (search, social, messaging, aggregator, direct, internal, campaign). */
  referrers: Record<string, number>
}

export interface GroundTruth {
  generator: { name: 'nhip-simulator'; version: number }
  params: {
    seed: number
    scale: number
    start_day: string
    end_day: string
    days: number
    back_catalog_days: number
    holdout_day: string
  }
  agencies: AgencySpec[]
  sites: Array<{
    site_id: string
    agency_id: string
    name: string
    domain: string
    language: string
    sections: string[]
  }>
  totals: Omit<DayTruth, 'day' | 'site_id' | 'referrers' | 'visitors'> & { articles: number }
  days: DayTruth[]
  /** [site_id, article_id, Vietnam hour `YYYY-MM-DD HH:00:00`, pageviews] — bots excluded, sorted. */
  hourly: Array<[string, string, string, number]>
  articles: Array<{
    site_id: string
    article_id: string
    url: string
    title: string
    section: string
    topic: string
    kind: string
    author: string
    tags: string[]
    published_at: string
    word_count: number
    paywalled: boolean
    /** Published on the held-out day: never written to the platform. */
    held_out: boolean
  }>
  readers: {
    total: number
    consented: number
    anonymous: number
    /** Consented readers (stable ids), with their latent interests: the target a recommender should recover. */
    consented_readers: Array<{
      reader: number
      home_site: string
      /** Paying subscriber before the first simulated day… */
      subscriber_at_start: boolean
      /** …or became one during the simulation (held-out day included). */
      subscribed: boolean
      visitor_ids: Record<string, string>
      interests: Record<string, number>
    }>
  }
  /** Article reads of consented readers on the day after the back-fill (generated, never written). */
  holdout: {
    day: string
    pageviews: number
    reads: Array<{ site_id: string; visitor_id: string; article_ids: string[] }>
  }
}

type Counters = Omit<DayTruth, 'day' | 'site_id' | 'referrers' | 'visitors'> & {
  referrers: Map<string, number>
  visitors: Set<string>
}

function emptyCounters(): Counters {
  return {
    events: 0,
    bot_events: 0,
    pageviews: 0,
    article_pageviews: 0,
    visits: 0,
    engaged_ms: 0,
    engagement_events: 0,
    scroll_events: 0,
    read_completes: 0,
    clicks: 0,
    paywall_shown: 0,
    subscribe_start: 0,
    subscribe_complete: 0,
    mobile_pageviews: 0,
    rec_impressions: 0,
    rec_clicks: 0,
    referrers: new Map(),
    visitors: new Set(),
  }
}

/**
 * Counts events as the simulator writes them. Keys are numeric (day × 64 + site) to keep the hot path cheap.
 * @example recorder.event(e, siteIndex, false, 'social')
 */
export class TruthRecorder {
  private readonly days = new Map<number, Counters>()
  /** `${site}\u0000${article}` → (hour index → pageviews). */
  private readonly hourly = new Map<string, Map<number, number>>()
  private readonly reads = new Map<string, { site_id: string; visitor_id: string; article_ids: string[] }>()
  holdoutPageviews = 0

  constructor(private readonly siteIds: readonly string[]) {}

  private lastKey = -1
  private last: Counters = emptyCounters()

  private counters(dayNumber: number, site: number): Counters {
    const key = dayNumber * 64 + site
    if (key === this.lastKey) return this.last
    let c = this.days.get(key)
    if (!c) {
      c = emptyCounters()
      this.days.set(key, c)
    }
    this.lastKey = key
    this.last = c
    return c
  }

  /**
   * A written event. `refClass` is the referrer class of a pageview (ignored for other types); `articleKey` is
   * `site\u0000article` of article pages.
   */
  event(e: EventMessage, site: number, bot: boolean, refClass: string, articleKey: string): void {
    const hour = vietnamHourIndex(e.ts)
    const c = this.counters(Math.floor(hour / 24), site)
    c.events++
    if (bot) {
      c.bot_events++
      return
    }
    switch (e.type) {
      case 'pageview': {
        c.pageviews++
        c.visitors.add(e.visitor_id)
        if (e.client.device === 'mobile') c.mobile_pageviews++
        c.referrers.set(refClass, (c.referrers.get(refClass) ?? 0) + 1)
        if (articleKey !== '') {
          c.article_pageviews++
          let hours = this.hourly.get(articleKey)
          if (!hours) {
            hours = new Map()
            this.hourly.set(articleKey, hours)
          }
          hours.set(hour, (hours.get(hour) ?? 0) + 1)
        }
        break
      }
      case 'engagement':
        c.engagement_events++
        c.engaged_ms += e.engaged_ms
        break
      case 'scroll':
        c.scroll_events++
        break
      case 'read_complete':
        c.read_completes++
        break
      case 'click':
        c.clicks++
        break
      case 'paywall':
        if (e.name === 'paywall_shown') c.paywall_shown++
        break
      case 'subscribe':
        if (e.name === 'subscribe_start') c.subscribe_start++
        else if (e.name === 'subscribe_complete') c.subscribe_complete++
        break
      case 'rec_impression':
        c.rec_impressions++
        break
      case 'rec_click':
        c.rec_clicks++
        break
      default:
        break
    }
  }

  /** A reader visit (non-bot session) that started at `ts`. */
  visit(ts: number, site: number): void {
    this.counters(Math.floor(vietnamHourIndex(ts) / 24), site).visits++
  }

  /** An article read on the held-out day by a consented reader. */
  holdoutRead(siteId: string, visitorId: string, articleId: string): void {
    const key = `${siteId}\u0000${visitorId}`
    let r = this.reads.get(key)
    if (!r) {
      r = { site_id: siteId, visitor_id: visitorId, article_ids: [] }
      this.reads.set(key, r)
    }
    r.article_ids.push(articleId)
  }

  /** Per site/day totals, sorted by day then site id. */
  dayTotals(): DayTruth[] {
    const out: DayTruth[] = []
    for (const [key, c] of this.days) {
      const site = key % 64
      const dayNumber = (key - site) / 64
      const { referrers, visitors, ...counts } = c
      out.push({
        day: new Date(dayNumber * 86_400_000).toISOString().slice(0, 10),
        site_id: this.siteIds[site] ?? String(site),
        ...counts,
        visitors: visitors.size,
        referrers: Object.fromEntries([...referrers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      })
    }
    return out.sort((a, b) => compare(a.day, b.day) || compare(a.site_id, b.site_id))
  }

  hourlyRows(): Array<[string, string, string, number]> {
    const rows: Array<[string, string, string, number]> = []
    for (const [key, hours] of this.hourly) {
      const [site, article] = key.split('\u0000') as [string, string]
      for (const [hour, n] of hours) rows.push([site, article, vietnamHourLabel(hour), n])
    }
    return rows.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]) || compare(a[2], b[2]))
  }

  holdoutReads(): GroundTruth['holdout']['reads'] {
    return [...this.reads.values()].sort(
      (a, b) => compare(a.site_id, b.site_id) || compare(a.visitor_id, b.visitor_id),
    )
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Deterministic JSON: object keys sorted at every level, one array element per line for arrays of objects or
 * rows, everything below the second level on one line. Same input → same bytes.
 * @example writeFileSync(file, serializeGroundTruth(truth))
 */
export function serializeGroundTruth(truth: GroundTruth): string {
  return `${pretty(truth, 0)}\n`
}

function compact(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null'
  if (Array.isArray(v)) return `[${v.map(compact).join(',')}]`
  const o = v as Record<string, unknown>
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${compact(o[k])}`)
    .join(',')}}`
}

function pretty(v: unknown, level: number): string {
  if (v === null || typeof v !== 'object') return compact(v)
  const pad = '  '.repeat(level + 1)
  const end = '  '.repeat(level)
  if (Array.isArray(v)) {
    if (v.length === 0 || v.every((x) => x === null || typeof x !== 'object')) return compact(v)
    return `[\n${v.map((x) => `${pad}${compact(x)}`).join(',\n')}\n${end}]`
  }
  if (level >= 2) return compact(v)
  const o = v as Record<string, unknown>
  const keys = Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
  return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${pretty(o[k], level + 1)}`).join(',\n')}\n${end}}`
}
