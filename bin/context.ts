// The composition root's shared pieces: config parsed once, the logger, and opening ClickHouse migrated.
import { type Config, loadConfig, readEnv } from '../infra/config.ts'
import { type ClickHouse, openClickHouse } from '../infra/clickhouse/client.ts'
import { migrate } from '../infra/clickhouse/migrate.ts'
import { applyRetention } from '../infra/clickhouse/tables/retention.ts'
import { createLogger, type Logger } from '../infra/logger.ts'

export interface Context {
  config: Config
  log: Logger
}

/** Reads env (+ .env) once and builds the logger. Throws ConfigError naming the bad variable. */
export function createContext(name: string): Context {
  const config = loadConfig(readEnv(process.env, process.cwd()))
  return { config, log: createLogger({ level: config.logLevel, name }) }
}

/** Opens ClickHouse and applies pending migrations (done at every start). */
export async function openMigrated(ctx: Context, command: string): Promise<ClickHouse> {
  const ch = await openClickHouse(ctx.config.clickhouse, { command })
  try {
    const cluster = ctx.config.clickhouse.kind === 'server' ? ctx.config.clickhouse.cluster : undefined
    await migrate(ch, { log: ctx.log, cluster })
    // Retention is configuration, not schema: TTLs follow the config at every start.
    const changes = await applyRetention(ch, ctx.config.retention, { cluster })
    const applied = changes.filter((c) => c.statement)
    if (applied.length) ctx.log.info({ tables: applied.map((c) => `${c.table}: ${c.ttl ?? 'kept forever'}`) }, 'retention updated')
    return ch
  } catch (err) {
    await ch.close()
    throw err
  }
}
