// Nightly housekeeping: removes temporary files left by runs that were killed mid-write, and deletes
// web sessions that expired more than a day ago (the table's TTL does it too, at merge time).
import { readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { TMP_SUFFIX } from './atomic-file.ts'
import type { JobDefinition } from './job.ts'

/** Temporary files older than this belong to a dead writer. */
const STALE_TMP_MS = 3_600_000

async function removeStaleTmp(dir: string, nowMs: number): Promise<number> {
  let removed = 0
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) removed += await removeStaleTmp(p, nowMs)
    else if (
      e.name.startsWith('.') &&
      e.name.endsWith(TMP_SUFFIX) &&
      nowMs - (await stat(p)).mtimeMs > STALE_TMP_MS
    ) {
      await rm(p, { force: true })
      removed++
    }
  }
  return removed
}

/** The `housekeeping` job (nightly at 03:30 Vietnam time). */
export function createHousekeepingJob(): JobDefinition {
  return {
    name: 'housekeeping',
    schedule: '30 3 * * *',
    description: 'remove stale temporary report files and expired web sessions',
    catchUp: 1,
    async run(ctx) {
      const tmpRemoved = await removeStaleTmp(path.join(ctx.dataDir, 'reports'), ctx.now().getTime())
      const rs = await ctx.ch.client.query({
        query: `SELECT count() AS n FROM ${ctx.ch.database}.web_sessions WHERE expires_at < now64(3) - INTERVAL 1 DAY`,
        format: 'JSONEachRow',
      })
      const expired = Number((await rs.json<{ n: string }>())[0]?.n ?? 0)
      if (expired > 0) {
        await ctx.ch.client.command({
          query: `DELETE FROM ${ctx.ch.database}.web_sessions WHERE expires_at < now64(3) - INTERVAL 1 DAY`,
        })
      }
      ctx.progress(`removed ${tmpRemoved} stale temporary files and ${expired} expired sessions`)
      return { tmp_files_removed: tmpRemoved, expired_sessions_deleted: expired }
    },
  }
}
