// The audit trail (`audit_log`): one append per security-relevant action. A failed audit write fails the
// action's command — an action that cannot be recorded is not silently done.
import os from 'node:os'
import type { ClickHouse } from './clickhouse/client.ts'

export interface AuditEntry {
  actor: string
  action: string
  agencyId?: string
  target?: string
  /** Never secrets: keys and passwords stay out of the audit trail too. */
  details?: Record<string, unknown>
}

/** The actor name for commands run from a shell. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`
  } catch {
    return 'cli'
  }
}

/**
 * @example await audit(ch, { actor: cliActor(), action: 'site.rotate_key', agencyId: 'lamdong', target: 'baolamdong' })
 */
export async function audit(ch: ClickHouse, entry: AuditEntry): Promise<void> {
  await ch.client.insert({
    table: `${ch.database}.audit_log`,
    format: 'JSONEachRow',
    values: [
      {
        at: new Date().toISOString().replace('T', ' ').replace('Z', ''),
        actor: entry.actor,
        action: entry.action,
        agency_id: entry.agencyId ?? '',
        target: entry.target ?? '',
        details: entry.details ? JSON.stringify(entry.details) : '',
      },
    ],
  })
}
