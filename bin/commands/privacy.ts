// `nhip privacy erase --visitor ID`: a reader's right to erasure. Deletes every row that carries the
// visitor id (events, sessions, recommendations, … — any table with a `visitor_id` column) and audits it.
// Aggregated rollups keep their counts: they hold no identifier.
import { audit, cliActor } from '../../infra/audit.ts'
import { ConfigError } from '../../infra/errors.ts'
import { type Context, openMigrated } from '../context.ts'

export async function privacyEraseCommand(ctx: Context, opts: { visitor: string; site?: string }): Promise<void> {
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(opts.visitor)) throw new ConfigError('--visitor must be a visitor id (8-64 URL-safe characters)')
  const ch = await openMigrated(ctx, 'nhip privacy erase')
  try {
    const tables = await (
      await ch.client.query({
        query: `SELECT table FROM system.columns WHERE database = {db:String} AND name = 'visitor_id'
                AND table IN (SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree%')`,
        query_params: { db: ch.database },
        format: 'JSONEachRow',
      })
    ).json<{ table: string }>()
    const counts: Record<string, number> = {}
    for (const { table } of tables) {
      const where = `visitor_id = {v:String}${opts.site ? ' AND site_id = {s:String}' : ''}`
      const params = { v: opts.visitor, ...(opts.site ? { s: opts.site } : {}) }
      const [row] = await (
        await ch.client.query({ query: `SELECT count() AS n FROM ${ch.database}.${table} WHERE ${where}`, query_params: params, format: 'JSONEachRow' })
      ).json<{ n: string }>()
      const n = Number(row?.n ?? 0)
      counts[table] = n
      if (n > 0) {
        // Inline SETTINGS: per-query settings would stick to a chDB connection; inline ones do not.
        await ch.client.command({
          query: `ALTER TABLE ${ch.database}.${table} DELETE WHERE ${where} SETTINGS mutations_sync = 2`,
          query_params: params,
        })
      }
    }
    await audit(ch, { actor: cliActor(), action: 'privacy.erase', target: opts.visitor, details: { site: opts.site ?? '*', rows: counts } })
    ctx.log.info({ visitor_hash_prefix: opts.visitor.slice(0, 4), rows: counts }, 'visitor erased')
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    process.stdout.write(
      `Erased ${total} row(s) of visitor ${opts.visitor}: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ') || 'no tables'}\n`,
    )
  } finally {
    await ch.close()
  }
}
