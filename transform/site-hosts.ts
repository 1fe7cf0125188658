// The hosts of every registered site, read from ClickHouse (transform shares no code with ingest but
// the contract, so it reads the `sites` table itself) and refreshed in the background.
import type { ClickHouse } from '../infra/clickhouse/client.ts'

export interface SiteHosts {
  hosts(siteId: string): readonly string[]
  refresh(): Promise<void>
  close(): void
}

export async function createSiteHosts(ch: ClickHouse, opts: { refreshMs?: number; onError?: (err: unknown) => void } = {}): Promise<SiteHosts> {
  let map = new Map<string, string[]>()
  const refresh = async () => {
    const rs = await ch.client.query({
      query: `SELECT site_id, domains FROM ${ch.database}.sites FINAL WHERE deleted = 0`,
      format: 'JSONEachRow',
    })
    map = new Map((await rs.json<{ site_id: string; domains: string[] }>()).map((r) => [r.site_id, r.domains]))
  }
  await refresh()
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => opts.onError?.(err))
  }, opts.refreshMs ?? 30_000)
  timer.unref()
  return { hosts: (id) => map.get(id) ?? [], refresh, close: () => clearInterval(timer) }
}
