// The `articles` dimension: latest metadata per article (ReplacingMergeTree by updated_at).
// Whoever writes decides updated_at: metadata seen on pages is written older than CMS/RSS data so the CMS wins.
import { z } from 'zod'
import type { ClickHouse } from '../client.ts'
import { chDateTime, Id, Instant, TableWriteError } from './shared.ts'
import { errorMessage } from '../../errors.ts'

/** One article version as written. */
export const ArticleRow = z.object({
  agency_id: Id,
  site_id: Id,
  article_id: Id,
  url: z.string().max(2048),
  title: z.string().max(512),
  section: z.string().max(64).default(''),
  author: z.string().max(128).default(''),
  tags: z.array(z.string().max(64)).max(30).default([]),
  published_at: Instant,
  /** Version of this metadata; the highest wins. */
  updated_at: Instant,
  paywalled: z.boolean().default(false),
  word_count: z.number().int().min(0).max(1_000_000).default(0),
  source: z.enum(['cms', 'rss', 'page']).default('cms'),
})
export type ArticleRowInput = z.input<typeof ArticleRow>

/** Latest metadata of one article, as read back. */
export const Article = z.object({
  agency_id: z.string(),
  site_id: z.string(),
  article_id: z.string(),
  url: z.string(),
  title: z.string(),
  section: z.string(),
  author: z.string(),
  tags: z.array(z.string()),
  published_at: z.coerce.number().transform((ms) => new Date(ms)),
  updated_at: z.coerce.number().transform((ms) => new Date(ms)),
  paywalled: z.coerce.number().transform((n) => n === 1),
  word_count: z.coerce.number(),
  source: z.enum(['cms', 'rss', 'page']),
})
export type Article = z.infer<typeof Article>

/**
 * Writes article versions (validated first: a bad row is a bug, so it throws before anything is written).
 * @example await insertArticles(ch, [{ agency_id: 'lamdong', site_id: 'baolamdong', article_id: 'a1', url, title, published_at: Date.now(), updated_at: Date.now() }])
 */
export async function insertArticles(ch: ClickHouse, rows: ArticleRowInput[]): Promise<number> {
  const parsed = z.array(ArticleRow).parse(rows)
  if (parsed.length === 0) return 0
  try {
    await ch.client.insert({
      table: `${ch.database}.articles`,
      format: 'JSONEachRow',
      values: parsed.map((a) => ({
        ...a,
        published_at: chDateTime(a.published_at),
        updated_at: chDateTime(a.updated_at),
        paywalled: a.paywalled ? 1 : 0,
      })),
    })
  } catch (err) {
    throw new TableWriteError(`writing ${parsed.length} articles failed: ${errorMessage(err)}`, err)
  }
  return parsed.length
}

/** The latest metadata of a site's articles (all of them, or the ids given). */
export async function queryArticles(
  ch: ClickHouse,
  q: { agency: string; site: string; articleIds?: string[] },
): Promise<Article[]> {
  const rs = await ch.client.query({
    query: `SELECT agency_id, site_id, article_id, url, title, section, author, tags,
                   toUnixTimestamp64Milli(published_at) AS published_at, toUnixTimestamp64Milli(updated_at) AS updated_at,
                   paywalled, word_count, source
            FROM ${ch.database}.articles FINAL
            WHERE agency_id = {agency:String} AND site_id = {site:String}
              AND (empty({ids:Array(String)}) OR has({ids:Array(String)}, article_id))
            ORDER BY article_id`,
    query_params: { agency: q.agency, site: q.site, ids: q.articleIds ?? [] },
    format: 'JSONEachRow',
  })
  return z.array(Article).parse(await rs.json())
}
