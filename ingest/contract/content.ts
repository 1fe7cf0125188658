// Article metadata from CMS/RSS feeds (and seen on pages): the value of a Kafka `content` message.
import { z } from 'zod'
import { HttpUrl, Id, LIMITS, Text } from './event.ts'

export const CONTENT_SCHEMA_VERSION = 1

export const ArticleMessage = z.object({
  v: z.literal(CONTENT_SCHEMA_VERSION),
  agency_id: Id,
  site_id: Id,
  article_id: Id,
  url: HttpUrl,
  title: Text(LIMITS.titleLength).pipe(z.string().min(1, 'must not be empty')),
  section: Text(LIMITS.nameLength).default(''),
  author: Text(LIMITS.nameLength * 2).default(''),
  tags: z.array(Text(LIMITS.nameLength)).max(LIMITS.tagsCount).default([]),
  /** Epoch ms. */
  published_at: z.number().int().nonnegative(),
  /** Epoch ms of this version of the metadata; the latest wins. */
  updated_at: z.number().int().nonnegative(),
  paywalled: z.boolean().default(false),
  word_count: z.number().int().min(0).max(1_000_000).default(0),
  /** Where this version came from. */
  source: z.enum(['cms', 'rss', 'page']).default('cms'),
})
export type ArticleMessage = z.infer<typeof ArticleMessage>

/** Kafka key for the compacted content topic: the latest metadata per article survives. */
export function articleKey(a: Pick<ArticleMessage, 'site_id' | 'article_id'>): string {
  return `${a.site_id}:${a.article_id}`
}
