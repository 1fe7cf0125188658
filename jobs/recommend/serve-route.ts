// Wires GET /v1/recommendations into a running service: TF.js, the in-memory RecommendationService refreshed
// from ClickHouse (articles, trending, consented readers' reads, the latest succeeded job run's lists) and the
// model registry in the data dir. A failed first refresh is logged and retried by the timer; it never stops
// the service (the route answers with fallbacks until an index is there).
import type { FastifyInstance } from 'fastify'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { errorMessage } from '../../infra/errors.ts'
import type { Logger } from '../../infra/logger.ts'
import {
  createRecommendationService,
  type RecommendationService,
  type RecommendationsRouteDeps,
  registerRecommendationsRoute,
} from '../../models/recommend/index.ts'
import { initTf } from '../../models/tf/index.ts'
import { recommendRegistryDir } from '../recommend-job.ts'
import { loadServingSnapshot } from './data.ts'

export interface RecommendationsServingDeps {
  ch: ClickHouse
  sites: RecommendationsRouteDeps['sites']
  dataDir: string
  log: Logger
  refreshMs?: number
}

/**
 * Registers the route on `app` and starts the index refresh; returns the service (close it on shutdown).
 * @example const recs = await serveRecommendations(collector.app, { ch, sites: collector.sites, dataDir, log })
 */
export async function serveRecommendations(
  app: FastifyInstance,
  deps: RecommendationsServingDeps,
): Promise<RecommendationService> {
  const log = deps.log.child({ component: 'recommendations' })
  const { tf } = await initTf({ log: (msg, fields) => log.info(fields ?? {}, msg) })
  const service = createRecommendationService({
    tf,
    load: (now) => loadServingSnapshot(deps.ch, { now }),
    registryDir: recommendRegistryDir(deps.dataDir),
    log,
    ...(deps.refreshMs ? { refreshMs: deps.refreshMs } : {}),
  })
  registerRecommendationsRoute(app, { sites: deps.sites, service, log })
  try {
    await service.start()
    const s = service.status()
    log.info(
      { model_version: s.modelVersion, articles: s.articles, agencies: s.agencies },
      'recommendations index ready',
    )
  } catch (err) {
    log.error(
      { err: errorMessage(err) },
      'recommendations: first index refresh failed; answering with fallbacks until a refresh succeeds',
    )
  }
  return service
}
