// Recommendations end to end on the real engine: simulator reads through the real transform into chDB, the
// nightly job (real TF.js training, file registry, `recommendations` table, run visibility through job_runs),
// and GET /v1/recommendations on a real fastify app (app.inject) backed by the in-memory service.

import { mkdtempSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backfill, SITES, Simulation } from '../../bench/simulator/index.ts'
import { createLogger } from '../../infra/logger.ts'
import { createMetricsRegistry } from '../../infra/metrics.ts'
import { EMBEDDED_TOPICS } from '../../ingest/collector.ts'
import { addSite, createSiteRegistry, listSites, type SiteRegistry } from '../../ingest/sites/sites.ts'
import { createJobRegistry, createScheduler, type JobDefinition } from '../../jobs/index.ts'
import { loadServingSnapshot } from '../../jobs/recommend/data.ts'
import { queryLatestRecommendations } from '../../jobs/recommend/recommendations-table.ts'
import { createRecommendationJob, recommendRegistryDir } from '../../jobs/recommend-job.ts'
import {
  createRecommendationService,
  loadVersion,
  publishVersion,
  type RecommendationService,
  readVersionInfo,
  registerRecommendationsRoute,
} from '../../models/recommend/index.ts'
import { initTf } from '../../models/tf/index.ts'
import { createTransform } from '../../transform/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const END_DAY = '2026-11-20'
/** 23:00 on the last simulated day (Vietnam time): the service's clock. */
const SERVE_NOW = Date.parse('2026-11-20T16:00:00Z')
const JOB_NOW = new Date('2026-11-21T03:00:00Z')
const log = createLogger({ level: 'silent' })

let t: TestClickHouse
let dataDir: string
let sites: SiteRegistry
const apps: FastifyInstance[] = []
const services: RecommendationService[] = []

function scheduler(job: JobDefinition = testJob()) {
  const registry = createJobRegistry()
  registry.registerJob(job)
  return createScheduler({
    ch: t.ch,
    log,
    dataDir,
    registry,
    now: () => JOB_NOW,
    retry: { attempts: 1 },
    lease: { settleMs: 0 },
  })
}

function testJob() {
  return createRecommendationJob({ epochs: 1, minReads: 200 })
}

async function routeApp(opts: { registry?: boolean; load?: typeof loadServingSnapshot } = {}) {
  const { tf } = await initTf({ log: () => {} })
  const service = createRecommendationService({
    tf,
    load: (now) => (opts.load ?? loadServingSnapshot)(t.ch, { now }),
    ...(opts.registry === false ? {} : { registryDir: recommendRegistryDir(dataDir) }),
    log,
    now: () => SERVE_NOW,
  })
  await service.refresh()
  const app = Fastify()
  registerRecommendationsRoute(app, { sites, service, log })
  apps.push(app)
  services.push(service)
  return { app, service }
}

const get = (app: FastifyInstance, query: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: `/v1/recommendations?${query}`, headers })

beforeAll(async () => {
  t = await freshClickHouse()
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nhip-recs-'))
  for (const s of SITES)
    await addSite(t.ch, {
      agency_id: s.agency_id,
      site_id: s.site_id,
      name: s.name,
      domains: [s.domain],
      language: s.language,
    })
  const transform = await createTransform({ ch: t.ch, log, metrics: createMetricsRegistry() })
  try {
    await backfill({
      simulation: new Simulation({ seed: 7, startDay: '2026-11-15', days: 6, scale: 0.6 }),
      deliver: (records) => transform.deliverInProcess(records, EMBEDDED_TOPICS),
      topics: EMBEDDED_TOPICS,
    })
  } finally {
    await transform.close()
  }
  sites = await createSiteRegistry(() => listSites(t.ch), { refreshMs: 600_000 })
}, 300_000)

afterAll(async () => {
  for (const s of services) s.close()
  for (const a of apps) await a.close()
  sites?.close()
  await t?.cleanup()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('recommendations job', () => {
  let firstRun = ''

  it('trains, promotes the first version and writes per-article and per-reader lists', async () => {
    const outcome = await scheduler().runJob('recommendations', { day: END_DAY })
    expect(outcome.status, outcome.error).toBe('succeeded')
    firstRun = outcome.runId ?? ''
    const f = outcome.keyFigures ?? {}
    expect(f.model_trained).toBe(1)
    expect(f.promoted).toBe(1)
    expect(f.model_version).toBe(1)
    expect(f.rows_article).toBeGreaterThan(0)
    expect(f.rows_visitor).toBeGreaterThan(0)
    expect(f.recall10_model).toBeGreaterThan(f.recall10_popular ?? 1)
    const latest = await queryLatestRecommendations(t.ch)
    expect(latest.length).toBe(f.rows)
    expect(
      await rows(t.ch, 'SELECT toString(run_id) AS run_id FROM nhip.recommendations GROUP BY run_id'),
    ).toEqual([{ run_id: firstRun }])
    // Every list belongs to one agency and never contains its own key (the article, or the reader's reads).
    const crossed = await rows(
      t.ch,
      `SELECT r.site_id, r.article_id FROM nhip.recommendations AS r
       LEFT JOIN (SELECT site_id, agency_id FROM nhip.sites FINAL) AS s ON s.site_id = r.site_id
       LEFT JOIN (SELECT article_id, agency_id AS a_agency FROM nhip.v_articles) AS a ON a.article_id = r.article_id
       WHERE a.a_agency != s.agency_id OR (r.kind = 'article' AND r.article_id = r.key)`,
    )
    expect(crossed).toEqual([])
  }, 300_000)

  it('a run that dies after writing is never visible; the next success replaces the lists at once', async () => {
    const real = testJob()
    const dying: JobDefinition = {
      ...real,
      run: async (ctx) => {
        await real.run(ctx)
        throw new Error('killed after writing its rows')
      },
    }
    const failed = await scheduler(dying).runJob('recommendations', { day: END_DAY })
    expect(failed.status, failed.reason).toBe('failed')
    const [written] = await rows<{ n: string }>(
      t.ch,
      `SELECT count() AS n FROM nhip.recommendations WHERE run_id = '${failed.runId}'`,
    )
    expect(Number(written?.n)).toBeGreaterThan(0)
    // Readers still see exactly the first run's lists.
    expect((await queryLatestRecommendations(t.ch)).length).toBe(Number(written?.n))
    expect(
      await rows(t.ch, `SELECT count() AS n FROM nhip.recommendations WHERE run_id = '${firstRun}'`),
    ).toEqual([{ n: written?.n }])

    const second = await scheduler().runJob('recommendations', { day: END_DAY })
    expect(second.status, second.error).toBe('succeeded')
    expect(second.keyFigures?.recall10_current).toBeTypeOf('number')
    const after = await rows<{ run_id: string; n: string }>(
      t.ch,
      `SELECT toString(run_id) AS run_id, count() AS n FROM nhip.recommendations
       WHERE run_id IN (SELECT run_id FROM nhip.job_runs GROUP BY run_id HAVING argMax(status, updated_at) = 'succeeded')
         AND run_id NOT IN ('${firstRun}')
       GROUP BY run_id`,
    )
    expect(after).toEqual([{ run_id: second.runId, n: String(second.keyFigures?.rows) }])
    expect((await queryLatestRecommendations(t.ch)).length).toBe(second.keyFigures?.rows)
  }, 300_000)
})

describe('GET /v1/recommendations', () => {
  it('answers from the model, never with another agency’s article or one the reader has read', async () => {
    const { app } = await routeApp()
    const snap = await loadServingSnapshot(t.ch, { now: SERVE_NOW })
    const agencyOf = new Map(snap.articles.map((a) => [`${a.site}:${a.articleId}`, a.agency]))
    const siteAgency = new Map(SITES.map((s) => [s.site_id, s.agency_id]))
    let modelAnswers = 0
    let checked = 0
    for (const h of snap.histories.slice(0, 40)) {
      const [article, ...recent] = h.articles
      const res = await get(
        app,
        `site=${h.site}&article=${article}&recent=${recent.slice(0, 5).join(',')}&visitor=${h.visitor}&k=20`,
      )
      expect(res.statusCode, res.body).toBe(200)
      const body = res.json()
      expect(body.site).toBe(h.site)
      if (body.source === 'model') {
        modelAnswers++
        expect(body.model_version).toBeGreaterThanOrEqual(1)
      }
      expect(body.items.length).toBeLessThanOrEqual(20)
      for (const item of body.items) {
        checked++
        expect(Object.keys(item).sort()).toEqual(
          ['article_id', 'premium', 'published_at', 'reason', 'score', 'section', 'title', 'url'].sort(),
        )
        // Articles of another site of the same agency are allowed; another agency's never.
        const candidates = [...agencyOf.entries()].filter(([k]) => k.endsWith(`:${item.article_id}`))
        expect(candidates.some(([, agency]) => agency === siteAgency.get(h.site))).toBe(true)
        expect(h.articles).not.toContain(item.article_id)
        expect(new Date(item.published_at).toISOString()).toBe(item.published_at)
      }
    }
    expect(modelAnswers).toBeGreaterThan(30)
    expect(checked).toBeGreaterThan(300)
  })

  it('scores a brand-new article from its content', async () => {
    const snap = await loadServingSnapshot(t.ch, { now: SERVE_NOW })
    const site = 'baolamdong'
    const fresh = {
      agency: 'baolamdong',
      site,
      articleId: 'bai-moi-10-phut',
      url: 'https://baolamdong.vn/bai-moi-10-phut',
      title: 'Đà Lạt đón mùa hoa dã quỳ, du khách tăng mạnh',
      section: 'Du lịch',
      author: 'Minh Anh',
      tags: ['du lịch', 'Đà Lạt'],
      published: SERVE_NOW - 10 * 60_000,
      paywalled: false,
    }
    fresh.agency = snap.sites.find((s) => s.site_id === site)?.agency_id ?? ''
    const { app } = await routeApp({
      load: async (ch, o) => {
        const s = await loadServingSnapshot(ch, o)
        return { ...s, articles: [...s.articles, fresh] }
      },
    })
    const res = await get(app, `site=${site}&article=${fresh.articleId}&k=5`)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.source).toBe('model')
    expect(body.items).toHaveLength(5)
    expect(
      body.items.every((i: { reason: string }) => ['related', 'trending', 'fresh'].includes(i.reason)),
    ).toBe(true)
  })

  it('rejects bad parameters with 400 naming the field, unknown sites with 404, foreign origins with 403', async () => {
    const { app } = await routeApp()
    const cases: Array<[string, string]> = [
      ['k=3', 'site'],
      ['site=baolamdong&k=50', 'k'],
      ['site=baolamdong&k=abc', 'k'],
      ['site=baolamdong&site=lamdongtv', 'site'],
      ['site=baolamdong&article=a%20b', 'article'],
      [`site=baolamdong&recent=${Array.from({ length: 60 }, (_, i) => `a${i}`).join(',')}`, 'recent'],
    ]
    for (const [query, field] of cases) {
      const res = await get(app, query)
      expect(res.statusCode, query).toBe(400)
      expect(res.json().message).toMatch(new RegExp(`^invalid query: ${field}: `))
    }
    const unknown = await get(app, 'site=khong-co')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ error: 'unknown_site' })

    const own = await get(app, 'site=baolamdong&k=3', { origin: 'https://baolamdong.vn' })
    expect(own.statusCode).toBe(200)
    expect(own.headers['access-control-allow-origin']).toBe('https://baolamdong.vn')
    const foreign = await get(app, 'site=baolamdong&k=3', { origin: 'https://lamdongtv.vn' })
    expect(foreign.statusCode).toBe(403)
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('serves the nightly lists without a model, and the fallbacks for a page it knows nothing about', async () => {
    const { app } = await routeApp({ registry: false })
    const [row] = await queryLatestRecommendations(t.ch).then((r) => r.filter((x) => x.kind === 'article'))
    const pre = await get(app, `site=${row?.site}&article=${row?.key}&k=5`)
    expect(pre.json().source).toBe('precomputed')
    expect(pre.json().model_version).toBeGreaterThanOrEqual(1)
    expect(pre.json().items.map((i: { article_id: string }) => i.article_id)).not.toContain(row?.key)

    const anon = await get(app, 'site=baolamdong&k=5')
    expect(anon.json().source).toBe('fallback')
    expect(anon.json().items).toHaveLength(5)
  })

  it('rejects a corrupt model version and keeps serving the previous one', async () => {
    const dir = recommendRegistryDir(dataDir)
    const { app, service } = await routeApp()
    const serving = (await routeApp()).service.status().modelVersion as number
    expect(serving).toBeGreaterThanOrEqual(1)
    // A newer version is published and promoted, then its weights get truncated on disk.
    const { rec, info } = await loadVersion(dir, serving)
    const published = await publishVersion(
      dir,
      rec,
      { ...info, metrics: { ...info.metrics } },
      { tolerance: 1, log },
    )
    expect(published.promoted).toBe(true)
    const weights = path.join(dir, `v${published.version}`, 'weights.bin')
    await writeFile(weights, (await readFile(weights)).subarray(0, 100))
    await service.refresh()
    expect(service.status().modelVersion).toBe(serving)
    const snap = await loadServingSnapshot(t.ch, { now: SERVE_NOW })
    const h = snap.histories.find((x) => x.site === 'baolamdong')
    const res = await get(app, `site=baolamdong&article=${h?.articles[0]}&k=5`)
    expect(res.json()).toMatchObject({ source: 'model', model_version: serving })
    // A service starting now also skips the corrupt current version.
    const restarted = await routeApp()
    expect(restarted.service.status().modelVersion).toBe(serving)
    expect((await readVersionInfo(dir, published.version)).version).toBe(published.version)
  })
})
