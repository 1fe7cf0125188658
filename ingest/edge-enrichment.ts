// Wires the edge pieces (UA classifier, offline geo database, daily salts in ClickHouse) into the
// collector's EdgeEnrichment. The raw IP and user agent are used here and nowhere after.
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { cookielessVisitorId, createClientFactsDeriver, createSaltStore, createUserAgentClassifier, openGeoLookup } from './edge/index.ts'
import type { EdgeEnrichment } from './http/app.ts'
import { loadSalts, saveSalt } from './sites/salts-table.ts'

export interface OpenedEdge extends EdgeEnrichment {
  close(): void
}

/**
 * @example const edge = await openEdgeEnrichment(ch)
 */
export async function openEdgeEnrichment(ch: ClickHouse, opts: { now?: () => Date } = {}): Promise<OpenedEdge> {
  const geo = await openGeoLookup()
  const facts = createClientFactsDeriver({ classifyUserAgent: createUserAgentClassifier({ cacheSize: 10_000 }), geo })
  const instance = `${os.hostname()}:${process.pid}`
  const salts = createSaltStore({
    load: () => loadSalts(ch),
    save: (rec) => saveSalt(ch, rec, instance),
    now: opts.now ?? (() => new Date()),
    random: (n) => randomBytes(n),
  })
  return {
    clientFacts: (ip, userAgent, hints) =>
      facts({
        ip,
        userAgent,
        hints: {
          ...(hints['sec-ch-ua'] ? { secChUa: hints['sec-ch-ua'] } : {}),
          ...(hints['sec-ch-ua-mobile'] ? { secChUaMobile: hints['sec-ch-ua-mobile'] } : {}),
          ...(hints['sec-ch-ua-platform'] ? { secChUaPlatform: hints['sec-ch-ua-platform'] } : {}),
        },
      }),
    visitorId: async (siteId, ip, userAgent) => cookielessVisitorId({ salt: await salts.current(), siteId, ip, userAgent }),
    close: () => geo.close(),
  }
}
