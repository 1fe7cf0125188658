// Article records seen on pages: one per article and chunk, and not written again by the same process unless
// what the page shows of the article changed.
import { describe, expect, it } from 'vitest'
import { articlesFromPageviews, createPageArticleMemo } from '../../transform/page-articles.ts'
import { anEventRow } from '../support/rows.ts'

describe('articlesFromPageviews', () => {
  it('takes one record per site and article from readers’ pageviews, none from bots or other events', () => {
    const list = articlesFromPageviews([
      anEventRow({ article_id: 'a' }),
      anEventRow({ article_id: 'a', title: 'later title' }),
      anEventRow({ article_id: 'b', is_bot: 1 }),
      anEventRow({ article_id: 'c', type: 'engagement' }),
      anEventRow({ article_id: '' }),
    ])
    expect(list.map((a) => [a.article_id, a.title, a.updated_at, a.source])).toEqual([
      ['a', 'Đà Lạt mùa hoa', 0, 'page'],
    ])
  })
})

describe('createPageArticleMemo', () => {
  it('lets through only records not written yet, and a record again when its title or URL changed', () => {
    const memo = createPageArticleMemo()
    const first = articlesFromPageviews([anEventRow({ article_id: 'a' }), anEventRow({ article_id: 'b' })])
    expect(memo.unwritten(first)).toHaveLength(2)
    memo.written(first)
    const again = articlesFromPageviews([
      anEventRow({ article_id: 'a', ts: Date.now() - 60_000 }),
      anEventRow({ article_id: 'b', title: 'Đà Lạt mùa hoa dã quỳ' }),
      anEventRow({ article_id: 'c' }),
    ])
    expect(memo.unwritten(again).map((a) => a.article_id)).toEqual(['b', 'c'])
  })

  it('forgets nothing it was not told was written (a failed write is tried again)', () => {
    const memo = createPageArticleMemo()
    const list = articlesFromPageviews([anEventRow({ article_id: 'a' })])
    expect(memo.unwritten(list)).toHaveLength(1)
    expect(memo.unwritten(list)).toHaveLength(1)
  })

  it('starts over past its bound instead of growing', () => {
    const memo = createPageArticleMemo(3)
    const list = (ids: string[]) => articlesFromPageviews(ids.map((article_id) => anEventRow({ article_id })))
    memo.written(list(['a', 'b', 'c']))
    expect(memo.unwritten(list(['a']))).toHaveLength(0)
    memo.written(list(['d']))
    expect(memo.unwritten(list(['a', 'd'])).map((a) => a.article_id)).toEqual(['a'])
  })
})
