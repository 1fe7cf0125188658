// Article metadata seen on pages fills `articles` until a CMS/RSS record arrives.
import type { ArticleMessage } from '../ingest/contract/index.ts'
import type { EventRow } from './writer.ts'

/** Article metadata seen on pages: used only until the CMS feed sends the real record (which always wins). */
export function articlesFromPageviews(rows: EventRow[]): ArticleMessage[] {
  const seen = new Map<string, ArticleMessage>()
  for (const r of rows) {
    if (r.type !== 'pageview' || !r.article_id || !r.title || r.is_bot) continue
    const key = `${r.site_id}:${r.article_id}`
    if (seen.has(key)) continue
    seen.set(key, {
      v: 1,
      agency_id: r.agency_id,
      site_id: r.site_id,
      article_id: r.article_id,
      url: r.url.split('?')[0] ?? r.url,
      title: r.title,
      section: r.section,
      author: r.author ?? '',
      tags: [],
      published_at: r.published_at ?? r.ts,
      // Version 0: any CMS/RSS record (updated_at > 0) replaces it in the ReplacingMergeTree.
      updated_at: 0,
      paywalled: false,
      word_count: 0,
      source: 'page',
    })
  }
  return [...seen.values()]
}

