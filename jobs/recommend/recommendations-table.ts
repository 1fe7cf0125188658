// The `recommendations` table: top-K lists written by the nightly job. Rows carry the run id of the attempt
// that wrote them; readers take only the latest run of the job that succeeded, so a killed run shows nothing.
import { z } from 'zod'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import type { PrecomputedRow } from '../../models/recommend/index.ts'
import { chTime } from '../runs-table.ts'

export const RECOMMENDATIONS_JOB = 'recommendations'

export interface RecommendationRecord {
  agency_id: string
  site_id: string
  kind: 'article' | 'visitor'
  key: string
  rank: number
  article_id: string
  score: number
  reason: string
  model_version: number
  run_id: string
  generated_at: Date
}

/** Inserts rows in chunks (a run writes a few hundred thousand rows at most). */
export async function insertRecommendations(
  ch: ClickHouse,
  rows: readonly RecommendationRecord[],
  chunk = 50_000,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await ch.client.insert({
      table: `${ch.database}.recommendations`,
      format: 'JSONEachRow',
      values: rows.slice(i, i + chunk).map((r) => ({ ...r, generated_at: chTime(r.generated_at) })),
    })
  }
}

/**
 * Run id of the job's most recently finished succeeded attempt (a subquery of zero or one row). Ordered by the
 * time the success was recorded (updated_at, the writer's clock), not by started_at: catch-up and manual runs
 * can carry any scheduled time.
 */
export function latestSucceededRunSql(db: string, job = RECOMMENDATIONS_JOB): string {
  return `SELECT run_id FROM (
            SELECT run_id, argMax(status, updated_at) AS r_status, max(updated_at) AS r_finished
            FROM ${db}.job_runs WHERE job = '${job}' GROUP BY run_id)
          WHERE r_status = 'succeeded' ORDER BY r_finished DESC LIMIT 1`
}

const Row = z.object({
  site_id: z.string(),
  kind: z.enum(['article', 'visitor']),
  key: z.string(),
  rank: z.coerce.number(),
  article_id: z.string(),
  score: z.coerce.number(),
  reason: z.string(),
  model_version: z.coerce.number(),
})

/**
 * Every row of the latest succeeded run. Buffered, not `ch.streamRows`: on chDB another query while a stream is
 * open (the service's collector and transform) ends that stream.
 */
export async function queryLatestRecommendations(ch: ClickHouse): Promise<PrecomputedRow[]> {
  const out: PrecomputedRow[] = []
  const rs = await ch.client.query({
    format: 'JSONEachRow',
    query: `SELECT site_id, kind, key, rank, article_id, score, reason, model_version
     FROM ${ch.database}.recommendations
     WHERE run_id IN (${latestSucceededRunSql(ch.database)})`,
  })
  for (const raw of await rs.json()) {
    const r = Row.parse(raw)
    out.push({
      site: r.site_id,
      kind: r.kind,
      key: r.key,
      rank: r.rank,
      articleId: r.article_id,
      score: r.score,
      reason: r.reason,
      modelVersion: r.model_version,
    })
  }
  return out
}

/** One recommended article of a per-article list, with both titles (for the editors' page). */
export interface ArticleListRow {
  sourceId: string
  sourceTitle: string
  rank: number
  articleId: string
  title: string
  section: string
  reason: string
  score: number
}

/** What the web app shows an agency of the latest succeeded run. */
export interface RecommendationsOverview {
  /** When the run wrote its rows (epoch ms). */
  generatedAt: number
  /** Registry version that scored the lists (0 = fallbacks only). */
  modelVersion: number
  articleLists: number
  visitorLists: number
  /** The lists of the most recently published articles, best first within each. */
  rows: ArticleListRow[]
}

const Summary = z.object({
  generated: z.coerce.number(),
  version: z.coerce.number(),
  article_lists: z.coerce.number(),
  visitor_lists: z.coerce.number(),
})
const ListRow = z.object({
  source_id: z.string(),
  source_title: z.string(),
  pos: z.coerce.number(),
  rec_id: z.string(),
  rec_title: z.string(),
  rec_section: z.string(),
  why: z.string(),
  rec_score: z.coerce.number(),
})

/**
 * The latest succeeded run's lists for one agency (null when that run has none for it): counts, and the top
 * `perArticle` of the lists of its `articles` most recently published articles. Reader lists are only counted,
 * never shown (they are personal).
 * @example const o = await queryRecommendationsOverview(ch, 'lamdong', { articles: 10, perArticle: 5 })
 */
export async function queryRecommendationsOverview(
  ch: ClickHouse,
  agency: string,
  opts: { articles: number; perArticle: number },
): Promise<RecommendationsOverview | null> {
  const db = ch.database
  const scope = `agency_id = {agency:String} AND run_id IN (${latestSucceededRunSql(db)})`
  const [summary] = z.array(Summary).parse(
    await (
      await ch.client.query({
        query: `SELECT toUnixTimestamp64Milli(max(generated_at)) AS generated, max(model_version) AS version,
                  uniqExactIf(tuple(site_id, key), kind = 'article') AS article_lists,
                  uniqExactIf(tuple(site_id, key), kind = 'visitor') AS visitor_lists
                FROM ${db}.recommendations WHERE ${scope} HAVING count() > 0`,
        query_params: { agency },
        format: 'JSONEachRow',
      })
    ).json(),
  )
  if (!summary) return null
  // Recommended articles may be on another site of the agency: titles by (agency, article id).
  const rows = z.array(ListRow).parse(
    await (
      await ch.client.query({
        query: `SELECT r.key AS source_id, coalesce(src.title, '') AS source_title, r.rank AS pos,
                  r.article_id AS rec_id, coalesce(dst.title, '') AS rec_title,
                  coalesce(dst.section, '') AS rec_section, r.reason AS why, r.score AS rec_score
                FROM (SELECT site_id, key, rank, article_id, reason, score FROM ${db}.recommendations
                      WHERE ${scope} AND kind = 'article' AND rank <= {per:UInt32}) AS r
                INNER JOIN (SELECT site_id, article_id, title, published_at FROM ${db}.v_articles
                            WHERE agency_id = {agency:String}) AS src
                  ON src.site_id = r.site_id AND src.article_id = r.key
                LEFT JOIN (SELECT article_id, any(title) AS title, any(section) AS section FROM ${db}.v_articles
                           WHERE agency_id = {agency:String} GROUP BY article_id) AS dst
                  ON dst.article_id = r.article_id
                WHERE (r.site_id, r.key) IN (
                  SELECT site_id, key FROM (
                    SELECT rr.site_id AS site_id, rr.key AS key, max(a.published_at) AS p
                    FROM (SELECT DISTINCT site_id, key FROM ${db}.recommendations
                          WHERE ${scope} AND kind = 'article') AS rr
                    INNER JOIN (SELECT site_id, article_id, published_at FROM ${db}.v_articles
                                WHERE agency_id = {agency:String}) AS a
                      ON a.site_id = rr.site_id AND a.article_id = rr.key
                    GROUP BY rr.site_id, rr.key ORDER BY p DESC, key LIMIT {n:UInt32}))
                ORDER BY src.published_at DESC, source_id, pos`,
        query_params: { agency, per: opts.perArticle, n: opts.articles },
        format: 'JSONEachRow',
      })
    ).json(),
  )
  return {
    generatedAt: summary.generated,
    modelVersion: summary.version,
    articleLists: summary.article_lists,
    visitorLists: summary.visitor_lists,
    rows: rows.map((r) => ({
      sourceId: r.source_id,
      sourceTitle: r.source_title,
      rank: r.pos,
      articleId: r.rec_id,
      title: r.rec_title,
      section: r.rec_section,
      reason: r.why,
      score: r.rec_score,
    })),
  }
}
