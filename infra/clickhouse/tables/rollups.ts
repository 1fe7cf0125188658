// Hourly rollups (rollup_article_hourly, rollup_site_hourly), filled by materialized views on `events`.
// Rows of one key merge in the background at unknown times, so every read groups: sum(...) for the
// SimpleAggregateFunction columns, uniqMerge(...) for the uniq states.
import { z } from 'zod'
import type { ClickHouse } from '../client.ts'
import { chDateTime, Count, Instant, UnixSeconds } from './shared.ts'

/** Which site and which hours: `[from, to)`, instants (hours are whole in Vietnam and UTC alike). */
export const HourRange = z.object({
  agency: z.string().min(1),
  site: z.string().min(1),
  from: Instant,
  to: Instant,
})
export type HourRangeInput = z.input<typeof HourRange>

const REFERRER_CLASSES = [
  'search',
  'social',
  'messaging',
  'aggregator',
  'direct',
  'internal',
  'campaign',
  'other',
] as const
export type ReferrerClass = (typeof REFERRER_CLASSES)[number]

const Measures = {
  hour_s: UnixSeconds,
  section: z.string(),
  pageviews: Count,
  visitors: Count,
  engaged_ms: Count,
  engaged_pageviews: Count,
  scroll_pct_sum: Count,
  scroll_samples: Count,
  read_completes: Count,
  mobile_pageviews: Count,
  pv_search: Count,
  pv_social: Count,
  pv_messaging: Count,
  pv_aggregator: Count,
  pv_direct: Count,
  pv_internal: Count,
  pv_campaign: Count,
  pv_other: Count,
}

/** `hour_s` (the SQL alias: `hour` itself must keep naming the column in WHERE) becomes `hour`. */
const withHour = <T extends { hour_s: Date }>({ hour_s, ...rest }: T) => ({ hour: hour_s, ...rest })

export const ArticleHour = z.object({ article_id: z.string(), ...Measures }).transform(withHour)
export type ArticleHour = z.infer<typeof ArticleHour>

export const SiteHour = z
  .object({
    ...Measures,
    sessions: Count,
    paywall_shown: Count,
    subscribe_start: Count,
    subscribe_complete: Count,
  })
  .transform(withHour)
export type SiteHour = z.infer<typeof SiteHour>

const MEASURES_SQL = `
  sum(pageviews) AS pageviews, uniqMerge(visitors) AS visitors,
  sum(engaged_ms) AS engaged_ms, uniqMerge(engaged_pageviews) AS engaged_pageviews,
  sum(scroll_pct_sum) AS scroll_pct_sum, sum(scroll_samples) AS scroll_samples,
  sum(read_completes) AS read_completes, sum(mobile_pageviews) AS mobile_pageviews,
  ${REFERRER_CLASSES.map((c) => `sum(pv_${c}) AS pv_${c}`).join(', ')}`

function rangeParams(input: HourRangeInput) {
  const r = HourRange.parse(input)
  return { agency: r.agency, site: r.site, from: chDateTime(r.from), to: chDateTime(r.to) }
}

const RANGE_WHERE = `agency_id = {agency:String} AND site_id = {site:String}
  AND hour >= {from:DateTime64(3, 'UTC')} AND hour < {to:DateTime64(3, 'UTC')}`

/**
 * Hourly measures per article of one site in `[from, to)`, ordered by hour then article.
 * @example await queryArticleHourly(ch, { agency: 'lamdong', site: 'baolamdong', from: Date.parse('2026-03-01T17:00Z'), to: Date.parse('2026-03-02T17:00Z') })
 */
export async function queryArticleHourly(ch: ClickHouse, range: HourRangeInput): Promise<ArticleHour[]> {
  const rs = await ch.client.query({
    query: `SELECT toUnixTimestamp(hour) AS hour_s, article_id, max(section) AS section, ${MEASURES_SQL}
            FROM ${ch.database}.rollup_article_hourly
            WHERE ${RANGE_WHERE}
            GROUP BY hour_s, article_id
            ORDER BY hour_s, article_id`,
    query_params: rangeParams(range),
    format: 'JSONEachRow',
  })
  return z.array(ArticleHour).parse(await rs.json())
}

/** Hourly measures per section of one site in `[from, to)`, ordered by hour then section. */
export async function querySiteHourly(ch: ClickHouse, range: HourRangeInput): Promise<SiteHour[]> {
  const rs = await ch.client.query({
    query: `SELECT toUnixTimestamp(hour) AS hour_s, section, ${MEASURES_SQL},
                   uniqMerge(sessions) AS sessions, sum(paywall_shown) AS paywall_shown,
                   sum(subscribe_start) AS subscribe_start, sum(subscribe_complete) AS subscribe_complete
            FROM ${ch.database}.rollup_site_hourly
            WHERE ${RANGE_WHERE}
            GROUP BY hour_s, section
            ORDER BY hour_s, section`,
    query_params: rangeParams(range),
    format: 'JSONEachRow',
  })
  return z.array(SiteHour).parse(await rs.json())
}
