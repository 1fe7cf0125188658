// The simulation proper: day by day, hour by hour, reader sessions on each site become tracker-shaped events
// (pageview, engagement heartbeats, scroll milestones, read_complete, clicks, paywall/subscribe) in the shape
// of the Kafka `EventMessage`. Streaming: one hour of events is in memory at a time. Pure and seeded.
import type { ArticleMessage, ClientFacts, EventMessage, EventType } from '../../ingest/contract/index.ts'
import { CHANNEL_CLASS, type Channel, HOUR_WEIGHTS, SITES, type SiteSpec } from './catalog.ts'
import { BOT_USER_AGENTS } from './clients.ts'
import { type GroundTruth, serializeGroundTruth, TruthRecorder } from './ground-truth.ts'
import {
  AGENCIES,
  type Article,
  articleMessage,
  articlesOfDay,
  attention,
  CHANNELS,
  channelTable,
  consentedVisitorId,
  createReaders,
  DAY_MS,
  dailyVisitorId,
  dayNumberOf,
  dayOfNumber,
  HOUR_MS,
  REC_BLOCK_K,
  REC_POSITION_WEIGHTS,
  REC_SOURCES,
  type Reader,
  type ReaderPopulation,
  recBlockSeen,
  recClickShare,
  siteAuthors,
  vietnamMidnight,
} from './model.ts'
import { AliasTable, hashId, Rng, searchCumulative } from './random.ts'
import { SECTION_NAMES, TOPICS } from './vietnamese.ts'

export interface SimulationOptions {
  seed: number
  /** First Vietnam calendar day written, `YYYY-MM-DD`. */
  startDay: string
  days: number
  /** Multiplies readers and sessions (1 ≈ 30–40k events a day in all). */
  scale?: number
  /** Days of articles published before `startDay` (they keep getting search and evergreen traffic). */
  backCatalogDays?: number
}

/** One Vietnam hour of the simulation, in the order it should be written. */
export interface HourBatch {
  day: string
  /** Epoch ms of the start of the Vietnam hour. */
  hourStart: number
  /** CMS records of the articles published in this hour (the first batch also carries the back catalog). */
  articles: ArticleMessage[]
  /** Events of the sessions that started in this hour (their later events may fall in the next hour). */
  events: EventMessage[]
}

export const SIMULATOR_VERSION = 1
const HOUR_WEIGHT_SUM = HOUR_WEIGHTS.reduce((a, b) => a + b, 0)
const HEARTBEAT_MS = 15_000
const BOT_SESSION_SHARE = 0.02
const MAX_PAGES = 12

const EMPTY_PROPS: Record<string, string> = Object.freeze({}) as Record<string, string>
const PAYWALL_PROPS: Record<string, string> = Object.freeze({ placement: 'inline' }) as Record<string, string>
const PLANS = [
  {
    start: Object.freeze({ plan: 'thang' }),
    complete: Object.freeze({ plan: 'thang', amount_vnd: '49000' }),
  },
  { start: Object.freeze({ plan: 'nam' }), complete: Object.freeze({ plan: 'nam', amount_vnd: '490000' }) },
] as Array<{ start: Record<string, string>; complete: Record<string, string> }>
const SHARE_LINKS = [
  'https://www.facebook.com/sharer/sharer.php',
  'https://sp.zalo.me/share_inline',
  'https://www.youtube.com/',
]

/** What every event of one page carries (the tracker reads it from the page once). */
interface Page {
  /** `site\u0000article` for the ground truth's hourly counts; '' for pages that are not articles. */
  key: string
  url: string
  referrer: string
  refClass: string
  title: string
  articleId: string
  section: string
  author: string
  publishedAt: number | null
}

/** Per site: its articles, and per hour the attention tables sessions draw from. */
class SiteState {
  readonly articles: Article[] = []
  readonly channels: AliasTable
  readonly home: Page
  /** Per topic: article indexes and running sums of attention (news) and of search appeal. */
  private idx: Int32Array[] = TOPICS.map(() => new Int32Array(64))
  private cumNews: Float64Array[] = TOPICS.map(() => new Float64Array(64))
  private cumSearch: Float64Array[] = TOPICS.map(() => new Float64Array(64))
  readonly count = new Int32Array(TOPICS.length)
  readonly totalNews = new Float64Array(TOPICS.length)
  readonly totalSearch = new Float64Array(TOPICS.length)
  /** Articles published before the end of the current hour. */
  live = 0

  constructor(
    readonly index: number,
    readonly spec: SiteSpec,
  ) {
    this.channels = channelTable(spec)
    this.home = {
      key: '',
      url: `https://${spec.domain}/`,
      referrer: '',
      refClass: 'direct',
      title: spec.homeTitle,
      articleId: '',
      section: '',
      author: '',
      publishedAt: null,
    }
  }

  /** Recomputes the tables for the hour starting at `hourStart`. */
  rebuild(hourStart: number): void {
    const hourEnd = hourStart + HOUR_MS
    const mid = hourStart + HOUR_MS / 2
    this.count.fill(0)
    this.totalNews.fill(0)
    this.totalSearch.fill(0)
    let live = 0
    for (let i = 0; i < this.articles.length; i++) {
      const a = this.articles[i] as Article
      if (a.published_at >= hourEnd) break
      live++
      // An article published during the hour gets its early attention from its publication on.
      const at = Math.max(mid, a.published_at + 900_000)
      const news = attention(a, at)
      const age = at - a.published_at
      const search = a.quality * (0.3 * 2 ** (-age / (a.halfLifeMs * 3)) + 10 * a.floor)
      const t = a.topic
      let n = this.count[t] as number
      if (n === (this.idx[t] as Int32Array).length) this.grow(t)
      const idx = this.idx[t] as Int32Array
      this.totalNews[t] = (this.totalNews[t] as number) + news
      this.totalSearch[t] = (this.totalSearch[t] as number) + search
      idx[n] = i
      ;(this.cumNews[t] as Float64Array)[n] = this.totalNews[t] as number
      ;(this.cumSearch[t] as Float64Array)[n] = this.totalSearch[t] as number
      this.count[t] = ++n
    }
    this.live = live
  }

  private grow(t: number): void {
    const size = (this.idx[t] as Int32Array).length * 2
    const idx = new Int32Array(size)
    idx.set(this.idx[t] as Int32Array)
    const news = new Float64Array(size)
    news.set(this.cumNews[t] as Float64Array)
    const search = new Float64Array(size)
    search.set(this.cumSearch[t] as Float64Array)
    this.idx[t] = idx
    this.cumNews[t] = news
    this.cumSearch[t] = search
  }

  /** An article of topic `t`, drawn by attention (`search` favours evergreen pages). */
  draw(rng: Rng, t: number, search: boolean): Article | undefined {
    const n = this.count[t] as number
    if (n === 0) return undefined
    const total = (search ? this.totalSearch[t] : this.totalNews[t]) as number
    const k = searchCumulative(
      (search ? this.cumSearch[t] : this.cumNews[t]) as Float64Array,
      n,
      rng.float() * total,
    )
    return this.articles[(this.idx[t] as Int32Array)[k] as number]
  }
}

interface SessionContext {
  site: SiteState
  agencyId: string
  siteId: string
  visitorId: string
  consented: boolean
  client: ClientFacts
  bot: boolean
}

/**
 * A seeded simulation of the group's audience over `days` days.
 * @example
 * const sim = new Simulation({ seed: 7, startDay: '2026-11-12', days: 14 })
 * for (const batch of sim.hours()) await write(batch.articles, batch.events)
 * const truth = sim.groundTruth()
 */
export class Simulation {
  readonly seed: number
  readonly scale: number
  readonly startDayNumber: number
  readonly days: number
  readonly backCatalogDays: number
  readonly population: ReaderPopulation
  private readonly sites: SiteState[]
  private readonly authors: string[][]
  private readonly truth: TruthRecorder
  private readonly allArticles: Article[] = []
  private readonly botClients: ClientFacts[]
  private readonly botTable: AliasTable
  private rng = new Rng(0)
  /**
   * The recommendation block's own stream (per site and hour): its draws and event ids never touch `rng`, so
   * every other event of a seed stays exactly what it was before the block existed.
   */
  private recRng = new Rng(0)
  private readonly recPositions = new AliasTable(REC_POSITION_WEIGHTS)
  /** The current page's block events (timeline kinds 9 and 10). */
  private recShown: Record<string, string> = EMPTY_PROPS
  private recClicked: Record<string, string> = EMPTY_PROPS
  private out: EventMessage[] = []
  private holdout = false
  private begun = false
  private finished = false
  private dayNumber = 0
  private ctx!: SessionContext
  // Timeline scratch of one page (times, kinds, values), sorted before emitting.
  private tlTs: number[] = []
  private tlKind: number[] = []
  private tlVal: number[] = []
  private tlLen = 0
  private order = new Int32Array(256)
  private readonly pages = new Map<Article, Page>()
  private readonly stableIds = new Map<number, string>()
  private readonly dailyIds = new Map<number, string>()
  private dailyIdsDay = -1

  constructor(opts: SimulationOptions) {
    if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new Error('seed must be a non-negative integer')
    if (!Number.isInteger(opts.days) || opts.days < 1) throw new Error('days must be a positive integer')
    this.seed = opts.seed
    this.scale = opts.scale ?? 1
    if (!(this.scale > 0)) throw new Error('scale must be positive')
    this.startDayNumber = dayNumberOf(opts.startDay)
    this.days = opts.days
    this.backCatalogDays = opts.backCatalogDays ?? 30
    this.population = createReaders(this.seed, this.scale)
    this.sites = SITES.map((s, i) => new SiteState(i, s))
    this.authors = SITES.map((_, i) => siteAuthors(this.seed, i))
    this.truth = new TruthRecorder(SITES.map((s) => s.site_id))
    this.botTable = new AliasTable(BOT_USER_AGENTS.map((b) => b.weight))
    this.botClients = BOT_USER_AGENTS.map((b) => {
      const client: ClientFacts = {
        ...b.facts,
        country: b.facts.bot_kind === 'datacenter' ? 'SG' : 'US',
        province: '',
      }
      this.population.userAgentOf.set(client, b.ua)
      return client
    })
  }

  /** The User-Agent header behind an event's client facts. */
  userAgentOf(client: ClientFacts): string {
    return this.population.userAgentOf.get(client) ?? ''
  }

  get endDay(): string {
    return dayOfNumber(this.startDayNumber + this.days - 1)
  }

  get holdoutDay(): string {
    return dayOfNumber(this.startDayNumber + this.days)
  }

  /** The back-filled days, hour by hour. Call once. */
  *hours(): Generator<HourBatch> {
    if (this.begun) throw new Error('hours() runs once per Simulation')
    this.begun = true
    let pending: ArticleMessage[] = []
    for (let d = this.startDayNumber - this.backCatalogDays; d < this.startDayNumber; d++) {
      for (const a of this.publishDay(d)) pending.push(articleMessage(a))
    }
    const cursors = this.sites.map((s) => s.articles.length)
    for (let d = this.startDayNumber; d < this.startDayNumber + this.days; d++) {
      this.publishDay(d)
      for (let h = 0; h < 24; h++) {
        const hourStart = vietnamMidnight(d) + h * HOUR_MS
        for (const st of this.sites) {
          let c = cursors[st.index] as number
          while (c < st.articles.length && (st.articles[c] as Article).published_at < hourStart + HOUR_MS) {
            pending.push(articleMessage(st.articles[c] as Article))
            c++
          }
          cursors[st.index] = c
        }
        this.out = []
        this.simulateHour(d, h)
        yield { day: dayOfNumber(d), hourStart, articles: pending, events: this.out }
        pending = []
      }
    }
    this.finished = true
  }

  /**
   * The ground truth of what `hours()` produced, plus the held-out day (simulated now, never written).
   * Call after `hours()` is exhausted.
   */
  groundTruth(): GroundTruth {
    if (!this.finished) throw new Error('groundTruth() needs hours() to have run to the end')
    if (!this.holdout) {
      this.holdout = true
      const d = this.startDayNumber + this.days
      this.publishDay(d)
      for (let h = 0; h < 24; h++) {
        this.out = []
        this.simulateHour(d, h)
      }
      this.out = []
    }
    const days = this.truth.dayTotals()
    const sum = (k: keyof (typeof days)[number]) => days.reduce((s, x) => s + (x[k] as number), 0)
    const readers = this.population.readers
    const holdoutStart = vietnamMidnight(this.startDayNumber + this.days)
    return {
      generator: { name: 'nhip-simulator', version: SIMULATOR_VERSION },
      params: {
        seed: this.seed,
        scale: this.scale,
        start_day: dayOfNumber(this.startDayNumber),
        end_day: this.endDay,
        days: this.days,
        back_catalog_days: this.backCatalogDays,
        holdout_day: this.holdoutDay,
      },
      agencies: AGENCIES.map((a) => ({ ...a })),
      sites: SITES.map((s) => ({
        site_id: s.site_id,
        agency_id: s.agency_id,
        name: s.name,
        domain: s.domain,
        language: s.language,
        sections: TOPICS.filter((t) => (s.topics[t] ?? 0) > 0).map((t) => SECTION_NAMES[s.language][t]),
      })),
      totals: {
        events: sum('events'),
        bot_events: sum('bot_events'),
        pageviews: sum('pageviews'),
        article_pageviews: sum('article_pageviews'),
        visits: sum('visits'),
        engaged_ms: sum('engaged_ms'),
        engagement_events: sum('engagement_events'),
        scroll_events: sum('scroll_events'),
        read_completes: sum('read_completes'),
        clicks: sum('clicks'),
        paywall_shown: sum('paywall_shown'),
        subscribe_start: sum('subscribe_start'),
        subscribe_complete: sum('subscribe_complete'),
        mobile_pageviews: sum('mobile_pageviews'),
        rec_impressions: sum('rec_impressions'),
        rec_clicks: sum('rec_clicks'),
        articles: this.allArticles.filter((a) => a.published_at < holdoutStart).length,
      },
      days,
      hourly: this.truth.hourlyRows(),
      articles: this.allArticles.map((a) => ({
        site_id: (SITES[a.site] as SiteSpec).site_id,
        article_id: a.article_id,
        url: a.url,
        title: a.title,
        section: a.section,
        topic: TOPICS[a.topic] ?? '',
        kind: a.kind,
        author: a.author,
        tags: a.tags,
        published_at: new Date(a.published_at).toISOString(),
        word_count: a.word_count,
        paywalled: a.paywalled,
        held_out: a.published_at >= holdoutStart,
      })),
      readers: {
        total: readers.length,
        consented: readers.filter((r) => r.consented).length,
        anonymous: readers.filter((r) => !r.consented).length,
        consented_readers: readers
          .filter((r) => r.consented)
          .map((r) => ({
            reader: r.index,
            home_site: (SITES[r.sites[0] as number] as SiteSpec).site_id,
            subscriber_at_start: r.subscriberAtStart,
            subscribed: r.subscriber && !r.subscriberAtStart,
            visitor_ids: Object.fromEntries(
              r.sites.map((s) => [(SITES[s] as SiteSpec).site_id, consentedVisitorId(this.seed, r.index, s)]),
            ),
            interests: Object.fromEntries(
              TOPICS.map((t, i) => [t, Math.round((r.interests[i] ?? 0) * 10_000) / 10_000]),
            ),
          })),
      },
      holdout: {
        day: this.holdoutDay,
        pageviews: this.truth.holdoutPageviews,
        reads: this.truth.holdoutReads(),
      },
    }
  }

  private publishDay(d: number): Article[] {
    const published: Article[] = []
    for (const st of this.sites) {
      const list = articlesOfDay(this.seed, st.index, d, this.authors[st.index] as string[])
      for (const a of list) st.articles.push(a)
      published.push(...list)
    }
    this.allArticles.push(...published)
    return published
  }

  private simulateHour(d: number, h: number): void {
    this.dayNumber = d
    const hourStart = vietnamMidnight(d) + h * HOUR_MS
    const dow = new Date(d * DAY_MS).getUTCDay()
    const weekend = dow === 0 || dow === 6
    for (const st of this.sites) {
      st.rebuild(hourStart)
      if (st.live === 0) continue
      const dayFactor =
        Rng.for(this.seed, 'day', st.index, d).lognormal(0, 0.08) * (weekend ? st.spec.weekend : 1)
      this.rng = Rng.for(this.seed, 'traffic', st.index, d, h)
      this.recRng = Rng.for(this.seed, 'recs', st.index, d, h)
      const rng = this.rng
      const lambda =
        st.spec.sessionsPerDay * this.scale * ((HOUR_WEIGHTS[h] ?? 0) / HOUR_WEIGHT_SUM) * dayFactor
      const n = rng.poisson(lambda)
      const starts = new Float64Array(n)
      for (let i = 0; i < n; i++) starts[i] = hourStart + Math.floor(rng.float() * HOUR_MS)
      starts.sort()
      for (let i = 0; i < n; i++) {
        const start = starts[i] as number
        if (rng.chance(BOT_SESSION_SHARE)) this.botSession(st, start)
        else this.readerSession(st, start)
      }
    }
  }

  // ─── sessions ───────────────────────────────────────────────────────────────────────────────────────

  private readerSession(st: SiteState, start: number): void {
    const rng = this.rng
    const pool = this.population.bySite[st.index]
    if (!pool) return
    const reader = this.population.readers[pool.readers[pool.table.draw(rng)] as number] as Reader
    this.ctx = {
      site: st,
      agencyId: st.spec.agency_id,
      siteId: st.spec.site_id,
      visitorId: this.visitorId(reader, st.index),
      consented: reader.consented,
      client: reader.client,
      bot: false,
    }
    const channel: Channel =
      rng.chance(0.55) && (st.spec.channels[reader.favorite] ?? 0) > 0
        ? reader.favorite
        : (CHANNELS[st.channels.draw(rng)] as Channel)
    const search = channel === 'google' || channel === 'coccoc'
    let t = start
    let article: Article | undefined
    if (!(channel === 'direct' && rng.chance(0.45))) {
      article = this.pickArticle(st, reader, search, undefined, -1)
      // A reader cannot open an article before it is out: they came from its notification, shortly after.
      if (article && article.published_at > t) t = article.published_at + 30_000 + rng.int(270_000)
    }
    if (!this.holdout) this.truth.visit(t, st.index)
    let page = article ? this.articlePage(article) : st.home
    page = this.arrive(page, channel)
    for (let pages = 1; ; pages++) {
      const next = article
        ? this.readArticle(reader, page, article, t, pages === 1 ? channel : 'internal', pages)
        : this.browseHome(reader, page, t, pages)
      if (!next) return
      t = next.at
      article = next.article
      page = { ...this.articlePage(article), referrer: page.url, refClass: 'internal' }
    }
  }

  /** Referrer and landing-URL decorations of a session's first page, by channel. */
  private arrive(page: Page, channel: Channel): Page {
    const rng = this.rng
    const mobile = this.ctx.client.device !== 'desktop'
    const refClass = CHANNEL_CLASS[channel]
    switch (channel) {
      case 'facebook':
        return {
          ...page,
          url: `${page.url}?fbclid=IwAR${rng.base64url(40)}`,
          referrer: rng.chance(0.5)
            ? 'https://l.facebook.com/'
            : mobile
              ? 'https://m.facebook.com/'
              : 'https://www.facebook.com/',
          refClass,
        }
      case 'zalo':
        // Zalo's in-app browser usually sends no referrer; its links carry zarsrc.
        return rng.chance(0.75)
          ? { ...page, url: `${page.url}?zarsrc=${rng.chance(0.5) ? 30 : 31}`, referrer: '', refClass }
          : { ...page, referrer: 'https://zalo.me/', refClass }
      case 'google':
        return {
          ...page,
          referrer: rng.chance(0.7) ? 'https://www.google.com/' : 'https://www.google.com.vn/',
          refClass,
        }
      case 'coccoc':
        return { ...page, referrer: 'https://coccoc.com/search', refClass }
      case 'baomoi':
        return {
          ...page,
          referrer: rng.chance(0.6) ? 'https://baomoi.com/' : 'https://m.baomoi.com/',
          refClass,
        }
      case 'googlenews':
        return { ...page, referrer: 'https://news.google.com/', refClass }
      case 'campaign': {
        const source = rng.chance(0.6) ? 'zalo_oa' : 'facebook'
        const campaign = rng.pick(['diem-tin-sang', 'tin-nong', 'ban-tin-toi'])
        return {
          ...page,
          url: `${page.url}?utm_source=${source}&utm_medium=social&utm_campaign=${campaign}`,
          referrer: source === 'facebook' ? 'https://l.facebook.com/' : '',
          refClass,
        }
      }
      default:
        return { ...page, referrer: '', refClass }
    }
  }

  /** The page of an article as its events carry it (made once per article). */
  private articlePage(a: Article): Page {
    let page = this.pages.get(a)
    if (!page) {
      page = {
        key: `${(SITES[a.site] as SiteSpec).site_id}\u0000${a.article_id}`,
        url: a.url,
        referrer: '',
        refClass: 'direct',
        title: a.title,
        articleId: a.article_id,
        section: a.section,
        author: a.author,
        publishedAt: a.published_at,
      }
      this.pages.set(a, page)
    }
    return page
  }

  /** Visitor ids of the current day (cookieless ids change daily; consented ones never do). */
  private visitorId(reader: Reader, site: number): string {
    const key = reader.index * 8 + site
    if (reader.consented) {
      let id = this.stableIds.get(key)
      if (id === undefined) {
        id = consentedVisitorId(this.seed, reader.index, site)
        this.stableIds.set(key, id)
      }
      return id
    }
    if (this.dailyIdsDay !== this.dayNumber) {
      this.dailyIds.clear()
      this.dailyIdsDay = this.dayNumber
    }
    let id = this.dailyIds.get(key)
    if (id === undefined) {
      id = dailyVisitorId(this.seed, reader.index, site, this.dayNumber)
      this.dailyIds.set(key, id)
    }
    return id
  }

  /** An article for this reader: topic by interest × what the site has now, then by attention within it. */
  private pickArticle(
    st: SiteState,
    reader: Reader,
    search: boolean,
    exclude: Article | undefined,
    topic: number,
  ): Article | undefined {
    const rng = this.rng
    for (let attempt = 0; attempt < 3; attempt++) {
      let t = topic
      if (t < 0 || (st.count[t] as number) === 0) {
        const totals = search ? st.totalSearch : st.totalNews
        let sum = 0
        for (let i = 0; i < TOPICS.length; i++)
          sum += (0.85 * (reader.interests[i] as number) + 0.15 / TOPICS.length) * (totals[i] as number)
        if (!(sum > 0)) return undefined
        let x = rng.float() * sum
        t = TOPICS.length - 1
        for (let i = 0; i < TOPICS.length; i++) {
          x -= (0.85 * (reader.interests[i] as number) + 0.15 / TOPICS.length) * (totals[i] as number)
          if (x < 0) {
            t = i
            break
          }
        }
      }
      const a = st.draw(rng, t, search)
      if (a && a !== exclude) return a
      topic = -1
    }
    return undefined
  }

  private browseHome(
    reader: Reader,
    page: Page,
    t0: number,
    pages: number,
  ): { at: number; article: Article } | undefined {
    const rng = this.rng
    const desktop = this.ctx.client.device === 'desktop'
    const s0 = desktop ? 14 : 6
    const maxS = Math.min(100, s0 + Math.floor(rng.float() * 45))
    const engaged = 3000 + rng.int(27_000)
    const duration = Math.round(engaged * (1.1 + 0.4 * rng.float())) + 800
    const at = t0 + duration
    let next =
      pages < MAX_PAGES && rng.chance(0.85)
        ? this.pickArticle(this.ctx.site, reader, false, undefined, -1)
        : undefined
    if (next && next.published_at > at) next = undefined
    this.tlLen = 0
    this.timeline(t0, 0, 0)
    this.scrollTimeline(t0, duration, s0, maxS)
    this.heartbeats(t0, duration, engaged)
    if (next) this.timeline(at - 250, 4, 0)
    this.timeline(at, 2, -1)
    this.flush(page, t0, duration, s0, maxS, engaged, next ? next.url : '')
    return next ? { at: at + 400 + rng.int(2100), article: next } : undefined
  }

  /**
   * One article page: the reading depends on the reader's interest in its topic and its length; premium
   * articles show the paywall to non-subscribers. Returns the next page when the reader clicks on.
   */
  private readArticle(
    reader: Reader,
    page: Page,
    a: Article,
    t0: number,
    channel: Channel | 'internal',
    pages: number,
  ): { at: number; article: Article } | undefined {
    const rng = this.rng
    const interest = (reader.interests[a.topic] as number) / reader.maxInterest
    const w = a.word_count
    const device = this.ctx.client.device
    const viewportWords = device === 'desktop' ? 200 : device === 'tablet' ? 150 : 80
    const s0 = Math.min(60, Math.max(5, Math.round((100 * viewportWords) / (w + 450))))
    const endPct = Math.round((100 * (w + 120)) / (w + 450))
    let blocked = a.paywalled && !reader.subscriber
    this.tlLen = 0
    this.timeline(t0, 0, 0)

    let subscribed = false
    if (blocked) {
      this.timeline(t0 + 800 + rng.int(2200), 6, 0)
      const pStart = 0.008 + 0.03 * interest + (reader.consented ? 0.012 : 0)
      if (rng.chance(pStart)) {
        const plan = rng.chance(0.8) ? 0 : 1
        const started = t0 + 5000 + rng.int(35_000)
        this.timeline(started, 7, plan)
        if (rng.chance(0.42)) {
          this.timeline(started + 60_000 + rng.int(180_000), 8, plan)
          subscribed = true
          reader.subscriber = true
        }
      }
    }

    const bounceBias =
      channel === 'facebook'
        ? 0.08
        : channel === 'zalo' || channel === 'baomoi'
          ? 0.05
          : channel === 'internal'
            ? -0.12
            : channel === 'direct'
              ? -0.05
              : 0
    const bounce =
      !subscribed && rng.chance(Math.min(0.7, Math.max(0.08, 0.42 - 0.22 * interest + bounceBias)))
    let fraction: number
    let engaged: number
    // Reading at ~300 words a minute, most readers skimming faster; long reads lose readers on the way.
    const readMs = (w / 300) * 60_000
    const stamina = w > 1200 ? Math.sqrt(1200 / w) : 1
    if (bounce) {
      fraction = 0.02 + 0.08 * rng.float()
      engaged = 1500 + rng.int(7500)
    } else {
      fraction = rng.beta(0.8 + 2.2 * interest, 1) * (rng.chance(stamina) ? 1 : 0.3 + 0.5 * rng.float())
      if (blocked && !subscribed) fraction = Math.min(fraction, 0.1 + 0.1 * rng.float())
      engaged = Math.max(3000, Math.round(fraction * readMs * rng.lognormal(-0.5, 0.5)))
    }
    if (subscribed) {
      // After paying, the reader reads the article they were stopped on.
      blocked = false
      fraction = Math.max(fraction, 0.6 + 0.4 * rng.float())
      engaged = Math.max(engaged, Math.round(fraction * readMs * 0.6))
    }
    engaged = Math.min(engaged, 20 * 60_000)
    const complete = !bounce && !blocked && fraction >= 0.85
    let maxS: number
    if (bounce) maxS = Math.min(100, s0 + rng.int(12))
    else if (complete)
      maxS = rng.chance(0.35) ? 100 : Math.min(100, endPct + Math.floor(rng.float() * (100 - endPct) * 0.6))
    else maxS = Math.min(100, Math.round(s0 + (endPct - s0) * Math.min(1, fraction * 1.05)))
    if (maxS < s0) maxS = s0
    const duration = Math.round(engaged * (1.15 + 0.5 * rng.float())) + 1000
    // Subscribing takes wall time of its own: the reading resumes after it.
    const readStart = subscribed ? (this.tlTs[this.tlLen - 1] as number) : t0
    this.scrollTimeline(readStart, duration, s0, maxS)
    this.heartbeats(readStart, duration, engaged)
    if (complete) {
      const reach = maxS > s0 ? (endPct - s0) / (maxS - s0) : 1
      this.timeline(readStart + Math.round(duration * 0.95 * Math.min(1, Math.max(0, reach))) + 200, 3, 0)
    }
    const at = readStart + duration
    let outbound = ''
    if (!bounce && rng.chance(0.025)) {
      outbound = rng.pick(SHARE_LINKS)
      this.timeline(readStart + Math.round(duration * (0.3 + 0.6 * rng.float())), 5, 0)
    }
    const channelNext = channel === 'direct' ? 0.1 : channel === 'facebook' ? -0.05 : 0
    const pNext = Math.min(
      0.75,
      Math.max(0.03, 0.14 + 0.28 * interest + (complete ? 0.08 : 0) - (blocked ? 0.1 : 0) + channelNext),
    )
    let next: Article | undefined
    if (pages < MAX_PAGES && rng.chance(pNext)) {
      // Recirculation: half "related" (same section), half the reader's own tastes ("most read", "for you").
      next = this.pickArticle(this.ctx.site, reader, false, a, rng.chance(0.5) ? a.topic : -1)
      if (next && next.published_at > at) next = undefined
    }
    if (next) this.timeline(at - 250, 4, 0)
    if (recBlockSeen(maxS, endPct, bounce)) {
      const seenAt =
        readStart +
        Math.round(duration * 0.95 * Math.min(1, maxS > s0 ? (endPct - s0) / (maxS - s0) : 0)) +
        300
      this.recBlock(reader, a, seenAt, next && next.published_at <= seenAt ? next : undefined, at - 250)
    }
    this.timeline(at, 2, -1)
    this.flush(page, readStart, duration, s0, maxS, engaged, next ? next.url : '', outbound)
    return next ? { at: at + 400 + rng.int(2100), article: next } : undefined
  }

  /**
   * The recommendation block at the end of article `a`, seen at `seenAt`: a list of REC_BLOCK_K same-site
   * articles (mostly related, the rest popular) and, when the reader goes on to `next` through it (more likely
   * the more `next` matches their tastes), a click at `clickAt` on `next`'s position. Draws from `recRng` only.
   */
  private recBlock(
    reader: Reader,
    a: Article,
    seenAt: number,
    next: Article | undefined,
    clickAt: number,
  ): void {
    const rng = this.recRng
    const st = this.ctx.site
    const viaBlock =
      next !== undefined &&
      rng.chance(recClickShare((reader.interests[next.topic] as number) / reader.maxInterest))
    const slot = viaBlock ? this.recPositions.draw(rng) : -1
    const items: string[] = []
    for (let tries = 0; items.length < REC_BLOCK_K && tries < 4 * REC_BLOCK_K; tries++) {
      if (items.length === slot && next) {
        items.push(next.article_id)
        continue
      }
      // Related (same topic) first, then what is popular on the site now.
      const topic = items.length < 3 ? a.topic : rng.int(TOPICS.length)
      const x = st.draw(rng, topic, false)
      if (!x || x === a || x === next || x.published_at > seenAt || items.includes(x.article_id)) continue
      items.push(x.article_id)
    }
    if (slot >= items.length && next) items.push(next.article_id)
    if (items.length === 0) return
    const source = REC_SOURCES[rng.chance(0.8) ? 0 : rng.chance(0.5) ? 1 : 2] as string
    const common = {
      source_article: a.article_id,
      source,
      model_version: source === 'fallback' ? '' : '1',
      placement: 'related',
    }
    this.recShown = { ...common, items: items.join(','), count: String(items.length) }
    this.timeline(seenAt, 9, 0)
    if (viaBlock && next) {
      const position = items.indexOf(next.article_id) + 1
      this.recClicked = { ...common, rec_article: next.article_id, position: String(position) }
      this.timeline(Math.max(clickAt, seenAt + 1), 10, 0)
    }
  }

  /** A crawler (or a scraper in a data centre) walking through recent articles without reading them. */
  private botSession(st: SiteState, start: number): void {
    const rng = this.rng
    const kind = this.botTable.draw(rng)
    const instance = rng.int(4)
    this.ctx = {
      site: st,
      agencyId: st.spec.agency_id,
      siteId: st.spec.site_id,
      visitorId: hashId(this.seed, 'bot', st.index, this.dayNumber, kind, instance),
      consented: false,
      client: this.botClients[kind] as ClientFacts,
      bot: true,
    }
    const pages = 3 + Math.floor(-Math.log(1 - rng.float()) * 6)
    let t = start
    for (let p = 0; p < pages && st.live > 0; p++) {
      const a = st.articles[rng.int(st.live)] as Article
      if (a.published_at > t) continue
      this.emit('pageview', '', t, this.articlePage(a), 0, 0, EMPTY_PROPS)
      t += 1500 + rng.int(6000)
    }
  }

  // ─── one page's events ──────────────────────────────────────────────────────────────────────────────

  /** kind: 0 pageview, 1 scroll (val = milestone), 2 engagement (val = engaged ms, -1 = the rest at hide),
   *  3 read_complete, 4 internal click, 5 outbound click, 6 paywall_shown, 7 subscribe_start, 8 subscribe_complete. */
  private timeline(ts: number, kind: number, val: number): void {
    const i = this.tlLen++
    this.tlTs[i] = ts
    this.tlKind[i] = kind
    this.tlVal[i] = val
  }

  /** Scroll milestones as the tracker sends them: those already in view at load, then as they are passed. */
  private scrollTimeline(t0: number, duration: number, s0: number, maxS: number): void {
    for (const m of [25, 50, 75, 100]) {
      if (m > maxS) break
      const at = m <= s0 ? t0 + 60 : t0 + Math.round(duration * 0.95 * ((m - s0) / (maxS - s0)))
      this.timeline(at, 1, m)
    }
  }

  /** A heartbeat each time ~15 s of engaged time has accrued; the remainder is sent when the page is hidden. */
  private heartbeats(t0: number, duration: number, engaged: number): void {
    const rng = this.rng
    let sent = 0
    for (;;) {
      const e = HEARTBEAT_MS + rng.int(1000)
      if (engaged - sent < e) break
      sent += e
      this.timeline(t0 + Math.round((duration * sent) / engaged), 2, e)
    }
    this.heartbeatSent = sent
  }

  private heartbeatSent = 0

  /** Sorts the page's timeline and emits it as events. */
  private flush(
    page: Page,
    t0: number,
    duration: number,
    s0: number,
    maxS: number,
    engaged: number,
    clickHref: string,
    outboundHref = '',
  ): void {
    const n = this.tlLen
    if (this.order.length < n) this.order = new Int32Array(n * 2)
    const order = this.order
    // Insertion sort by time (stable): a page has a few dozen entries at most.
    for (let i = 0; i < n; i++) {
      const ts = this.tlTs[i] as number
      let j = i
      while (j > 0 && (this.tlTs[order[j - 1] as number] as number) > ts) {
        order[j] = order[j - 1] as number
        j--
      }
      order[j] = i
    }
    const span = duration * 0.95
    for (let k = 0; k < n; k++) {
      const i = order[k] as number
      const ts = this.tlTs[i] as number
      const val = this.tlVal[i] as number
      switch (this.tlKind[i]) {
        case 0:
          this.emit('pageview', '', ts, page, 0, 0, EMPTY_PROPS)
          break
        case 1:
          this.emit('scroll', '', ts, page, 0, val, EMPTY_PROPS)
          break
        case 2: {
          // A heartbeat carries its own amount; the flush at hide carries what is left of the page's engaged time.
          const e = val >= 0 ? val : engaged - this.heartbeatSent
          if (e > 0) this.emit('engagement', '', ts, page, e, scrollAt(ts, t0, span, s0, maxS), EMPTY_PROPS)
          break
        }
        case 3:
          this.emit('read_complete', '', ts, page, 0, scrollAt(ts, t0, span, s0, maxS), EMPTY_PROPS)
          break
        case 4:
          this.emit('click', '', ts, page, 0, 0, { href: clickHref.slice(0, 256), kind: 'internal' })
          break
        case 5:
          this.emit('click', '', ts, page, 0, 0, { href: outboundHref.slice(0, 256), kind: 'outbound' })
          break
        case 6:
          this.emit('paywall', 'paywall_shown', ts, page, 0, 0, PAYWALL_PROPS)
          break
        case 7:
          this.emit(
            'subscribe',
            'subscribe_start',
            ts,
            page,
            0,
            0,
            (PLANS[val] ?? PLANS[0])?.start ?? EMPTY_PROPS,
          )
          break
        case 8:
          this.emit(
            'subscribe',
            'subscribe_complete',
            ts,
            page,
            0,
            0,
            (PLANS[val] ?? PLANS[0])?.complete ?? EMPTY_PROPS,
          )
          break
        case 9:
          this.emit('rec_impression', '', ts, page, 0, 0, this.recShown, this.recRng)
          break
        case 10:
          this.emit('rec_click', '', ts, page, 0, 0, this.recClicked, this.recRng)
          break
        default:
          break
      }
    }
  }

  private emit(
    type: EventType,
    name: string,
    ts: number,
    page: Page,
    engaged: number,
    scroll: number,
    props: Record<string, string>,
    rng: Rng = this.rng,
  ): void {
    const ctx = this.ctx
    if (this.holdout) {
      if (type === 'pageview' && !ctx.bot && page.articleId !== '') {
        this.truth.holdoutPageviews++
        if (ctx.consented) this.truth.holdoutRead(ctx.siteId, ctx.visitorId, page.articleId)
      }
      return
    }
    const e: EventMessage = {
      v: 1,
      event_id: rng.uuid(),
      type,
      name,
      ts,
      received_at: ts + 250 + rng.int(4750),
      agency_id: ctx.agencyId,
      site_id: ctx.siteId,
      url: page.url,
      referrer: type === 'pageview' ? page.referrer : '',
      title: page.title,
      article_id: page.articleId,
      section: page.section,
      author: page.author,
      published_at: page.publishedAt,
      visitor_id: ctx.visitorId,
      consented: ctx.consented,
      engaged_ms: engaged,
      scroll_pct: scroll,
      props,
      client: ctx.client,
    }
    this.out.push(e)
    this.truth.event(e, ctx.site.index, ctx.bot, page.refClass, page.key)
  }
}

/** The deepest scroll at `ts` of a page read from `t0` over `span` ms, from `s0` (first screen) to `maxS`. */
function scrollAt(ts: number, t0: number, span: number, s0: number, maxS: number): number {
  if (ts >= t0 + span) return maxS
  return Math.max(s0, Math.round(s0 + ((maxS - s0) * Math.max(0, ts - t0)) / span))
}

/**
 * The brief's generator form: yields the hour batches of `days` days from `startDay`.
 * @example for (const { events } of simulateDays({ seed: 7, startDay: '2026-11-20', days: 1 })) count += events.length
 */
export function* simulateDays(opts: SimulationOptions): Generator<HourBatch, GroundTruth> {
  const sim = new Simulation(opts)
  yield* sim.hours()
  return sim.groundTruth()
}

export { serializeGroundTruth }
