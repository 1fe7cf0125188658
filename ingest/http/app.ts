// The collector's HTTP surface, built from injected dependencies so tests drive it in-process (app.inject).
import Fastify, { type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

/** A component /healthz reports on: resolves when healthy, throws with the reason otherwise. */
export type HealthCheck = () => Promise<void>

export interface CollectorDeps {
  metrics: Registry
  health: Record<string, HealthCheck>
  /** Longest a health check may take before it counts as failed. */
  healthTimeoutMs?: number
}

/**
 * Builds the HTTP app (not listening yet).
 * @example const app = createCollectorApp({ metrics, health: { clickhouse: () => ping() } })
 */
export function createCollectorApp(deps: CollectorDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 })
  const timeoutMs = deps.healthTimeoutMs ?? 2000

  app.get('/healthz', async (_req, reply) => {
    const results = await Promise.all(
      Object.entries(deps.health).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined
        try {
          await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
            }),
          ])
          return [name, { ok: true }] as const
        } catch (err) {
          return [name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const
        } finally {
          clearTimeout(timer)
        }
      }),
    )
    const ok = results.every(([, r]) => r.ok)
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks: Object.fromEntries(results) })
  })

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.contentType)
    return deps.metrics.metrics()
  })

  return app
}
