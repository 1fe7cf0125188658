// Fixture builders for the recommender tests.
import type {
  AgencyRankingPolicy,
  RankableArticle,
  RecommendationRequest,
} from '../../../models/recommend/index.ts'
import { DEFAULT_RANKING_POLICY } from '../../../models/recommend/index.ts'

export const NOW = Date.parse('2026-06-10T09:00:00+07:00')
const HOUR = 3_600_000

let seq = 0
export function anArticle(over: Partial<RankableArticle> & { ageHours?: number } = {}): RankableArticle {
  const { ageHours = 2, ...rest } = over
  seq++
  return {
    id: `bv-${seq}`,
    agency: 'baolamdong',
    section: 'Kinh tế',
    published: NOW - ageHours * HOUR,
    paywalled: false,
    ...rest,
  }
}

export function aRequest(over: Partial<RecommendationRequest> = {}): RecommendationRequest {
  return { agency: 'baolamdong', now: NOW, read: new Set(), subscriber: false, k: 5, ...over }
}

export function aPolicy(over: Partial<AgencyRankingPolicy> = {}): AgencyRankingPolicy {
  return { ...DEFAULT_RANKING_POLICY, ...over }
}

/** A logger that keeps its lines for assertions. */
export function captureLog() {
  const lines: Array<{ level: string; msg: string; fields: object }> = []
  return {
    lines,
    log: {
      info: (fields: object, msg: string) => lines.push({ level: 'info', msg, fields }),
      warn: (fields: object, msg: string) => lines.push({ level: 'warn', msg, fields }),
    },
  }
}
