// Readers of the analyst views (v_article_daily, v_traffic_sources, v_engagement, v_paywall_funnel) for
// reports and tests. Days are Vietnam calendar days; bots are already excluded by the views.
import { z } from 'zod'
import type { ClickHouse } from '../client.ts'
import { Count, Day, Ratio } from './shared.ts'
import { DayRange } from './sessions.ts'

export const ArticleDay = z.object({
  day: Day,
  site_id: z.string(),
  article_id: z.string(),
  title: z.string(),
  section: z.string(),
  author: z.string(),
  pageviews: Count,
  visitors: Count,
  engaged_ms: Count,
  avg_engaged_s: Ratio,
  read_completes: Count,
  read_complete_rate: Ratio,
  avg_scroll_pct: Ratio,
  mobile_share: Ratio,
  share_search: Ratio,
  share_social: Ratio,
  share_messaging: Ratio,
  share_aggregator: Ratio,
  share_direct: Ratio,
  share_internal: Ratio,
  share_campaign: Ratio,
  share_other: Ratio,
})
export type ArticleDay = z.infer<typeof ArticleDay>

export const TrafficSourceDay = z.object({
  day: Day,
  site_id: z.string(),
  section: z.string(),
  referrer_class: z.string(),
  referrer_source: z.string(),
  pageviews: Count,
  visitors: Count,
  share: z.number(),
})
export type TrafficSourceDay = z.infer<typeof TrafficSourceDay>

export const EngagementDay = z.object({
  day: Day,
  site_id: z.string(),
  section: z.string(),
  pageviews: Count,
  visitors: Count,
  sessions: Count,
  engaged_ms: Count,
  avg_engaged_s: Ratio,
  read_completes: Count,
  read_complete_rate: Ratio,
  avg_scroll_pct: Ratio,
  mobile_share: Ratio,
  pages_per_session: Ratio,
  landing_sessions: z.coerce.number(),
  bounces: z.coerce.number(),
  bounce_rate: Ratio,
})
export type EngagementDay = z.infer<typeof EngagementDay>

export const PaywallFunnelDay = z.object({
  day: Day,
  site_id: z.string(),
  section: z.string(),
  paywall_shown: Count,
  subscribe_start: Count,
  subscribe_complete: Count,
  start_rate: Ratio,
  complete_rate: Ratio,
  conversion_rate: Ratio,
})
export type PaywallFunnelDay = z.infer<typeof PaywallFunnelDay>

async function readView<S extends z.ZodObject>(
  ch: ClickHouse,
  view: string,
  schema: S,
  range: DayRange,
  orderBy: string,
): Promise<Array<z.infer<S>>> {
  const r = DayRange.parse(range)
  // Plain column names only: an alias named like a column would change what WHERE compares.
  const columns = Object.keys(schema.shape).join(', ')
  const rs = await ch.client.query({
    query: `SELECT ${columns} FROM ${ch.database}.${view}
            WHERE agency_id = {agency:String} AND ({site:String} = '' OR site_id = {site:String})
              AND day BETWEEN {from:Date} AND {to:Date}
            ORDER BY ${orderBy}`,
    query_params: { agency: r.agency, site: r.site ?? '', from: r.from, to: r.to },
    format: 'JSONEachRow',
  })
  return z.array(schema).parse(await rs.json())
}

/** Articles per day, most read first. */
export const queryArticleDaily = (ch: ClickHouse, range: DayRange) =>
  readView(ch, 'v_article_daily', ArticleDay, range, 'day, pageviews DESC, site_id, article_id')

/** Pageviews per day, section and referrer. */
export const queryTrafficSources = (ch: ClickHouse, range: DayRange) =>
  readView(
    ch,
    'v_traffic_sources',
    TrafficSourceDay,
    range,
    'day, site_id, section, pageviews DESC, referrer_class, referrer_source',
  )

/** Engagement per day and section. */
export const queryEngagement = (ch: ClickHouse, range: DayRange) =>
  readView(ch, 'v_engagement', EngagementDay, range, 'day, site_id, section')

/** Paywall funnel per day and section (sections with no funnel event are absent). */
export const queryPaywallFunnel = (ch: ClickHouse, range: DayRange) =>
  readView(ch, 'v_paywall_funnel', PaywallFunnelDay, range, 'day, site_id, section')
