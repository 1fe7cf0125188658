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

/**
 * Remembers the page-seen article records this process has written, so that a chunk does not write the same
 * placeholder again (every chunk of a busy site sees the same few hundred articles; each write is an engine
 * insert). A record whose URL, title, section or author changed is written again. Bounded: past `max` keys it
 * starts over, which costs one more write per article.
 * @example const memo = createPageArticleMemo(); const fresh = memo.unwritten(list); await write(fresh); memo.written(fresh)
 */
export function createPageArticleMemo(max = 100_000): {
  unwritten(list: ArticleMessage[]): ArticleMessage[]
  written(list: ArticleMessage[]): void
} {
  const keys = new Set<string>()
  const key = (a: ArticleMessage) =>
    [a.agency_id, a.site_id, a.article_id, a.url, a.title, a.section, a.author].join('\u0000')
  return {
    unwritten: (list) => list.filter((a) => !keys.has(key(a))),
    written(list) {
      if (keys.size + list.length > max) keys.clear()
      for (const a of list) keys.add(key(a))
    },
  }
}
