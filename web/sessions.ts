// Sign-in sessions in `web_sessions`: the cookie carries a random 256-bit token, the table only its SHA-256.
// The CSRF token of a session is an HMAC of the session token, so forms can be checked without storing it.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { ROLES, type Role } from './users.ts'

export interface WebSession {
  tokenHash: string
  username: string
  agency_id: string
  role: Role
  expiresAt: Date
}

export const SESSION_TTL_MS = 12 * 3_600_000

const chTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '')

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Per-session CSRF token (derived, not stored). */
export function csrfToken(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('nhip-csrf-v1').digest('base64url')
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Creates a session; returns the raw token for the cookie (never stored). */
export async function createSession(
  ch: ClickHouse,
  user: { username: string; agency_id: string; role: Role },
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS)
  await ch.client.insert({
    table: `${ch.database}.web_sessions`,
    format: 'JSONEachRow',
    values: [
      {
        token_hash: hashToken(token),
        username: user.username,
        agency_id: user.agency_id,
        role: user.role,
        created_at: chTime(now),
        expires_at: chTime(expiresAt),
        revoked: 0,
        updated_at: `${chTime(now)}000`,
      },
    ],
  })
  return { token, expiresAt }
}

const Row = z.object({
  token_hash: z.string(),
  username: z.string(),
  agency_id: z.string(),
  role: z.enum(ROLES),
  expires_ms: z.coerce.number(),
  revoked: z.coerce.number(),
  user_disabled: z.coerce.number(),
  found_user: z.string(),
})

/** The live session of a cookie token: not expired, not revoked, its user still enabled. */
export async function findSession(ch: ClickHouse, token: string, now: Date): Promise<WebSession | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  const rs = await ch.client.query({
    query: `SELECT s.token_hash AS token_hash, s.username AS username, s.agency_id AS agency_id, s.role AS role,
                   toUnixTimestamp64Milli(s.expires_at) AS expires_ms, s.revoked AS revoked,
                   u.disabled AS user_disabled, u.username AS found_user
            FROM (SELECT * FROM ${ch.database}.web_sessions FINAL WHERE token_hash = {h:String}) AS s
            LEFT JOIN (SELECT username, disabled, agency_id FROM ${ch.database}.users FINAL) AS u
              ON u.username = s.username AND u.agency_id = s.agency_id`,
    query_params: { h: hashToken(token) },
    format: 'JSONEachRow',
  })
  const [raw] = await rs.json()
  if (!raw) return undefined
  const row = Row.parse(raw)
  if (row.revoked || row.user_disabled || !row.found_user || row.expires_ms <= now.getTime()) return undefined
  return {
    tokenHash: row.token_hash,
    username: row.username,
    agency_id: row.agency_id,
    role: row.role,
    expiresAt: new Date(row.expires_ms),
  }
}

/** Revokes a session (sign-out): a newer version with revoked = 1. */
export async function revokeSession(ch: ClickHouse, s: WebSession, now: Date): Promise<void> {
  await ch.client.insert({
    table: `${ch.database}.web_sessions`,
    format: 'JSONEachRow',
    values: [
      {
        token_hash: s.tokenHash,
        username: s.username,
        agency_id: s.agency_id,
        role: s.role,
        created_at: chTime(now),
        expires_at: chTime(s.expiresAt),
        revoked: 1,
        updated_at: `${chTime(now)}999`,
      },
    ],
  })
}
