// `sessions` (one AggregatingMergeTree row per session and Vietnam day, filled from `events`) read through
// v_sessions, which finishes the aggregation and leaves bots out.
import { z } from 'zod'
import type { ClickHouse } from '../client.ts'
import { Count, Day } from './shared.ts'

export const DayRange = z.object({
  agency: z.string().min(1),
  site: z.string().min(1).optional(),
  from: Day,
  to: Day,
})
export type DayRange = z.infer<typeof DayRange>

export const Session = z.object({
  day: Day,
  site_id: z.string(),
  session_id: z.string(),
  visitor_id: z.string(),
  started_at: z.coerce.number().transform((ms) => new Date(ms)),
  ended_at: z.coerce.number().transform((ms) => new Date(ms)),
  pageviews: Count,
  engaged_ms: Count,
  landing_url: z.string(),
  landing_section: z.string(),
  entry_referrer_class: z.string(),
  entry_referrer_source: z.string(),
  device: z.string(),
  province: z.string(),
  bounced: z.coerce.number().transform((n) => n === 1),
})
export type Session = z.infer<typeof Session>

/** Human sessions of an agency (one site or all) on Vietnam days `from`..`to` inclusive. */
export async function querySessions(ch: ClickHouse, range: DayRange): Promise<Session[]> {
  const r = DayRange.parse(range)
  const rs = await ch.client.query({
    query: `SELECT day, site_id, session_id, visitor_id,
                   toUnixTimestamp64Milli(started_at) AS started_at, toUnixTimestamp64Milli(ended_at) AS ended_at,
                   pageviews, engaged_ms, landing_url, landing_section, entry_referrer_class, entry_referrer_source,
                   device, province, bounced
            FROM ${ch.database}.v_sessions
            WHERE agency_id = {agency:String} AND ({site:String} = '' OR site_id = {site:String})
              AND day BETWEEN {from:Date} AND {to:Date}
            ORDER BY day, site_id, started_at, session_id`,
    query_params: { agency: r.agency, site: r.site ?? '', from: r.from, to: r.to },
    format: 'JSONEachRow',
  })
  return z.array(Session).parse(await rs.json())
}
