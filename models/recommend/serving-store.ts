// In-memory recommendations for the HTTP route: one index per agency (articles, trending, the current
// registry model), consented readers' recent reads and the latest precomputed rows, all refreshed from
// ClickHouse periodically through an injected loader. A request never waits for IO. A model version whose
// files do not load is rejected once and the version already in memory keeps serving.
import type { Tf } from '../tf/index.ts'
import {
  type AgencyIndex,
  buildAgencyIndex,
  type IndexPick,
  recommendFromIndex,
  type ServingArticle,
  type ServingModel,
  servingKey,
  servingModel,
  type VectorCache,
} from './agency-index.ts'
import type { RecLog } from './log.ts'
import { type AgencyRankingPolicy, DEFAULT_RANKING_POLICY } from './rank.ts'
import { currentVersion, loadServingModel, loadVersion } from './registry.ts'

/** A site as serving needs it. */
export interface ServingSite {
  site_id: string
  agency_id: string
  language: string
}

/** One precomputed row of the latest succeeded job run. */
export interface PrecomputedRow {
  site: string
  kind: 'article' | 'visitor'
  /** article_id or visitor_id on `site`. */
  key: string
  rank: number
  articleId: string
  score: number
  reason: string
  /** 0 = no model. */
  modelVersion: number
}

/** What a refresh reads (from ClickHouse in the service). */
export interface ServingSnapshot {
  sites: ServingSite[]
  articles: ServingArticle[]
  /** Recency-weighted reads per servingKey. */
  trending: Map<string, number>
  /** Consented readers' reads: `site` + visitor → article ids, most recent first. */
  histories: Array<{ site: string; visitor: string; articles: string[] }>
  precomputed: PrecomputedRow[]
}

export type ServedSource = 'model' | 'precomputed' | 'fallback'

/** One item of the public response (the tracker widget renders these; keep the shape). */
export interface ServedItem {
  article_id: string
  url: string
  title: string
  section: string
  published_at: string
  premium: boolean
  /** related | for_you | trending | fresh */
  reason: string
  score: number
}

export interface ServedRecommendations {
  items: ServedItem[]
  source: ServedSource
  model_version: number | null
}

export interface ServingRequest {
  site: ServingSite
  article?: string
  visitor?: string
  /** Article ids read in this session, most recent first. */
  recent: readonly string[]
  k: number
}

export interface RecommendationServiceOptions {
  tf: Tf
  /** Reads the snapshot (articles published since `now` − a window, trending, histories, precomputed rows). */
  load(now: number): Promise<ServingSnapshot>
  /** File model registry; without it only precomputed rows and fallbacks serve. */
  registryDir?: string
  log: RecLog & { error(fields: object, msg: string): void }
  /** Refresh period (ms) once started; default 60 s. */
  refreshMs?: number
  now?: () => number
  policy?: AgencyRankingPolicy
}

export interface RecommendationService {
  /** Loads the model (if it changed) and a new snapshot; on error the previous state keeps serving. */
  refresh(): Promise<void>
  /** Refreshes now and then every `refreshMs` (the timer does not keep the process alive). */
  start(): Promise<void>
  recommend(req: ServingRequest): ServedRecommendations
  status(): { modelVersion: number | null; refreshedAt: number | null; articles: number; agencies: number }
  close(): void
}

interface State {
  indexes: Map<string, AgencyIndex>
  sitesByAgencyLang: Map<string, Set<string>>
  histories: Map<string, string[]>
  precomputed: Map<string, PrecomputedRow[]>
  articles: number
}

const EMPTY: State = {
  indexes: new Map(),
  sitesByAgencyLang: new Map(),
  histories: new Map(),
  precomputed: new Map(),
  articles: 0,
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000

function served(idx: AgencyIndex, p: IndexPick, modelReason: string): ServedItem {
  const a = p.article
  return {
    article_id: a.articleId,
    url: a.url,
    title: a.title,
    section: a.section,
    published_at: idx.publishedIso[p.row] as string,
    premium: a.paywalled,
    reason: p.source === 'model' ? modelReason : p.source,
    score: round4(p.score),
  }
}

/**
 * @example const service = createRecommendationService({ tf, load: (now) => loadServingSnapshot(ch, { now }), registryDir, log })
 *          await service.start(); service.recommend({ site, article: 'a1', recent: [], k: 6 })
 */
export function createRecommendationService(opts: RecommendationServiceOptions): RecommendationService {
  const now = opts.now ?? Date.now
  const policy = opts.policy ?? DEFAULT_RANKING_POLICY
  let state = EMPTY
  let model: ServingModel | null = null
  let cache: VectorCache = new Map()
  let rejected: number | null = null
  let refreshedAt: number | null = null
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | null = null

  async function refreshModel(): Promise<void> {
    const dir = opts.registryDir
    if (!dir) return
    if (model === null) {
      const loaded = await loadServingModel(dir, opts.log)
      if (loaded) setModel(servingModel(loaded.rec, loaded.version))
      return
    }
    const current = await currentVersion(dir)
    if (current === null || current === model.version || current === rejected) return
    try {
      const loaded = await loadVersion(dir, current)
      setModel(servingModel(loaded.rec, current))
      opts.log.info({ version: current }, `recommendations: serving model v${current}`)
    } catch (err) {
      rejected = current
      opts.log.warn(
        { rejected: current, serving: model.version },
        `recommendations: model v${current} rejected (${err instanceof Error ? err.message : String(err)}); v${model.version} keeps serving`,
      )
    }
  }

  function setModel(next: ServingModel): void {
    const old = model
    model = next
    cache = new Map()
    // Indexes built on the old model are replaced by the refresh that follows; until then they keep its vectors.
    if (old && old.rec.model !== next.rec.model) queueMicrotask(() => old.rec.model.dispose())
  }

  async function doRefresh(): Promise<void> {
    await refreshModel()
    const snap = await opts.load(now())
    const agencies = [...new Set(snap.articles.map((a) => a.agency))]
    const indexes = new Map<string, AgencyIndex>()
    for (const agency of agencies) {
      indexes.set(
        agency,
        buildAgencyIndex(opts.tf, {
          agency,
          articles: snap.articles,
          trending: snap.trending,
          model,
          cache,
          policy,
          now: now(),
        }),
      )
    }
    const sitesByAgencyLang = new Map<string, Set<string>>()
    for (const s of snap.sites) {
      const key = `${s.agency_id}\n${s.language}`
      if (!sitesByAgencyLang.has(key)) sitesByAgencyLang.set(key, new Set())
      sitesByAgencyLang.get(key)?.add(s.site_id)
    }
    const histories = new Map(snap.histories.map((h) => [`${h.site}\n${h.visitor}`, h.articles]))
    const precomputed = new Map<string, PrecomputedRow[]>()
    for (const r of snap.precomputed) {
      const key = `${r.kind}\n${r.site}\n${r.key}`
      if (!precomputed.has(key)) precomputed.set(key, [])
      precomputed.get(key)?.push(r)
    }
    for (const list of precomputed.values()) list.sort((a, b) => a.rank - b.rank)
    state = { indexes, sitesByAgencyLang, histories, precomputed, articles: snap.articles.length }
    refreshedAt = now()
  }

  function refresh(): Promise<void> {
    // Concurrent callers share one refresh.
    running ??= doRefresh().finally(() => {
      running = null
    })
    return running
  }

  function recommendNow(req: ServingRequest): ServedRecommendations {
    const { site } = req
    const s = state
    const idx = s.indexes.get(site.agency_id)
    if (!idx) return { items: [], source: 'fallback', model_version: null }
    const at = now()
    const sites = s.sitesByAgencyLang.get(`${site.agency_id}\n${site.language}`) ?? new Set([site.site_id])
    const own = (id: string) => servingKey(site.site_id, id)
    const visitorReads = req.visitor ? (s.histories.get(`${site.site_id}\n${req.visitor}`) ?? []) : []
    const history = [
      ...new Set([
        ...(req.article ? [own(req.article)] : []),
        ...req.recent.map(own),
        ...visitorReads.map(own),
      ]),
    ]
    const read = new Set(history)
    const articleRow = req.article ? idx.rows.get(own(req.article)) : undefined
    const section = articleRow === undefined ? undefined : idx.articles[articleRow]?.section
    const base = { now: at, history, read, k: req.k, sites, ...(section ? { section } : {}) }
    const modelReason = req.recent.length === 0 && visitorReads.length === 0 ? 'related' : 'for_you'

    const live = recommendFromIndex(idx, base)
    if (live.modelScored && live.items.some((p) => p.source === 'model')) {
      return {
        items: live.items.map((p) => served(idx, p, modelReason)),
        source: 'model',
        model_version: idx.model?.version ?? null,
      }
    }
    // No model for this request: the nightly lists, checked against the current rules, topped up with fallbacks.
    const rows =
      (req.visitor ? s.precomputed.get(`visitor\n${site.site_id}\n${req.visitor}`) : undefined) ??
      (req.article ? s.precomputed.get(`article\n${site.site_id}\n${req.article}`) : undefined) ??
      []
    const maxAgeMs = (idx.policy.maxAgeHours ?? Number.POSITIVE_INFINITY) * 3_600_000
    const items: ServedItem[] = []
    const taken = new Set<string>()
    let version = 0
    for (const r of rows) {
      if (items.length >= req.k) break
      const key = servingKey(r.site, r.articleId)
      const row = idx.rows.get(key)
      const a = row === undefined ? undefined : idx.articles[row]
      if (!a || read.has(key) || taken.has(key) || !sites.has(a.site)) continue
      if (a.published > at || at - a.published > maxAgeMs) continue
      taken.add(key)
      version = Math.max(version, r.modelVersion)
      items.push({
        article_id: a.articleId,
        url: a.url,
        title: a.title,
        section: a.section,
        published_at: idx.publishedIso[row as number] as string,
        premium: a.paywalled,
        reason: r.reason,
        score: round4(r.score),
      })
    }
    if (items.length > 0) {
      if (items.length < req.k) {
        const more = recommendFromIndex(idx, { ...base, history: [], read: new Set([...read, ...taken]) })
        for (const p of more.items.slice(0, req.k - items.length)) items.push(served(idx, p, modelReason))
      }
      return { items, source: 'precomputed', model_version: version > 0 ? version : null }
    }
    return {
      items: live.items.map((p) => served(idx, p, modelReason)),
      source: 'fallback',
      model_version: null,
    }
  }

  return {
    refresh,
    async start() {
      // The timer runs even when this first refresh fails: a later one recovers.
      timer ??= setInterval(() => {
        refresh().catch((err: unknown) =>
          opts.log.error(
            { err: err instanceof Error ? err.message : String(err) },
            'recommendations: refresh failed; serving the previous index',
          ),
        )
      }, opts.refreshMs ?? 60_000)
      timer.unref()
      await refresh()
    },
    recommend: recommendNow,
    status: () => ({
      modelVersion: model?.version ?? null,
      refreshedAt,
      articles: state.articles,
      agencies: state.indexes.size,
    }),
    close() {
      if (timer) clearInterval(timer)
      state = EMPTY
    },
  }
}
