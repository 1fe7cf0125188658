// `nhip access agency --agency A` / `nhip access platform`: analysts of one agency see only its rows.
// On a ClickHouse server this applies roles, grants and row policies; the embedded engine has no users,
// so there the SQL is printed for review and the service's own SQL surfaces enforce the agency filter.
import { audit, cliActor } from '../../infra/audit.ts'
import { agencyAccessSql, platformAccessSql } from '../../infra/clickhouse/row-policies.ts'
import { type Context, openMigrated } from '../context.ts'

export async function accessCommand(ctx: Context, opts: { agency?: string; platform?: boolean; print?: boolean }): Promise<void> {
  const database = ctx.config.clickhouse.database
  const statements = opts.platform ? platformAccessSql({ database }) : agencyAccessSql({ database, agencyId: opts.agency ?? '' })
  if (opts.print || ctx.config.clickhouse.kind === 'embedded') {
    if (ctx.config.clickhouse.kind === 'embedded' && !opts.print) {
      process.stderr.write('The embedded engine has no users or row policies; this is the SQL to apply on a ClickHouse server:\n')
    }
    process.stdout.write(`${statements.map((s) => `${s};`).join('\n')}\n`)
    return
  }
  const ch = await openMigrated(ctx, 'nhip access')
  try {
    for (const query of statements) await ch.client.command({ query })
    await audit(ch, { actor: cliActor(), action: opts.platform ? 'access.platform' : 'access.agency', agencyId: opts.agency ?? '', details: { statements: statements.length } })
    process.stdout.write(`Applied ${statements.length} statements on ${ch.where}. Grant the role to the analysts' users.\n`)
  } finally {
    await ch.close()
  }
}
