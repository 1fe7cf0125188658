// HTTP body schemas of the server-side endpoints (the browser one is in ingest/contract/browser.ts).
import { z } from 'zod'
import { EventType, HttpUrl, HttpUrlOrEmpty, Id, IdOrEmpty, LIMITS, Props, Text } from '../contract/index.ts'

/** ISO-8601 string or epoch milliseconds → epoch ms. */
export const Timestamp = z.union(
  [z.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))],
  { error: 'expected an ISO-8601 date-time (e.g. 2026-11-26T08:30:00+07:00) or epoch milliseconds' },
)

/** One event sent by an agency's server or app (`POST /v1/events`). */
export const ServerEvent = z
  .object({
    event_id: z.uuid(),
    type: EventType,
    name: Text(LIMITS.nameLength).optional(),
    ts: Timestamp,
    url: HttpUrl,
    referrer: HttpUrlOrEmpty.optional(),
    title: Text(LIMITS.titleLength).optional(),
    article_id: IdOrEmpty.optional(),
    section: Text(LIMITS.nameLength).optional(),
    author: Text(LIMITS.nameLength * 2).optional(),
    published_at: Timestamp.optional(),
    /** A consented first-party id; without it, ip + user_agent give the cookieless daily id. */
    visitor_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/, '8-64 URL-safe characters')
      .optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    user_agent: z.string().max(1024).optional(),
    engaged_ms: z.number().int().min(0).max(LIMITS.engagedMsMax).optional(),
    scroll_pct: z.number().int().min(0).max(100).optional(),
    props: Props.optional(),
  })
  .refine((e) => e.visitor_id !== undefined || (e.ip !== undefined && e.user_agent !== undefined), {
    message: 'either visitor_id (consented id) or both ip and user_agent are required',
    path: ['visitor_id'],
  })
export type ServerEvent = z.infer<typeof ServerEvent>

/** Article metadata from a CMS or RSS bridge (`POST /v1/content`). */
export const ContentInput = z.object({
  article_id: Id,
  url: HttpUrl,
  title: Text(LIMITS.titleLength).pipe(z.string().min(1, 'must not be empty')),
  section: Text(LIMITS.nameLength).optional(),
  author: Text(LIMITS.nameLength * 2).optional(),
  tags: z.array(Text(LIMITS.nameLength)).max(LIMITS.tagsCount).optional(),
  published_at: Timestamp,
  updated_at: Timestamp.optional(),
  paywalled: z.boolean().optional(),
  word_count: z.number().int().min(0).max(1_000_000).optional(),
  source: z.enum(['cms', 'rss']).optional(),
})
export type ContentInput = z.infer<typeof ContentInput>
