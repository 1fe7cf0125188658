// Leases in ClickHouse so a job runs once at a time across every instance sharing the database.
// Acquire = insert a row (server-clock acquired_at and expires_at), wait a settle time so that rows
// inserted just before ours are visible, then read the live rows of the key: the earliest acquired_at
// wins (ties by token), the convergence rule used for visitor salts. Only the winner proceeds; a loser
// marks its row released. The winner renews before expiry and stops when a renewal finds the lease gone;
// a crashed winner stops renewing, so its lease expires and the next contender wins.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { chTime } from './runs-table.ts'

export interface LeaseHolder {
  token: string
  holder: string
  scheduledFor: Date
}

export interface Lease extends LeaseHolder {
  key: string
  /** Extends the lease; false when it had expired, was released, or another holder won meanwhile. */
  renew(): Promise<boolean>
  release(): Promise<void>
}

export type AcquireResult =
  | { acquired: true; lease: Lease }
  | { acquired: false; current: LeaseHolder | undefined }

export interface LeaseOptions {
  key: string
  holder: string
  scheduledFor: Date
  ttlMs: number
  /** Wait between the insert and the read-back; longer than any insert takes to become visible. */
  settleMs: number
  /** A renewal is refused when less than this is left (it might land after expiry). Default ttl / 4. */
  renewMarginMs?: number
}

const Winner = z.object({ token: z.string(), holder: z.string(), scheduled_for: z.coerce.number() })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The live holder of a lease key (earliest acquired among unreleased, unexpired tokens), if any. */
export async function currentLeaseHolder(ch: ClickHouse, key: string): Promise<LeaseHolder | undefined> {
  const rs = await ch.client.query({
    query: `SELECT token, h AS holder, toUnixTimestamp64Milli(sched) AS scheduled_for
            FROM (
              SELECT token, argMax(holder, updated_at) AS h, argMax(scheduled_for, updated_at) AS sched,
                     min(acquired_at) AS acq, argMax(expires_at, updated_at) AS exp, argMax(released, updated_at) AS rel
              FROM ${ch.database}.job_leases WHERE lease_key = {key:String} GROUP BY token
            )
            WHERE rel = 0 AND exp > now64(6)
            ORDER BY acq, token LIMIT 1`,
    query_params: { key },
    format: 'JSONEachRow',
  })
  const row = (await rs.json())[0]
  if (!row) return undefined
  const w = Winner.parse(row)
  return { token: w.token, holder: w.holder, scheduledFor: new Date(w.scheduled_for) }
}

/** Inserts a newer version of a token's row: renewed (expiry from the server clock) or released. */
async function writeVersion(
  ch: ClickHouse,
  key: string,
  token: string,
  change: { ttlMs: number } | 'release',
): Promise<void> {
  const expires = change === 'release' ? 'now64(6)' : 'now64(6) + toIntervalMillisecond({ttl:UInt32})'
  await ch.client.command({
    query: `INSERT INTO ${ch.database}.job_leases (lease_key, token, holder, scheduled_for, acquired_at, expires_at, released, updated_at)
            SELECT lease_key, token, argMax(holder, updated_at), argMax(scheduled_for, updated_at), min(acquired_at),
                   ${expires}, ${change === 'release' ? 1 : 0}, now64(6)
            FROM ${ch.database}.job_leases WHERE lease_key = {key:String} AND token = {token:String}
            GROUP BY lease_key, token`,
    query_params: { key, token, ttl: change === 'release' ? 0 : change.ttlMs },
  })
}

/**
 * Tries once to take the lease `key`. Resolves `{ acquired: false, current }` when someone else holds it.
 * @example const r = await acquireLease(ch, { key: 'daily-report', holder: 'host:123', scheduledFor, ttlMs: 60_000, settleMs: 500 })
 */
export async function acquireLease(ch: ClickHouse, opts: LeaseOptions): Promise<AcquireResult> {
  const token = randomBytes(16).toString('hex')
  const margin = opts.renewMarginMs ?? Math.floor(opts.ttlMs / 4)
  await ch.client.command({
    query: `INSERT INTO ${ch.database}.job_leases (lease_key, token, holder, scheduled_for, expires_at)
            SELECT {key:String}, {token:String}, {holder:String}, {at:DateTime64(3, 'UTC')}, now64(6) + toIntervalMillisecond({ttl:UInt32})`,
    query_params: {
      key: opts.key,
      token,
      holder: opts.holder,
      at: chTime(opts.scheduledFor),
      ttl: opts.ttlMs,
    },
  })
  if (opts.settleMs > 0) await sleep(opts.settleMs)
  const current = await currentLeaseHolder(ch, opts.key)
  if (current?.token !== token) {
    await writeVersion(ch, opts.key, token, 'release')
    return { acquired: false, current }
  }
  let lost = false
  const lease: Lease = {
    key: opts.key,
    token,
    holder: opts.holder,
    scheduledFor: opts.scheduledFor,
    async renew() {
      if (lost) return false
      const rs = await ch.client.query({
        query: `SELECT toUnixTimestamp64Milli(argMax(expires_at, updated_at)) - toUnixTimestamp64Milli(now64(6)) AS left_ms,
                       argMax(released, updated_at) AS rel
                FROM ${ch.database}.job_leases WHERE lease_key = {key:String} AND token = {token:String}`,
        query_params: { key: opts.key, token },
        format: 'JSONEachRow',
      })
      const [state] = await rs.json<{ left_ms: string | number; rel: number }>()
      if (!state || Number(state.rel) === 1 || Number(state.left_ms) < margin) {
        lost = true
        return false
      }
      await writeVersion(ch, opts.key, token, { ttlMs: opts.ttlMs })
      const holder = await currentLeaseHolder(ch, opts.key)
      if (holder?.token !== token) lost = true
      return !lost
    },
    async release() {
      lost = true
      await writeVersion(ch, opts.key, token, 'release')
    },
  }
  return { acquired: true, lease }
}
