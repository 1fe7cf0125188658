// Recommendations on a platform with no data yet (a new province, a new site): the nightly job succeeds with
// fallbacks and one clear log line, and GET /v1/recommendations answers 200 with the fallback shape.
import Fastify from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { addSite, createSiteRegistry, listSites } from '../../ingest/sites/sites.ts'
import { createJobRegistry, createScheduler } from '../../jobs/index.ts'
import { loadServingSnapshot } from '../../jobs/recommend/data.ts'
import { createRecommendationJob, recommendRegistryDir } from '../../jobs/recommend-job.ts'
import { createRecommendationService, registerRecommendationsRoute } from '../../models/recommend/index.ts'
import { initTf } from '../../models/tf/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

let t: TestClickHouse

beforeAll(async () => {
  t = await freshClickHouse()
  await addSite(t.ch, { agency_id: 'moi', site_id: 'baomoi-tinh', domains: ['baomoi-tinh.vn'] })
})
afterAll(async () => {
  await t?.cleanup()
})

describe('recommendations without data', () => {
  it('the job succeeds, writes nothing, and says why in one warning', async () => {
    const lines: Array<{ level: number; msg: string }> = []
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
    const registry = createJobRegistry()
    registry.registerJob(createRecommendationJob({ epochs: 1 }))
    const outcome = await createScheduler({
      ch: t.ch,
      log,
      dataDir: t.dir,
      registry,
      retry: { attempts: 1 },
      lease: { settleMs: 0 },
    }).runJob('recommendations')
    expect(outcome.status, outcome.error).toBe('succeeded')
    expect(outcome.keyFigures).toMatchObject({ interactions: 0, model_trained: 0, rows: 0, model_version: 0 })
    const warnings = lines.filter((l) => l.level >= 40)
    const notes = warnings.filter((l) => l.msg.startsWith('recommendations: only 0 engaged reads'))
    expect(warnings.map((l) => l.msg)).toEqual(notes.map((l) => l.msg))
    expect(notes).toHaveLength(1)
    expect(notes[0]?.msg).toContain('no model trained')
    expect(await rows(t.ch, 'SELECT count() AS n FROM nhip.recommendations')).toEqual([{ n: '0' }])
  }, 120_000)

  it('the route answers 200 with no items from the fallback', async () => {
    const sites = await createSiteRegistry(() => listSites(t.ch), { refreshMs: 600_000 })
    const { tf } = await initTf({ log: () => {} })
    const log = createLogger({ level: 'silent' })
    const service = createRecommendationService({
      tf,
      load: (now) => loadServingSnapshot(t.ch, { now }),
      registryDir: recommendRegistryDir(t.dir),
      log,
    })
    await service.refresh()
    const app = Fastify()
    registerRecommendationsRoute(app, { sites, service, log })
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/recommendations?site=baomoi-tinh&article=bai-1&visitor=abcdefgh12&recent=bai-0&k=4',
      })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ site: 'baomoi-tinh', items: [], source: 'fallback', model_version: null })
    } finally {
      await app.close()
      service.close()
      sites.close()
    }
  })
})
