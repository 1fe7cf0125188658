// The report's narrative: short sentences about changes that pass a significance test on enough data,
// each with its evidence, ranked by how significant they are. Pure: data in, sentences out.
import type { ArticleRow, ReportData } from './data.ts'
import type { Formatter } from './format.ts'
import { type Messages, sourceLabel } from './i18n.ts'
import {
  type Comparison,
  compareCounts,
  compareRates,
  COUNT_RULE,
  pValueText,
  type SignificanceRule,
} from './significance.ts'

export interface Insight {
  kind: 'metric' | 'rate' | 'section' | 'source' | 'rising' | 'paywall'
  text: string
  evidence: string
  /** |z|: the ranking key. */
  score: number
  p: number
}

export interface HeadlineChange {
  comparison: Comparison
  /** Sentence explaining the change (significant or not). */
  explanation: string
}

/**
 * False when the previous period has empty days while this one has data on more days (tracking started
 * during it, an outage): "+235 %" against half a week would be a false story.
 */
export function comparable(data: Pick<ReportData, 'coverage'>): boolean {
  const c = data.coverage
  return c.previous >= Math.min(c.days, c.current)
}

/** How many insights a report shows at most. */
export const MAX_INSIGHTS = 8

/** Sources with their own sentence when they move (others are summed into their class). */
const NAMED_SOURCES = ['zalo', 'baomoi', 'coccoc', 'google', 'facebook', 'googlenews', 'tiktok', 'youtube']

function sectionName(m: Messages, section: string): string {
  return section || m.unknownSection
}

/** Explains the change of one headline count vs the previous period. */
export function explainCount(
  m: Messages,
  f: Formatter,
  prevLabel: string,
  previous: number,
  current: number,
  rule: SignificanceRule = COUNT_RULE,
): HeadlineChange {
  const c = compareCounts(previous, current, rule)
  if (previous === 0 && current === 0) return { comparison: c, explanation: m.changeNoBase }
  if (previous === 0) return { comparison: c, explanation: m.changeNew }
  const explanation = c.significant
    ? m.changeSignificant(current > previous ? 'up' : 'down', f.change(c.change), prevLabel)
    : m.changeNotSignificant(f.change(c.change))
  return { comparison: c, explanation }
}

/** Explains the change of a rate (x of n) vs the previous period. */
export function explainRate(
  m: Messages,
  f: Formatter,
  prevLabel: string,
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): HeadlineChange {
  const c = compareRates(x1, n1, x2, n2)
  if (n1 === 0 && n2 === 0) return { comparison: c, explanation: m.changeNoBase }
  if (n1 === 0) return { comparison: c, explanation: m.changeNew }
  const delta = (c.currentRate ?? 0) - (c.previousRate ?? 0)
  const points = m.points(`${delta >= 0 ? '+' : '−'}${f.num(Math.abs(delta) * 100)}`)
  return {
    comparison: c,
    explanation: c.significant
      ? m.changeSignificant(delta >= 0 ? 'up' : 'down', points, prevLabel)
      : m.changeNotSignificant(points),
  }
}

function countEvidence(m: Messages, f: Formatter, c: Comparison, unit: string): string {
  return m.evidenceCounts(
    f.int(c.previous),
    f.int(c.current),
    unit,
    pValueText(c.p, f.locale === 'vi-VN' ? ',' : '.'),
  )
}

/** The source (or class) that contributed most of a change, when it gave at least half of it. */
function mainDriver(
  m: Messages,
  rows: Array<{ referrerClass: string; source: string; pageviews: number; prevPageviews: number }>,
  total: number,
): string | undefined {
  const byKey = new Map<string, { label: string; delta: number }>()
  for (const r of rows) {
    const label = sourceLabel(m, r.source, r.referrerClass)
    const key = r.source || `class:${r.referrerClass}`
    const cur = byKey.get(key) ?? { label, delta: 0 }
    cur.delta += r.pageviews - r.prevPageviews
    byKey.set(key, cur)
  }
  const best = [...byKey.values()].sort((a, b) => (total >= 0 ? b.delta - a.delta : a.delta - b.delta))[0]
  if (
    !best ||
    total === 0 ||
    Math.sign(best.delta) !== Math.sign(total) ||
    Math.abs(best.delta) < Math.abs(total) / 2
  )
    return undefined
  return best.label
}

/** The class that brought most of an article's views (for rising stories). */
function articleDriver(m: Messages, a: ArticleRow): string | undefined {
  const [cls, views] = Object.entries(a.byClass).sort((x, y) => y[1] - x[1])[0] ?? []
  if (!cls || !views || views < a.pageviews / 2) return undefined
  return m.referrerClass[cls]
}

/**
 * Builds the ranked insights of a report. Nothing is said about empty data or small volumes.
 * @example buildInsights(data, messages('vi'), createFormatter('vi'))
 */
export function buildInsights(data: ReportData, m: Messages, f: Formatter): Insight[] {
  const prev = m.previousPeriod[data.period.kind]
  const out: Insight[] = []
  const decimal = f.locale === 'vi-VN' ? ',' : '.'
  if (data.current.pageviews === 0 && data.previous.pageviews === 0) return []
  if (!comparable(data)) return []

  // Headline counts.
  const metrics = [
    ['pageviews', data.previous.pageviews, data.current.pageviews, m.unitViews],
    ['readers', data.previous.readers, data.current.readers, m.unitReaders],
  ] as const
  for (const [key, p, c, unit] of metrics) {
    const cmp = compareCounts(p, c)
    if (!cmp.significant) continue
    out.push({
      kind: 'metric',
      text: m.insightMetric(m.metric[key], f.change(cmp.change), prev),
      evidence: countEvidence(m, f, cmp, unit),
      score: Math.abs(cmp.z),
      p: cmp.p,
    })
  }

  // Read-complete rate.
  const rc = compareRates(
    data.previous.readCompletes,
    data.previous.articleViews,
    data.current.readCompletes,
    data.current.articleViews,
  )
  if (rc.significant) {
    out.push({
      kind: 'rate',
      text: m.insightRate(m.metric.readComplete, f.pct(rc.previousRate), f.pct(rc.currentRate), prev),
      evidence: m.evidenceRate(
        f.int(data.previous.readCompletes),
        f.int(data.previous.articleViews),
        f.int(data.current.readCompletes),
        f.int(data.current.articleViews),
        pValueText(rc.p, decimal),
      ),
      score: Math.abs(rc.z),
      p: rc.p,
    })
  }

  // Sections, with the source that drove the change.
  for (const s of data.sections) {
    const cmp = compareCounts(s.prevPageviews, s.pageviews)
    if (!cmp.significant) continue
    const driver = mainDriver(
      m,
      data.sources.filter((r) => r.section === s.section),
      s.pageviews - s.prevPageviews,
    )
    out.push({
      kind: 'section',
      text:
        m.insightSection(sectionName(m, s.section), f.change(cmp.change), prev) +
        (driver ? m.insightDriver(driver) : ''),
      evidence: countEvidence(m, f, cmp, m.unitViews),
      score: Math.abs(cmp.z),
      p: cmp.p,
    })
  }

  // Named sources across sections.
  const bySource = new Map<string, { cur: number; prev: number; cls: string }>()
  for (const r of data.sources) {
    if (!NAMED_SOURCES.includes(r.source)) continue
    const s = bySource.get(r.source) ?? { cur: 0, prev: 0, cls: r.referrerClass }
    s.cur += r.pageviews
    s.prev += r.prevPageviews
    bySource.set(r.source, s)
  }
  for (const [source, s] of bySource) {
    const cmp = compareCounts(s.prev, s.cur)
    if (!cmp.significant) continue
    out.push({
      kind: 'source',
      text: m.insightSource(sourceLabel(m, source, s.cls), f.change(cmp.change), prev),
      evidence: countEvidence(m, f, cmp, m.unitViews),
      score: Math.abs(cmp.z),
      p: cmp.p,
    })
  }

  // The top rising stories (at most two sentences).
  for (const r of risingArticles(data).slice(0, 2)) {
    const driver = articleDriver(m, r.article)
    const title = r.article.title || m.untitled
    const change =
      r.comparison.change === null
        ? m.insightRisingNew
        : m.insightRisingChange(f.change(r.comparison.change), prev)
    out.push({
      kind: 'rising',
      text:
        m.insightRising(title, f.int(r.article.pageviews)) + change + (driver ? m.insightDriver(driver) : ''),
      evidence: countEvidence(m, f, r.comparison, m.unitViews),
      score: Math.abs(r.comparison.z),
      p: r.comparison.p,
    })
  }

  // Paywall conversion by section.
  for (const w of data.paywall) {
    const cmp = compareRates(w.prevCompleted, w.prevShown, w.completed, w.shown, {
      alpha: 0.001,
      minVolume: 200,
      minEffect: 0.005,
    })
    if (!cmp.significant) continue
    out.push({
      kind: 'paywall',
      text: m.insightPaywall(
        sectionName(m, w.section),
        f.pct(cmp.previousRate, 2),
        f.pct(cmp.currentRate, 2),
        prev,
      ),
      evidence: m.evidenceRate(
        f.int(w.prevCompleted),
        f.int(w.prevShown),
        f.int(w.completed),
        f.int(w.shown),
        pValueText(cmp.p, decimal),
      ),
      score: Math.abs(cmp.z),
      p: cmp.p,
    })
  }

  return out.sort((a, b) => b.score - a.score).slice(0, MAX_INSIGHTS)
}

/**
 * Articles whose views rose significantly vs the previous period (new articles included: they rose from 0),
 * at least 30 views and 1.5× their previous count, most significant first.
 */
export function risingArticles(
  data: Pick<ReportData, 'articles'>,
): Array<{ article: ArticleRow; comparison: Comparison }> {
  const rule: SignificanceRule = { alpha: 0.001, minVolume: 30, minEffect: 0.5 }
  return data.articles
    .filter((a) => a.pageviews >= 30 && a.pageviews >= 1.5 * a.prevPageviews)
    .map((article) => {
      const c = compareCounts(article.prevPageviews, article.pageviews, rule)
      // A new article has no previous count: significant when the count alone passes the test against 0.
      const significant = article.prevPageviews === 0 ? c.p < rule.alpha : c.significant
      return { article, comparison: { ...c, significant } }
    })
    .filter((r) => r.comparison.significant)
    .sort((a, b) => b.comparison.z - a.comparison.z || b.article.pageviews - a.article.pageviews)
}
