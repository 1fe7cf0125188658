// What the recommender reads from ClickHouse: training reads (article pageviews with enough engaged time, per
// reader in time order) with the articles' content, and the serving snapshot (articles, trending, consented
// readers' recent reads, the latest precomputed rows) that the job and the HTTP route both rank from.
import { z } from 'zod'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import {
  type Interaction,
  type ItemMeta,
  type ServingArticle,
  type ServingSnapshot,
  servingKey,
} from '../../models/recommend/index.ts'
import { queryLatestRecommendations } from './recommendations-table.ts'

const num = z.coerce.number()
const ArticleRow = z.object({
  agency_id: z.string(),
  site_id: z.string(),
  article_id: z.string(),
  url: z.string(),
  title: z.string(),
  section: z.string(),
  author: z.string(),
  tags: z.array(z.string()),
  published: num,
  paywalled: num,
})

const ms = (n: number) => Math.round(n)

/**
 * Rows of a read, buffered. Not `ch.streamRows`: on chDB any other query while a stream is open (the collector
 * and transform keep querying in the service) ends that stream with "No active streaming query".
 */
async function select(ch: ClickHouse, query: string): Promise<unknown[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json()
}
const sqlTime = (epochMs: number) => `fromUnixTimestamp64Milli(toInt64(${ms(epochMs)}), 'UTC')`

/** Latest metadata of the articles published in [fromMs, toMs). */
export async function loadArticles(ch: ClickHouse, fromMs: number, toMs: number): Promise<ServingArticle[]> {
  const out: ServingArticle[] = []
  for (const raw of await select(
    ch,
    `SELECT agency_id, site_id, article_id, url, title, section, author, tags,
            toUnixTimestamp64Milli(published_at) AS published, paywalled
     FROM ${ch.database}.v_articles
     WHERE published_at >= ${sqlTime(fromMs)} AND published_at < ${sqlTime(toMs)}`,
  )) {
    const r = ArticleRow.parse(raw)
    out.push({
      agency: r.agency_id,
      site: r.site_id,
      articleId: r.article_id,
      url: r.url,
      title: r.title,
      section: r.section,
      author: r.author,
      tags: r.tags,
      published: r.published,
      paywalled: r.paywalled === 1,
    })
  }
  return out
}

export interface TrainingDataOptions {
  fromMs: number
  toMs: number
  /** A read counts as a positive when the reader spent at least this long engaged on the article. */
  minEngagedMs: number
  /** Newest reads kept when there are more. */
  maxReads: number
  /** Articles published this long before `fromMs` still get content features (read from the back catalogue). */
  catalogueLookbackMs: number
}

export interface TrainingData {
  interactions: Interaction[]
  items: ItemMeta[]
  /** Reads (non-bot article pageviews) in the window, before the engaged-time threshold. */
  pageviews: number
}

const ReadRow = z.object({ site_id: z.string(), visitor_id: z.string(), article_id: z.string(), t: num })

/**
 * Positives for training: one per (site, reader, article) with a pageview in the window and at least
 * `minEngagedMs` engaged; user = site + visitor id (anonymous ids rotate daily), item = site + article id.
 */
export async function loadTrainingData(ch: ClickHouse, o: TrainingDataOptions): Promise<TrainingData> {
  const db = ch.database
  const window = `ts >= ${sqlTime(o.fromMs)} AND ts < ${sqlTime(o.toMs)}
     AND day >= toDate(${sqlTime(o.fromMs - 86_400_000)}) AND day <= toDate(${sqlTime(o.toMs + 86_400_000)})
     AND is_bot = 0 AND article_id != ''`
  const interactions: Interaction[] = []
  for (const raw of await select(
    ch,
    `SELECT site_id, visitor_id, article_id, toUnixTimestamp64Milli(minIf(ts, type = 'pageview')) AS t
     FROM ${db}.events
     WHERE ${window} AND type IN ('pageview', 'engagement')
     GROUP BY site_id, visitor_id, article_id
     HAVING countIf(type = 'pageview') > 0 AND sum(engaged_ms) >= ${Math.max(0, Math.round(o.minEngagedMs))}
     ORDER BY t DESC
     LIMIT ${Math.max(0, Math.floor(o.maxReads))}`,
  )) {
    const r = ReadRow.parse(raw)
    interactions.push({
      user: servingKey(r.site_id, r.visitor_id),
      item: servingKey(r.site_id, r.article_id),
      ts: r.t,
    })
  }
  interactions.reverse()
  const [pv] = await (
    await ch.client.query({
      query: `SELECT count() AS n FROM ${db}.events WHERE ${window} AND type = 'pageview'`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>()
  const articles = await loadArticles(ch, o.fromMs - o.catalogueLookbackMs, o.toMs)
  const items: ItemMeta[] = articles.map((a) => ({
    id: servingKey(a.site, a.articleId),
    agency: a.agency,
    title: a.title,
    tags: a.tags,
    section: a.section,
    author: a.author,
    published: a.published,
    paywalled: a.paywalled,
  }))
  return { interactions, items, pageviews: Number(pv?.n ?? 0) }
}

export interface SnapshotOptions {
  now: number
  /** Articles published within this many days are indexed (candidates and history). */
  articleDays: number
  trendingHours: number
  trendingHalfLifeHours: number
  /** Consented readers active within this many days keep their recent reads in memory. */
  historyDays: number
  historyLength: number
  maxVisitors: number
  /** Also read the latest precomputed rows (the route does; the job does not need them). */
  precomputed: boolean
}

export const DEFAULT_SNAPSHOT_OPTIONS: Omit<SnapshotOptions, 'now'> = {
  articleDays: 45,
  trendingHours: 72,
  trendingHalfLifeHours: 12,
  historyDays: 30,
  historyLength: 50,
  maxVisitors: 200_000,
  precomputed: true,
}

const SiteRow = z.object({ site_id: z.string(), agency_id: z.string(), language: z.string() })
const TrendRow = z.object({ site_id: z.string(), article_id: z.string(), w: num })
const HistoryRow = z.object({
  site_id: z.string(),
  visitor_id: z.string(),
  reads: z.array(z.tuple([num, z.string()])),
})

/**
 * Everything the serving index needs, as of `now`.
 * @example const snap = await loadServingSnapshot(ch, { ...DEFAULT_SNAPSHOT_OPTIONS, now: Date.now() })
 */
export async function loadServingSnapshot(
  ch: ClickHouse,
  opts: Partial<SnapshotOptions> & { now: number },
): Promise<ServingSnapshot> {
  const o = { ...DEFAULT_SNAPSHOT_OPTIONS, ...opts }
  const db = ch.database
  const sites = z.array(SiteRow).parse(
    await (
      await ch.client.query({
        query: `SELECT site_id, agency_id, language FROM ${db}.sites FINAL WHERE deleted = 0`,
        format: 'JSONEachRow',
      })
    ).json(),
  )
  // Articles scheduled a little ahead are indexed too; the ranking rules hide them until they are published.
  const articles = await loadArticles(ch, o.now - o.articleDays * 86_400_000, o.now + 86_400_000)
  const nowS = Math.floor(o.now / 1000)
  const trending = new Map<string, number>()
  for (const raw of await select(
    ch,
    `SELECT site_id, article_id, sum(hw) AS w FROM (
       SELECT site_id, article_id, hour,
              sum(pageviews) * pow(0.5, greatest(0, ${nowS} - toUnixTimestamp(hour)) / ${o.trendingHalfLifeHours * 3600}) AS hw
       FROM ${db}.rollup_article_hourly
       WHERE hour >= toDateTime(${nowS - o.trendingHours * 3600}) AND hour <= toDateTime(${nowS}) AND article_id != ''
       GROUP BY site_id, article_id, hour)
     GROUP BY site_id, article_id`,
  )) {
    const r = TrendRow.parse(raw)
    trending.set(servingKey(r.site_id, r.article_id), r.w)
  }
  const histories: ServingSnapshot['histories'] = []
  for (const raw of await select(
    ch,
    `SELECT site_id, visitor_id,
            arraySlice(arrayReverseSort(x -> x.1, groupArray((toUnixTimestamp64Milli(last_ts), article_id))), 1, ${o.historyLength}) AS reads
     FROM (
       SELECT site_id, visitor_id, article_id, max(ts) AS last_ts
       FROM ${db}.events
       WHERE consented = 1 AND is_bot = 0 AND type = 'pageview' AND article_id != ''
         AND day >= toDate(${sqlTime(o.now - o.historyDays * 86_400_000)}) AND ts <= ${sqlTime(o.now)}
       GROUP BY site_id, visitor_id, article_id)
     GROUP BY site_id, visitor_id
     ORDER BY max(last_ts) DESC
     LIMIT ${o.maxVisitors}`,
  )) {
    const r = HistoryRow.parse(raw)
    histories.push({ site: r.site_id, visitor: r.visitor_id, articles: r.reads.map(([, a]) => a) })
  }
  const precomputed = o.precomputed ? await queryLatestRecommendations(ch) : []
  return { sites, articles, trending, histories, precomputed }
}
