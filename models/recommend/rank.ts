// Candidate rules and the final ranking, as pure functions: same agency only, never an article the reader has
// read, a per-section freshness preference, a cap per section for diversity, per-agency paywall rules, and the
// fallbacks (trending in the section, then fresh) when the model has nothing for the request.
import type { RecLog } from './log.ts'

/** An article that may be recommended. */
export interface RankableArticle {
  id: string
  agency: string
  section?: string
  /** Epoch ms. */
  published: number
  paywalled?: boolean
}

/** One agency's rules. */
export interface AgencyRankingPolicy {
  /** Freshness half-life per section (hours), keys compared case-insensitively; others use the default. */
  halfLifeHoursBySection: Record<string, number>
  defaultHalfLifeHours: number
  /** At most this many articles of one section in the top-K (relaxed only if K cannot be filled otherwise). */
  maxPerSection: number
  /** Non-subscribers are not shown paywalled articles. */
  excludePaywalledForNonSubscribers: boolean
  /** Articles older than this are never recommended. */
  maxAgeHours?: number
}

export const DEFAULT_RANKING_POLICY: AgencyRankingPolicy = {
  halfLifeHoursBySection: { 'thời sự': 12, 'pháp luật': 12, 'thể thao': 18 },
  defaultHalfLifeHours: 36,
  maxPerSection: 4,
  excludePaywalledForNonSubscribers: false,
  maxAgeHours: 24 * 30,
}

export interface RecommendationRequest {
  agency: string
  /** Epoch ms of the request. */
  now: number
  /** Articles the reader (or the anonymous session) has read. */
  read: ReadonlySet<string>
  /** Section of the page being read, for the "trending in section" fallback. */
  section?: string
  subscriber: boolean
  k: number
}

export interface RankingInputs {
  candidates: readonly RankableArticle[]
  /** Model scores in log space (q·v/τ + freshness bias); null/empty = the model has nothing. */
  modelScores?: ReadonlyMap<string, number> | null
  /** Recency-weighted read counts (the trending signal). */
  trending?: ReadonlyMap<string, number>
}

export type RecommendationSource = 'model' | 'trending' | 'fresh'

export interface Recommendation {
  id: string
  section: string | null
  score: number
  source: RecommendationSource
}

export interface RecommendationResult {
  items: Recommendation[]
  /** Sources that contributed, in order. */
  sources: RecommendationSource[]
  /** Set when the model had nothing for this request. */
  fallbackReason?: string
}

const HOUR_MS = 3_600_000
const sectionKeys = new Map<string, string>()
/** Case- and normalisation-insensitive section key (memoised: a catalogue has few sections). */
function sectionKey(s: string | undefined): string {
  if (!s) return ''
  let key = sectionKeys.get(s)
  if (key === undefined) {
    key = s.normalize('NFC').trim().toLowerCase()
    if (sectionKeys.size < 10_000) sectionKeys.set(s, key)
  }
  return key
}

/** Half-life (hours) per normalised section key, with the policy's default for the rest. */
export function halfLifeLookup(policy: AgencyRankingPolicy): (section: string | undefined) => number {
  const bySection = new Map(Object.entries(policy.halfLifeHoursBySection).map(([s, h]) => [sectionKey(s), h]))
  return (section) => bySection.get(sectionKey(section)) ?? policy.defaultHalfLifeHours
}

/** Freshness multiplier 0.5^(age / half-life of the article's section), 1 for a just-published article. */
export function freshness(
  article: RankableArticle,
  now: number,
  policy: AgencyRankingPolicy,
  halfLife = halfLifeLookup(policy),
): number {
  const ageH = Math.max(0, (now - article.published) / HOUR_MS)
  return 0.5 ** (ageH / halfLife(article.section))
}

/** The candidate rules every source shares: same agency, not read, already published, not too old, paywall. */
export function eligibleCandidates(
  req: RecommendationRequest,
  candidates: readonly RankableArticle[],
  policy: AgencyRankingPolicy,
): RankableArticle[] {
  return candidates.filter(
    (a) =>
      a.agency === req.agency &&
      !req.read.has(a.id) &&
      a.published <= req.now &&
      (policy.maxAgeHours === undefined || req.now - a.published <= policy.maxAgeHours * HOUR_MS) &&
      !(policy.excludePaywalledForNonSubscribers && !req.subscriber && a.paywalled === true),
  )
}

/**
 * Builds the top-K list: model-ranked candidates (score + log freshness), then trending in the request's
 * section, then the freshest articles; at most `maxPerSection` per section unless K cannot be filled.
 *
 * @example
 * recommend({ agency: 'lamdong', now, read: new Set(['a1']), subscriber: false, k: 10 },
 *           { candidates, modelScores, trending }, DEFAULT_RANKING_POLICY, log)
 */
export function recommend(
  req: RecommendationRequest,
  inputs: RankingInputs,
  policy: AgencyRankingPolicy = DEFAULT_RANKING_POLICY,
  log?: RecLog,
): RecommendationResult {
  const eligible = eligibleCandidates(req, inputs.candidates, policy)
  const halfLife = halfLifeLookup(policy)
  const fresh = new Map(eligible.map((a) => [a.id, freshness(a, req.now, policy, halfLife)]))
  type Scored = { a: RankableArticle; score: number }
  const byScore = (xs: Scored[]) =>
    xs.sort((x, y) => y.score - x.score || y.a.published - x.a.published || (x.a.id < y.a.id ? -1 : 1))

  const model = inputs.modelScores
  const modelRanked = byScore(
    model && model.size > 0
      ? eligible.flatMap((a) => {
          const s = model.get(a.id)
          return s === undefined || !Number.isFinite(s)
            ? []
            : [{ a, score: s + Math.log(fresh.get(a.id) as number) }]
        })
      : [],
  )
  // The fallback lists are only built if the model's list cannot fill K (serving latency).
  const wanted = sectionKey(req.section)
  const trendingRanked = (): Scored[] =>
    byScore(
      eligible.flatMap((a) => {
        const count = inputs.trending?.get(a.id) ?? 0
        if (count <= 0 || (wanted !== '' && sectionKey(a.section) !== wanted)) return []
        return [{ a, score: count * (fresh.get(a.id) as number) }]
      }),
    )
  const freshRanked = (): Scored[] => byScore(eligible.map((a) => ({ a, score: fresh.get(a.id) as number })))

  let fallbackReason: string | undefined
  if (modelRanked.length === 0) {
    fallbackReason =
      !model || model.size === 0
        ? 'no model scores for this request (no model, or no reading history)'
        : 'no eligible article has a model score'
    log?.info(
      { agency: req.agency, section: req.section ?? null, candidates: eligible.length, k: req.k },
      `recommendations: ${fallbackReason}; serving trending in section, then fresh`,
    )
  }

  const picked: Recommendation[] = []
  const taken = new Set<string>()
  const perSection = new Map<string, number>()
  const stages: Array<[RecommendationSource, () => Scored[]]> = [
    ['model', () => modelRanked],
    ['trending', trendingRanked],
    ['fresh', freshRanked],
  ]
  const built = new Map<RecommendationSource, Scored[]>()
  for (const capped of [true, false]) {
    for (const [source, build] of stages) {
      if (picked.length >= req.k) break
      let list = built.get(source)
      if (list === undefined) {
        list = build()
        built.set(source, list)
      }
      for (const { a, score } of list) {
        if (picked.length >= req.k) break
        if (taken.has(a.id)) continue
        const key = sectionKey(a.section)
        if (capped && (perSection.get(key) ?? 0) >= policy.maxPerSection) continue
        taken.add(a.id)
        perSection.set(key, (perSection.get(key) ?? 0) + 1)
        picked.push({ id: a.id, section: a.section ?? null, score, source })
      }
    }
    if (picked.length >= req.k) break
  }
  const sources = [...new Set(picked.map((p) => p.source))]
  return { items: picked, sources, ...(fallbackReason ? { fallbackReason } : {}) }
}
