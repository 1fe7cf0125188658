// Cookieless visitor ids (as Plausible does): a keyed hash of site, IP and user agent under a secret salt
// that changes every Vietnam calendar day and is then forgotten, so ids cannot be linked across days
// and nobody — us included — can recompute an id from an IP once the salt is gone.

import { createHmac } from 'node:crypto'
import { vietnamDay as vietnamCalendarDay } from '../../jobs/vietnam-time.ts'

export const VISITOR_ID_LENGTH = 22
export const SALT_BYTES = 32
export const VIETNAM_TIME_ZONE = 'Asia/Ho_Chi_Minh'

export interface VisitorIdInput {
  salt: Buffer
  siteId: string
  ip: string
  userAgent: string
}

/**
 * HMAC-SHA256(salt, site ‖ ip ‖ ua), base64url, first 22 characters (132 bits).
 * The IP is normalised first (trimmed, lower-cased, IPv4-mapped IPv6 unwrapped) so one reader gets one id
 * whether the socket reports `::ffff:1.2.3.4` or `1.2.3.4`.
 * @example cookielessVisitorId({ salt, siteId: 'baolamdong', ip: '14.160.0.1', userAgent: ua }) // 'q3v…' (22 chars)
 */
export function cookielessVisitorId(input: VisitorIdInput): string {
  if (input.salt.length < 16) throw new Error('visitor id salt must be at least 16 bytes')
  const ip = input.ip
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')
  return createHmac('sha256', input.salt)
    .update(input.siteId)
    .update('\u0000')
    .update(ip)
    .update('\u0000')
    .update(input.userAgent)
    .digest('base64url')
    .slice(0, VISITOR_ID_LENGTH)
}

/** One day's salt. `day` is the Vietnam calendar day it belongs to, `YYYY-MM-DD`. */
export interface SaltRecord {
  day: string
  salt: Buffer
}

export interface SaltStoreDeps {
  /** Every stored salt record. Called at start and after each save (to converge with other collectors). */
  load(): Promise<SaltRecord[]>
  /** Persists a new salt. The store may delete records older than `rec.day` minus one day. */
  save(rec: SaltRecord): Promise<void>
  now(): Date
  /** Cryptographically random bytes (crypto.randomBytes in production). */
  random(n: number): Buffer
}

export interface SaltStore {
  /** Today's salt (Vietnam calendar day), created and saved on first use of the day. */
  current(): Promise<Buffer>
  /** The salt of the Vietnam day containing `at`, if that is today or yesterday; never creates one for yesterday. */
  saltFor(at: Date): Promise<Buffer | undefined>
}

/**
 * Daily rotating salts with injected persistence. Keeps only today's and yesterday's salt in memory,
 * never issues a salt for a day other than its own, and never accepts a new salt equal to a known one.
 *
 * With several collectors sharing one store, two may create today's salt at the same moment; after saving,
 * each reloads and all adopt the same winner (the lexicographically smallest salt saved for the day), so
 * ids agree once the store is consistent. Ids computed in between may differ — acceptable for a few requests.
 *
 * @example
 * const salts = createSaltStore({ load, save, now: () => new Date(), random: randomBytes })
 * const id = cookielessVisitorId({ salt: await salts.current(), siteId, ip, userAgent })
 */
export function createSaltStore(deps: SaltStoreDeps): SaltStore {
  /** day → salt, only today and yesterday. */
  const salts = new Map<string, Buffer>()
  /** Every salt ever seen by this process, as hex, to refuse a repeat from a broken random source. */
  const seen = new Set<string>()
  let loaded: Promise<void> | undefined
  let creating: Promise<Buffer> | undefined

  const adopt = (records: SaltRecord[], today: string) => {
    const yesterday = previousDay(today)
    const best = new Map<string, Buffer>()
    for (const rec of records) {
      if (!isSaltRecord(rec)) continue
      seen.add(rec.salt.toString('hex'))
      if (rec.day !== today && rec.day !== yesterday) continue
      const current = best.get(rec.day)
      if (!current || Buffer.compare(rec.salt, current) < 0) best.set(rec.day, rec.salt)
    }
    for (const [day, salt] of best) salts.set(day, salt)
  }

  const prune = (today: string) => {
    const yesterday = previousDay(today)
    for (const day of salts.keys()) if (day !== today && day !== yesterday) salts.delete(day)
  }

  const ensureLoaded = (today: string): Promise<void> => {
    loaded ??= deps.load().then(
      (records) => adopt(records, today),
      (err: unknown) => {
        loaded = undefined
        throw err
      },
    )
    return loaded
  }

  const create = async (today: string): Promise<Buffer> => {
    // Another collector sharing the store may have made today's salt already: adopt it rather than mint one.
    adopt(await deps.load(), today)
    const stored = salts.get(today)
    if (stored) return stored
    const salt = deps.random(SALT_BYTES)
    if (!Buffer.isBuffer(salt) || salt.length !== SALT_BYTES) {
      throw new Error(
        `salt random source returned ${Buffer.isBuffer(salt) ? salt.length : typeof salt} bytes, expected ${SALT_BYTES}`,
      )
    }
    if (seen.has(salt.toString('hex')))
      throw new Error('salt random source repeated a previous salt; refusing to reuse it')
    seen.add(salt.toString('hex'))
    await deps.save({ day: today, salt: Buffer.from(salt) })
    adopt(await deps.load(), today)
    const winner = salts.get(today)
    if (!winner) {
      // The store lost our write (or filters it): use ours for this process rather than fail every request.
      salts.set(today, salt)
      return salt
    }
    return winner
  }

  const current = async (): Promise<Buffer> => {
    const today = vietnamDay(deps.now())
    await ensureLoaded(today)
    prune(today)
    const existing = salts.get(today)
    if (existing) return existing
    // One creation at a time: concurrent requests at midnight must not mint two salts for the day.
    if (!creating) {
      creating = create(today).finally(() => {
        creating = undefined
      })
    }
    const salt = await creating
    // The creation in flight may have been for a day that just ended; ask again for the new day.
    return salts.get(vietnamDay(deps.now())) === salt ? salt : current()
  }

  return {
    current,
    async saltFor(at) {
      const today = vietnamDay(deps.now())
      const day = vietnamDay(at)
      if (day === today) return current()
      await ensureLoaded(today)
      prune(today)
      return day === previousDay(today) ? salts.get(day) : undefined
    },
  }
}

function isSaltRecord(rec: unknown): rec is SaltRecord {
  if (typeof rec !== 'object' || rec === null) return false
  const r = rec as Partial<SaltRecord>
  return (
    typeof r.day === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(r.day) &&
    Buffer.isBuffer(r.salt) &&
    r.salt.length >= 16
  )
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>()

/** Calendar day `YYYY-MM-DD` of an instant in a time zone (default Vietnam, UTC+7 without DST). */
export function vietnamDay(at: Date | number, timeZone = VIETNAM_TIME_ZONE): string {
  // Vietnam keeps UTC+7 all year: plain arithmetic, on every collector request (Intl costs ~1 % of its CPU).
  if (timeZone === VIETNAM_TIME_ZONE) return vietnamCalendarDay(at)
  let f = dayFormatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormatters.set(timeZone, f)
  }
  return f.format(at)
}

/** `YYYY-MM-DD` minus one calendar day. */
function previousDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() - 1)
  return d.toISOString().slice(0, 10)
}
