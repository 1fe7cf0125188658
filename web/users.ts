// The `users` table and password hashing: scrypt (node:crypto) with a per-user random salt, parameters
// stored with the hash so they can be raised later, and a constant-time comparison. Unknown users cost
// the same scrypt as known ones, so timing does not reveal which usernames exist.
import { randomBytes, scrypt as scryptCb, type ScryptOptions, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { AppError } from '../infra/errors.ts'

export const ROLES = ['admin', 'editor', 'analyst'] as const
export type Role = (typeof ROLES)[number]

export interface User {
  username: string
  agency_id: string
  role: Role
  email: string
  password_hash: string
  disabled: boolean
}

export class UserError extends AppError {
  constructor(message: string) {
    super('USER', message)
  }
}

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLen: 32 }

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, keyLen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/**
 * `scrypt$N$r$p$<salt>$<hash>` (base64url), 16-byte random salt.
 * @example const stored = await hashPassword('mật khẩu dài')
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p })
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  )
}

/** Constant-time check of a password against a stored hash; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  const [algo, n, r, p, salt, hash] = parts
  if (parts.length !== 6 || algo !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const N = Number(n)
  if (!Number.isInteger(N) || N < 2 || N > 1_048_576 || expected.length < 16) return false
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N,
    r: Number(r),
    p: Number(p),
  })
  return timingSafeEqual(key, expected)
}

// A hash of nothing anyone knows: verified against when the user does not exist (same cost, same answer).
let decoy: Promise<string> | undefined

export const NewUser = z.object({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9._@-]{1,63}$/, '2–64 lower-case letters, digits, . _ @ -'),
  agency_id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an agency id such as lamdong'),
  role: z.enum(ROLES),
  email: z.union([z.literal(''), z.string().email()]).default(''),
  password: z.string().min(10, 'at least 10 characters').max(1024),
})
export type NewUser = z.input<typeof NewUser>

const chNow = () => new Date().toISOString().replace('T', ' ').replace('Z', '')

const UserRow = z.object({
  username: z.string(),
  agency_id: z.string(),
  role: z.enum(ROLES),
  email: z.string(),
  password_hash: z.string(),
  disabled: z.coerce.number().transform((n) => n === 1),
})

/** The latest version of a user, if any. */
export async function findUser(ch: ClickHouse, username: string): Promise<User | undefined> {
  const rs = await ch.client.query({
    query: `SELECT username, agency_id, role, email, password_hash, disabled FROM ${ch.database}.users FINAL
            WHERE username = {u:String} LIMIT 1`,
    query_params: { u: username.trim().toLowerCase() },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json()
  return row ? UserRow.parse(row) : undefined
}

/**
 * Adds a user; refuses an existing username.
 * @example await createUser(ch, { username: 'hoa', agency_id: 'lamdong', role: 'editor', password })
 */
export async function createUser(ch: ClickHouse, input: NewUser): Promise<Omit<User, 'password_hash'>> {
  const parsed = NewUser.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UserError(`invalid user: ${issue?.path.join('.') || 'input'}: ${issue?.message}`)
  }
  const u = parsed.data
  if (await findUser(ch, u.username)) throw new UserError(`user ${u.username} already exists`)
  const now = chNow()
  await ch.client.insert({
    table: `${ch.database}.users`,
    format: 'JSONEachRow',
    values: [
      {
        username: u.username,
        agency_id: u.agency_id,
        role: u.role,
        email: u.email,
        password_hash: await hashPassword(u.password),
        created_at: now,
        updated_at: now,
        disabled: 0,
      },
    ],
  })
  return { username: u.username, agency_id: u.agency_id, role: u.role, email: u.email, disabled: false }
}

/** The user when the password is right and the account enabled; undefined otherwise (same time either way). */
export async function authenticate(
  ch: ClickHouse,
  username: string,
  password: string,
): Promise<User | undefined> {
  const user = await findUser(ch, username)
  if (!user) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'))
    await verifyPassword(password, await decoy)
    return undefined
  }
  const ok = await verifyPassword(password, user.password_hash)
  return ok && !user.disabled ? user : undefined
}

/** A random password for `nhip users add` without --password-stdin (shown once). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
