// The nightly `recommendations` job: read engaged reads and articles from ClickHouse, train the two-tower model,
// evaluate it against the baselines and the version serving now on the same time split, promote it to the file
// registry only if it is not worse, then write top-K lists per recent article and per active consented reader
// to `recommendations` (visible once the run has succeeded). Too little data is not an error: the lists then
// come from the current model if there is one, else from the fallbacks (trending in section, then fresh).
import path from 'node:path'
import {
  buildAgencyIndex,
  compareModelsOnSplit,
  evaluateRecommenders,
  loadServingModel,
  promoteIfNotWorse,
  recommendFromIndex,
  type ServingModel,
  servingKey,
  servingModel,
  writeVersion,
} from '../models/recommend/index.ts'
import { initTf } from '../models/tf/index.ts'
import type { JobContext, JobDefinition, KeyFigures } from './job.ts'
import { loadServingSnapshot, loadTrainingData } from './recommend/data.ts'
import {
  insertRecommendations,
  RECOMMENDATIONS_JOB,
  type RecommendationRecord,
} from './recommend/recommendations-table.ts'
import { addDays, vietnamMidnight } from './vietnam-time.ts'

export interface RecommendationJobConfig {
  /** Days of reads to train on (the last one is the held-out test day). */
  trainDays: number
  /** Engaged time that makes a read a positive. */
  minEngagedMs: number
  maxReads: number
  /** Below this many positives no model is trained. */
  minReads: number
  epochs: number
  /** Training stops after the batch that crosses this budget. */
  maxTrainSeconds: number
  testDays: number
  /** The new model must not be below the best baseline or the current version by more than this (recall@10). */
  tolerance: number
  /** Rows written per list (the route serves k ≤ 20). */
  k: number
  /** Per-article lists for articles published within this many days. */
  articleDays: number
  /** Per-reader lists for consented readers active within this many days. */
  visitorDays: number
}

export const DEFAULT_RECOMMENDATION_JOB: RecommendationJobConfig = {
  trainDays: 28,
  minEngagedMs: 10_000,
  maxReads: 1_000_000,
  minReads: 500,
  epochs: 2,
  maxTrainSeconds: 900,
  testDays: 1,
  tolerance: 0.005,
  k: 20,
  articleDays: 7,
  visitorDays: 14,
}

/** Where the service and the job keep the model registry. */
export function recommendRegistryDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'models', 'recommend')
}

const DAY_MS = 86_400_000

function abortIfStopped(ctx: JobContext): void {
  if (ctx.signal.aborted) throw ctx.signal.reason
}

async function trainAndPromote(
  ctx: JobContext,
  c: RecommendationJobConfig,
  tf: Awaited<ReturnType<typeof initTf>>,
  data: Awaited<ReturnType<typeof loadTrainingData>>,
  registryDir: string,
): Promise<KeyFigures> {
  const figures: KeyFigures = {}
  const { report, trained, catalogue } = await evaluateRecommenders(tf.tf, data, {
    testDays: c.testDays,
    tolerance: c.tolerance,
    train: { epochs: c.epochs, maxSeconds: c.maxTrainSeconds },
    log: ctx.log,
    progress: (p) =>
      ctx.progress(
        `training epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} · loss ${p.loss.toFixed(4)} · ${Math.round(p.examplesPerSec)} examples/s`,
        {
          epoch: p.epoch,
          epochs: p.epochs,
          loss: Number(p.loss.toFixed(4)),
          examples_per_s: Math.round(p.examplesPerSec),
        },
      ),
  })
  abortIfStopped(ctx)
  const m = report.methods
  Object.assign(figures, {
    train_examples: report.split.train_examples,
    test_queries: report.split.queries,
    model_trained: trained ? 1 : 0,
    epochs: report.training.epochs ?? 0,
    train_s: report.training.seconds ?? 0,
    examples_per_s: report.training.examples_per_s ?? 0,
    recall10_model: m.model?.['recall@10'] ?? Number.NaN,
    recall10_popular: m.popular?.['recall@10'] ?? Number.NaN,
    recall10_recent_popular: m.recent_popular?.['recall@10'] ?? Number.NaN,
    recall10_itemknn: m.itemknn?.['recall@10'] ?? Number.NaN,
  })
  ctx.progress(
    `evaluation on ${report.split.queries} held-out reads: recall@10 model ${m.model?.['recall@10'] ?? '—'}, most-read ${m.popular?.['recall@10'] ?? '—'}, trending ${m.recent_popular?.['recall@10'] ?? '—'}, item-kNN ${m.itemknn?.['recall@10'] ?? '—'}`,
  )
  if (!trained || !m.model) return figures

  // The version serving now, measured on today's split (its stored metrics come from another day).
  const current = await loadServingModel(registryDir, ctx.log)
  let reason: string
  let promote = report.served === 'model'
  if (!promote) {
    reason = `the model is below the ${report.served} baseline by more than ${c.tolerance} recall@10`
  } else if (current) {
    const same = await compareModelsOnSplit(
      tf.tf,
      { interactions: data.interactions, catalogue, testDays: c.testDays },
      { candidate: trained.rec, current: current.rec },
    )
    current.rec.model.dispose()
    const cand = same.candidate?.['recall@10'] ?? 0
    const cur = same.current?.['recall@10'] ?? 0
    figures.recall10_current = cur
    figures.recall10_candidate_same_split = cand
    promote = cand >= cur - c.tolerance
    reason = promote
      ? `recall@10 ${cand} vs current v${current.version}'s ${cur} on the same split`
      : `recall@10 ${cand} is below current v${current.version}'s ${cur} on the same split by more than ${c.tolerance}`
  } else {
    reason = 'no model serves yet'
  }
  abortIfStopped(ctx)
  const version = await writeVersion(registryDir, trained.rec, {
    data_window: {
      train_from: report.split.train_from,
      train_to: report.split.train_to,
      test_from: report.split.test_from,
      test_to: report.split.test_to,
    },
    backend: tf.backend,
    training_seconds: report.training.seconds ?? 0,
    ...(report.training.examples_per_s ? { examples_per_s: report.training.examples_per_s } : {}),
    metrics: m.model,
    baselines: { popular: m.popular, recent_popular: m.recent_popular, itemknn: m.itemknn },
  })
  trained.rec.model.dispose()
  figures.new_version = version
  if (promote) {
    // The not-worse decision was made above on a common split; the registry still refuses files that do not load.
    const result = await promoteIfNotWorse(registryDir, version, { tolerance: 1, log: ctx.log })
    figures.promoted = result.promoted ? 1 : 0
    ctx.progress(`registry: ${result.reason} (${reason})`)
  } else {
    figures.promoted = 0
    ctx.log.info({ version, reason }, `recommendations: v${version} kept but not promoted: ${reason}`)
    ctx.progress(`registry: v${version} not promoted: ${reason}`)
  }
  return figures
}

async function scoreAndWrite(
  ctx: JobContext,
  c: RecommendationJobConfig,
  tf: Awaited<ReturnType<typeof initTf>>,
  registryDir: string,
  asOf: number,
): Promise<KeyFigures> {
  const loaded = await loadServingModel(registryDir, ctx.log)
  const model: ServingModel | null = loaded ? servingModel(loaded.rec, loaded.version) : null
  const snap = await loadServingSnapshot(ctx.ch, {
    now: asOf,
    historyDays: c.visitorDays,
    precomputed: false,
  })
  abortIfStopped(ctx)
  const sameLanguage = new Map<string, Set<string>>()
  for (const s of snap.sites) {
    const peers = snap.sites.filter((x) => x.agency_id === s.agency_id && x.language === s.language)
    sameLanguage.set(s.site_id, new Set(peers.map((x) => x.site_id)))
  }
  const generatedAt = ctx.now()
  const rows: RecommendationRecord[] = []
  let lists = 0
  let fallbackLists = 0
  const agencies = [...new Set(snap.articles.map((a) => a.agency))].sort()
  for (const agency of agencies) {
    abortIfStopped(ctx)
    const idx = buildAgencyIndex(tf.tf, { agency, articles: snap.articles, trending: snap.trending, model })
    const push = (
      site: string,
      kind: 'article' | 'visitor',
      key: string,
      history: string[],
      section?: string,
    ) => {
      const res = recommendFromIndex(idx, {
        now: asOf,
        history,
        read: new Set(history),
        k: c.k,
        sites: sameLanguage.get(site) ?? new Set([site]),
        ...(section ? { section } : {}),
      })
      if (res.items.length === 0) return
      lists++
      if (!res.items.some((p) => p.source === 'model')) fallbackLists++
      res.items.forEach((p, i) => {
        rows.push({
          agency_id: agency,
          site_id: site,
          kind,
          key,
          rank: i + 1,
          article_id: p.article.articleId,
          score: p.score,
          reason: p.source === 'model' ? (kind === 'article' ? 'related' : 'for_you') : p.source,
          model_version: p.source === 'model' && model ? model.version : 0,
          run_id: ctx.runId,
          generated_at: generatedAt,
        })
      })
    }
    const agencyRows = rows.length
    for (const a of idx.articles) {
      if (a.published > asOf || a.published < asOf - c.articleDays * DAY_MS) continue
      push(a.site, 'article', a.articleId, [servingKey(a.site, a.articleId)], a.section)
    }
    const agencySites = new Set(idx.articles.map((a) => a.site))
    for (const h of snap.histories) {
      if (!agencySites.has(h.site)) continue
      push(
        h.site,
        'visitor',
        h.visitor,
        h.articles.map((id) => servingKey(h.site, id)),
      )
    }
    ctx.progress(`scored ${agency}: ${rows.length - agencyRows} rows`, { agency })
  }
  abortIfStopped(ctx)
  await insertRecommendations(ctx.ch, rows)
  loaded?.rec.model.dispose()
  return {
    model_version: model?.version ?? 0,
    lists,
    lists_fallback_only: fallbackLists,
    rows: rows.length,
    rows_article: rows.filter((r) => r.kind === 'article').length,
    rows_visitor: rows.filter((r) => r.kind === 'visitor').length,
  }
}

/**
 * The `recommendations` job definition (nightly at 02:30 Vietnam time).
 * @example registry.registerJob(createRecommendationJob())
 */
export function createRecommendationJob(config: Partial<RecommendationJobConfig> = {}): JobDefinition {
  const c = { ...DEFAULT_RECOMMENDATION_JOB, ...config }
  return {
    name: RECOMMENDATIONS_JOB,
    schedule: '30 2 * * *',
    description: 'train, evaluate and promote the recommender; write top-K lists per article and reader',
    catchUp: 1,
    retry: { attempts: 2, backoffMs: 60_000 },
    async run(ctx) {
      // A run about day D sees reads up to the end of D (or up to now, for a run about today).
      const asOf = Math.min(ctx.now().getTime(), vietnamMidnight(addDays(ctx.day, 1)).getTime())
      const registryDir = recommendRegistryDir(ctx.dataDir)
      const tf = await initTf({ log: (msg, fields) => ctx.log.info(fields ?? {}, msg) })
      const data = await loadTrainingData(ctx.ch, {
        fromMs: asOf - c.trainDays * DAY_MS,
        toMs: asOf,
        minEngagedMs: c.minEngagedMs,
        maxReads: c.maxReads,
        catalogueLookbackMs: 30 * DAY_MS,
      })
      ctx.progress(
        `training data: ${data.interactions.length} reads with ≥ ${c.minEngagedMs / 1000} s engaged (of ${data.pageviews} article pageviews), ${data.items.length} articles`,
      )
      abortIfStopped(ctx)
      let figures: KeyFigures = {
        interactions: data.interactions.length,
        pageviews: data.pageviews,
        articles: data.items.length,
      }
      if (data.interactions.length < c.minReads) {
        ctx.log.warn(
          { interactions: data.interactions.length, need: c.minReads, days: c.trainDays },
          `recommendations: only ${data.interactions.length} engaged reads in the last ${c.trainDays} days (need ≥ ${c.minReads}); no model trained — lists come from the current model if one exists, else trending and fresh`,
        )
        figures.model_trained = 0
        figures.promoted = 0
      } else {
        figures = { ...figures, ...(await trainAndPromote(ctx, c, tf, data, registryDir)) }
      }
      abortIfStopped(ctx)
      return { ...figures, ...(await scoreAndWrite(ctx, c, tf, registryDir, asOf)) }
    },
  }
}
