// The simulated world, pure and seeded: articles (published on a schedule, with a popularity that peaks and
// decays by kind and a heavy-tailed quality) and readers (stable latent topic interests, activity, device,
// place, consent). Articles of a day depend only on (seed, site, day); readers only on (seed, scale).
import type { ArticleMessage, ClientFacts } from '../../ingest/contract/index.ts'
import { AGENCIES, type AgencySpec, type Channel, SITES, type SiteSpec } from './catalog.ts'
import { FOREIGN_COUNTRIES, READER_PROVINCES, READER_USER_AGENTS } from './clients.ts'
import { AliasTable, hashId, Rng } from './random.ts'
import { headline, personName, SECTION_NAMES, slugify, TOPICS, type Topic } from './vietnamese.ts'

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
/** Vietnam is UTC+7 all year (no daylight saving). */
export const VN_OFFSET_MS = 7 * HOUR_MS

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar day. */
export function dayNumberOf(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) throw new Error(`expected a day as YYYY-MM-DD, got "${day}"`)
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (new Date(ms).toISOString().slice(0, 10) !== day) throw new Error(`not a calendar day: "${day}"`)
  return Math.round(ms / DAY_MS)
}

/** `YYYY-MM-DD` of a day number. */
export function dayOfNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10)
}

/** Epoch ms of Vietnam midnight starting that day. */
export function vietnamMidnight(dayNumber: number): number {
  return dayNumber * DAY_MS - VN_OFFSET_MS
}

/** The Vietnam calendar day (as a day number) containing `ts`. */
export function vietnamDayNumber(ts: number): number {
  return Math.floor((ts + VN_OFFSET_MS) / DAY_MS)
}

/** `YYYY-MM-DD HH:00:00` in Vietnam time of an hour index (hours since the epoch, shifted to UTC+7). */
export function vietnamHourLabel(hourIndex: number): string {
  return `${new Date(hourIndex * HOUR_MS).toISOString().slice(0, 13).replace('T', ' ')}:00:00`
}

/** Hours since the epoch of the Vietnam wall-clock hour containing `ts` (what `vietnamHourLabel` prints). */
export function vietnamHourIndex(ts: number): number {
  return Math.floor((ts + VN_OFFSET_MS) / HOUR_MS)
}

export type ArticleKind = 'breaking' | 'news' | 'feature' | 'evergreen'

export interface Article {
  /** Index into SITES. */
  site: number
  article_id: string
  url: string
  title: string
  section: string
  /** Index into TOPICS. */
  topic: number
  author: string
  tags: string[]
  published_at: number
  word_count: number
  paywalled: boolean
  kind: ArticleKind
  /** Heavy-tailed intrinsic appeal: the Zipf-like skew of views. */
  quality: number
  /** Attention halves every `halfLifeMs` after publication… */
  halfLifeMs: number
  /** …down to this share of the peak, which search keeps sending for months. */
  floor: number
}

const KIND_SHAPE: Record<
  ArticleKind,
  { boost: number; halfLifeH: [number, number]; floor: number; words: number }
> = {
  breaking: { boost: 4, halfLifeH: [3, 6], floor: 0.002, words: 0.6 },
  news: { boost: 1, halfLifeH: [8, 20], floor: 0.004, words: 1 },
  feature: { boost: 1.3, halfLifeH: [36, 96], floor: 0.02, words: 1.5 },
  evergreen: { boost: 0.8, halfLifeH: [360, 960], floor: 0.12, words: 1.3 },
}

const KINDS: readonly ArticleKind[] = ['breaking', 'news', 'feature', 'evergreen']

/** The newsroom of each site: a stable pool of bylines. */
export function siteAuthors(seed: number, siteIndex: number): string[] {
  const site = SITES[siteIndex]
  if (!site) throw new Error(`no site ${siteIndex}`)
  const rng = Rng.for(seed, 'authors', siteIndex)
  const n = 5 + Math.ceil(site.articlesPerDay / 2)
  const names = new Set<string>()
  while (names.size < n) names.add(personName(rng))
  return [...names]
}

/**
 * The articles a site publishes on one Vietnam calendar day, in publication order.
 * @example articlesOfDay(7, 0, dayNumberOf('2026-11-20'), authors)
 */
export function articlesOfDay(
  seed: number,
  siteIndex: number,
  dayNumber: number,
  authors: readonly string[],
): Article[] {
  const site = SITES[siteIndex]
  if (!site) throw new Error(`no site ${siteIndex}`)
  const rng = Rng.for(seed, 'articles', siteIndex, dayNumber)
  const dow = new Date(dayNumber * DAY_MS).getUTCDay()
  const weekend = dow === 0 || dow === 6
  const count = rng.poisson(site.articlesPerDay * (weekend ? 0.6 : 1))
  const topicKeys = TOPICS.filter((t) => (site.topics[t] ?? 0) > 0)
  const topicTable = new AliasTable(topicKeys.map((t) => site.topics[t] ?? 0))
  const kindTable = new AliasTable(KINDS.map((k) => site.kinds[k]))
  const hourTable = new AliasTable(site.publishHours)
  const midnight = vietnamMidnight(dayNumber)
  const drafts: Array<Omit<Article, 'article_id' | 'url'>> = []
  for (let i = 0; i < count; i++) {
    const topicKey = topicKeys[topicTable.draw(rng)] as Topic
    const kind = KINDS[kindTable.draw(rng)] as ArticleKind
    const shape = KIND_SHAPE[kind]
    // Breaking news happens at any hour; the rest follows the newsroom's schedule.
    const hour = kind === 'breaking' ? rng.int(24) : hourTable.draw(rng)
    const published_at = midnight + hour * HOUR_MS + rng.int(60) * 60_000 + rng.int(60) * 1000
    const { title, tags } = headline(rng, topicKey, site.language)
    const [lo, hi] = site.words
    const word_count = Math.round(lo * (hi / lo) ** rng.float() * shape.words * (0.9 + 0.2 * rng.float()))
    const premiumOdds = kind === 'breaking' ? 0 : kind === 'news' ? 0.7 : 1.8
    drafts.push({
      site: siteIndex,
      title,
      section: SECTION_NAMES[site.language][topicKey],
      topic: TOPICS.indexOf(topicKey),
      author: rng.pick(authors),
      tags,
      published_at,
      word_count,
      paywalled: rng.chance(site.paywallShare * premiumOdds),
      kind,
      quality: rng.lognormal(0, 1.05) * shape.boost,
      halfLifeMs: (shape.halfLifeH[0] + (shape.halfLifeH[1] - shape.halfLifeH[0]) * rng.float()) * HOUR_MS,
      floor: shape.floor,
    })
  }
  drafts.sort((a, b) => a.published_at - b.published_at)
  const ymd = dayOfNumber(dayNumber).replaceAll('-', '')
  return drafts.map((a, i) => {
    const article_id = `${site.idPrefix}${ymd}${String(i + 1).padStart(3, '0')}`
    const sectionSlug = slugify(TOPICS[a.topic] ?? 'tin-tuc')
    return {
      ...a,
      article_id,
      url: `https://${site.domain}/${sectionSlug}/${slugify(a.title)}-${article_id}.html`,
    }
  })
}

/** The `content` message the CMS would send for an article. */
export function articleMessage(a: Article): ArticleMessage {
  const site = SITES[a.site] as SiteSpec
  return {
    v: 1,
    agency_id: site.agency_id,
    site_id: site.site_id,
    article_id: a.article_id,
    url: a.url,
    title: a.title,
    section: a.section,
    author: a.author,
    tags: a.tags,
    published_at: a.published_at,
    updated_at: a.published_at,
    paywalled: a.paywalled,
    word_count: a.word_count,
    source: 'cms',
  }
}

/**
 * Relative attention an article gets at `ts`: its quality times a fast rise (first half hour), an exponential
 * decay by kind, and a floor (search traffic to old pages).
 */
export function attention(a: Article, ts: number): number {
  const age = ts - a.published_at
  if (age <= 0) return 0
  const rise = age < 1_800_000 ? 0.3 + (0.7 * age) / 1_800_000 : 1
  return a.quality * (rise * 2 ** (-age / a.halfLifeMs) + a.floor)
}

export interface Reader {
  index: number
  /** Sites the reader visits (indexes into SITES), home site first. */
  sites: number[]
  /** Relative visit frequency per entry of `sites`. */
  affinity: number[]
  /** Latent interest per topic (sums to 1): what the reader tends to open and read to the end. */
  interests: Float64Array
  maxInterest: number
  /** Visits per day, relative (heavy-tailed: a few loyal readers, many occasional ones). */
  activity: number
  /** Gave consent on their sites: a stable first-party id; otherwise a cookieless id that changes daily. */
  consented: boolean
  /** Paying subscriber (premium articles open); changes when the simulated reader subscribes. */
  subscriber: boolean
  subscriberAtStart: boolean
  /** Index into READER_USER_AGENTS. */
  ua: number
  client: ClientFacts
  favorite: Channel
}

export interface ReaderPopulation {
  readers: Reader[]
  /** Per site: who visits it, drawn by activity × affinity. */
  bySite: Array<{ readers: Int32Array; table: AliasTable }>
  /** The user agent behind each (shared) ClientFacts object: live mode sends it as the User-Agent header. */
  userAgentOf: Map<ClientFacts, string>
}

/** Readers at scale 1; sessions scale with them, so each reader keeps the same habits at any scale. */
export const READERS_PER_SCALE = 9000

/**
 * The reader population: depends on (seed, scale) only.
 * @example const { readers } = createReaders(7, 1)
 */
export function createReaders(seed: number, scale: number): ReaderPopulation {
  const rng = Rng.for(seed, 'readers')
  const n = Math.max(50, Math.round(READERS_PER_SCALE * scale))
  const homeTable = new AliasTable(SITES.map((s) => s.sessionsPerDay))
  const uaTable = new AliasTable(READER_USER_AGENTS.map((u) => u.weight))
  const provinceTable = new AliasTable(READER_PROVINCES.map((p) => p.weight))
  const channelTables = SITES.map((s) => channelTable(s))
  const clients = new Map<string, ClientFacts>()
  const userAgentOf = new Map<ClientFacts, string>()
  const readers: Reader[] = []
  for (let index = 0; index < n; index++) {
    const home = homeTable.draw(rng)
    const site = SITES[home] as SiteSpec
    const sites = [home]
    const affinity = [1]
    if (rng.chance(0.2)) {
      const other = homeTable.draw(rng)
      if (other !== home) {
        sites.push(other)
        affinity.push(0.25)
      }
    }
    // Dirichlet around the home site's section mix: small concentrations give peaked, stable tastes.
    const interests = new Float64Array(TOPICS.length)
    const mix = topicMix(site)
    let sum = 0
    for (let t = 0; t < TOPICS.length; t++) {
      const g = rng.gamma(0.15 + 2.2 * (mix[t] ?? 0))
      interests[t] = g
      sum += g
    }
    let maxInterest = 0
    for (let t = 0; t < TOPICS.length; t++) {
      const v = (interests[t] ?? 0) / sum
      interests[t] = v
      if (v > maxInterest) maxInterest = v
    }
    const activity = rng.lognormal(0, 1.3)
    // Loyal readers log in (and so consent) more often: about 15 % of readers overall.
    const consented = rng.chance(Math.min(0.7, 0.12 * Math.sqrt(activity)))
    const ua = uaTable.draw(rng)
    const profile = READER_USER_AGENTS[ua] ?? READER_USER_AGENTS[0]
    if (!profile) throw new Error('no user agents')
    const abroad = rng.chance(site.language === 'en' ? 0.35 : 0.03)
    const country = abroad ? rng.pick(FOREIGN_COUNTRIES) : 'VN'
    const province = abroad ? '' : (READER_PROVINCES[provinceTable.draw(rng)]?.province ?? '')
    const key = `${ua}|${country}|${province}`
    let client = clients.get(key)
    if (!client) {
      client = { ...profile.facts, country, province }
      clients.set(key, client)
      userAgentOf.set(client, profile.ua)
    }
    const favorite =
      profile.channel && (site.channels[profile.channel] ?? 0) > 0
        ? profile.channel
        : (CHANNELS[(channelTables[home] as AliasTable).draw(rng)] as Channel)
    const subscriber = consented && site.paywallShare > 0 && rng.chance(0.06)
    readers.push({
      index,
      sites,
      affinity,
      interests,
      maxInterest,
      activity,
      consented,
      subscriber,
      subscriberAtStart: subscriber,
      ua,
      client,
      favorite,
    })
  }
  const bySite = SITES.map((_, s) => {
    const members: number[] = []
    const weights: number[] = []
    for (const r of readers) {
      const k = r.sites.indexOf(s)
      if (k >= 0) {
        members.push(r.index)
        weights.push(r.activity * (r.affinity[k] ?? 0))
      }
    }
    if (members.length === 0) {
      // A tiny scale can leave a small site without readers: borrow the first reader.
      members.push(0)
      weights.push(1)
    }
    return { readers: Int32Array.from(members), table: new AliasTable(weights) }
  })
  return { readers, bySite, userAgentOf }
}

export const CHANNELS: readonly Channel[] = [
  'facebook',
  'zalo',
  'google',
  'coccoc',
  'baomoi',
  'googlenews',
  'direct',
  'campaign',
]

export function channelTable(site: SiteSpec): AliasTable {
  return new AliasTable(CHANNELS.map((c) => site.channels[c] ?? 0))
}

/** The site's section mix as shares over all TOPICS. */
export function topicMix(site: SiteSpec): number[] {
  const total = TOPICS.reduce((s, t) => s + (site.topics[t] ?? 0), 0)
  return TOPICS.map((t) => (site.topics[t] ?? 0) / total)
}

/** A consented reader's first-party id on a site (what the tracker keeps in localStorage): stable. */
export function consentedVisitorId(seed: number, reader: number, siteIndex: number): string {
  return hashId(seed, 'vid', reader, siteIndex)
}

/** An anonymous reader's cookieless id on a site for one Vietnam day: unlinkable across days, like the collector's. */
export function dailyVisitorId(seed: number, reader: number, siteIndex: number, dayNumber: number): string {
  return hashId(seed, 'anon', reader, siteIndex, dayNumber)
}

export { AGENCIES, type AgencySpec, SITES, type SiteSpec }

/** Links in the simulated recommendation block at the end of article pages (the widget's default `data-k`). */
export const REC_BLOCK_K = 5
/** How readers pick a position in the block: the top of the list gets most clicks. */
export const REC_POSITION_WEIGHTS: readonly number[] = [0.34, 0.25, 0.18, 0.13, 0.1]
/** Where the simulated block's lists come from, as GET /v1/recommendations labels them. */
export const REC_SOURCES: readonly ['model', 'precomputed', 'fallback'] = ['model', 'precomputed', 'fallback']

/**
 * The chance that a reader who goes on from an article to `next` does so through the recommendation block
 * (rather than a link in the text, the menu or the home page), given their interest in `next`'s topic relative
 * to their favourite one (0..1): readers click recommendations that match their tastes far more often. With
 * the simulator's recirculation rates this gives a click-through of a few percent of block impressions.
 * @example recClickShare(1) // 0.1
 */
export function recClickShare(relativeInterest: number): number {
  return 0.015 + 0.085 * Math.min(1, Math.max(0, relativeInterest))
}

/**
 * The block is seen (an impression: at least half of it on screen) when the reader scrolled to the end of
 * the article, where sites put it; `endPct` is the scroll depth of the article's end.
 */
export function recBlockSeen(maxScrollPct: number, endPct: number, bounced: boolean): boolean {
  return !bounced && maxScrollPct >= endPct
}
