// Likely driver of a traffic anomaly, for editors: which referrer class or which article moved most in the
// deviation's direction. Pure; the hourly forecast job reads the breakdowns and passes them in.
import { explainDeviation } from '../models/forecast/index.ts'

export interface DriverEvidence {
  /** actual − p50 of the flagged hour. */
  deviation: number
  p50: number
  /** Pageviews by referrer class that hour, and the class's share of pageviews over the week before. */
  referrers: ReadonlyArray<{ cls: string; actual: number; share: number }>
  /** Pageviews per article that hour, and what it had the hour before (its expectation). */
  articles: ReadonlyArray<{ article: string; title: string; actual: number; expected: number }>
}

export interface LikelyDriver {
  kind: '' | 'referrer' | 'article'
  key: string
  title: string
  /** Share of the deviation the driver accounts for (may exceed 1 when other parts moved the other way). */
  share: number | null
}

/**
 * The referrer class or article with the largest contribution in the deviation's direction; an article wins only
 * when it accounts for more of the deviation than the top referrer class.
 * @example likelyDriver({ deviation: 400, p50: 600, referrers: [{ cls: 'messaging', actual: 500, share: 0.2 }, …], articles: [] })
 */
export function likelyDriver(e: DriverEvidence): LikelyDriver {
  const byClass = explainDeviation(
    e.deviation,
    e.p50,
    e.referrers.map((r) => ({ key: r.cls, actual: r.actual, share: r.share })),
  )
  const byArticle = explainDeviation(
    e.deviation,
    e.p50,
    e.articles.map((a) => ({ key: a.article, actual: a.actual, expected: a.expected })),
  )
  const topClass = byClass.driver ? byClass.contributions[0] : undefined
  const topArticle = byArticle.driver ? byArticle.contributions[0] : undefined
  const shareOf = (c: typeof topClass) => c?.shareOfDeviation ?? Number.NEGATIVE_INFINITY
  if (topArticle && shareOf(topArticle) > shareOf(topClass)) {
    return {
      kind: 'article',
      key: topArticle.key,
      title: e.articles.find((a) => a.article === topArticle.key)?.title ?? '',
      share: topArticle.shareOfDeviation,
    }
  }
  if (topClass) return { kind: 'referrer', key: topClass.key, title: '', share: topClass.shareOfDeviation }
  return { kind: '', key: '', title: '', share: null }
}
