// `nhip migrate`: apply pending ClickHouse migrations and say what was done.
import { openClickHouse } from '../../infra/clickhouse/client.ts'
import { migrate } from '../../infra/clickhouse/migrate.ts'
import type { Context } from '../context.ts'

export async function migrateCommand(ctx: Context): Promise<void> {
  const ch = await openClickHouse(ctx.config.clickhouse, { command: 'nhip migrate' })
  try {
    const { applied, alreadyApplied } = await migrate(ch, {
      log: ctx.log,
      cluster: ctx.config.clickhouse.kind === 'server' ? ctx.config.clickhouse.cluster : undefined,
    })
    const lines = applied.map((m) => `  applied ${m.file}`)
    lines.push(
      applied.length
        ? `${applied.length} migration(s) applied, ${alreadyApplied} already applied (${ch.where}, database ${ch.database}).`
        : `Nothing to apply: all ${alreadyApplied} migrations already applied (${ch.where}, database ${ch.database}).`,
    )
    process.stdout.write(`${lines.join('\n')}\n`)
  } finally {
    await ch.close()
  }
}
