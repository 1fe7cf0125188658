// The `sites` table: registration, API keys (stored only as SHA-256 of a 256-bit random secret) and lookups.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { AppError } from '../../infra/errors.ts'
import { Id } from '../contract/index.ts'

/** A host name such as `baolamdong.vn` (no scheme, no path, no port). */
export const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a host name such as baolamdong.vn')

export const NewSite = z.object({
  agency_id: Id,
  site_id: Id,
  name: z.string().trim().min(1).max(200).optional(),
  domains: z.array(Domain).min(1, 'at least one --domain'),
  language: z.enum(['vi', 'en']).default('vi'),
})
export type NewSite = z.input<typeof NewSite>

export interface Site {
  site_id: string
  agency_id: string
  name: string
  domains: string[]
  api_key_id: string
  api_key_hash: string
  language: 'vi' | 'en'
  created_at: string
  updated_at: string
}

export class SiteError extends AppError {
  constructor(message: string) {
    super('SITE', message)
  }
}

const KEY_PATTERN = /^nhip_([A-Za-z0-9]{10})\.([A-Za-z0-9_-]{43})$/

/** A new API key: `nhip_<id>.<secret>`; only the id and the SHA-256 of the whole key are stored. */
export function generateApiKey(): { key: string; id: string; hash: string } {
  const id = randomBytes(10)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(10, '0')
    .slice(0, 10)
  const key = `nhip_${id}.${randomBytes(32).toString('base64url')}`
  return { key, id, hash: hashApiKey(key) }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** The key id of a well-formed key, or undefined. */
export function apiKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1]
}

/** Constant-time check of a presented key against a stored hash. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex')
  const b = Buffer.from(storedHash, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}

function nowSql(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '')
}

/** Latest version of every live site. */
export async function listSites(ch: ClickHouse): Promise<Site[]> {
  const rs = await ch.client.query({
    query: `SELECT site_id, agency_id, name, domains, api_key_id, api_key_hash, language,
                   toString(created_at) AS created_at, toString(updated_at) AS updated_at
            FROM ${ch.database}.sites FINAL WHERE deleted = 0 ORDER BY agency_id, site_id`,
    format: 'JSONEachRow',
  })
  return rs.json<Site>()
}

async function writeSite(ch: ClickHouse, site: Site): Promise<void> {
  await ch.client.insert({ table: `${ch.database}.sites`, values: [{ ...site, deleted: 0 }], format: 'JSONEachRow' })
}

/**
 * Registers a site and returns its API key — the only time the key is visible.
 * @example const { apiKey } = await addSite(ch, { agency_id: 'lamdong', site_id: 'baolamdong', domains: ['baolamdong.vn'] })
 */
export async function addSite(ch: ClickHouse, input: NewSite): Promise<{ site: Site; apiKey: string }> {
  const parsed = NewSite.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new SiteError(`invalid site: ${issue?.path.join('.') || 'input'}: ${issue?.message}`)
  }
  const s = parsed.data
  const existing = (await listSites(ch)).find((x) => x.site_id === s.site_id)
  if (existing) throw new SiteError(`site ${s.site_id} already exists (agency ${existing.agency_id})`)
  const { key, id, hash } = generateApiKey()
  const now = nowSql()
  const site: Site = {
    site_id: s.site_id,
    agency_id: s.agency_id,
    name: s.name ?? s.site_id,
    domains: [...new Set(s.domains)],
    api_key_id: id,
    api_key_hash: hash,
    language: s.language,
    created_at: now,
    updated_at: now,
  }
  await writeSite(ch, site)
  return { site, apiKey: key }
}

/** Replaces a site's API key; the old key stops working at the collectors' next refresh. */
export async function rotateSiteKey(ch: ClickHouse, siteId: string): Promise<{ site: Site; apiKey: string }> {
  const site = (await listSites(ch)).find((x) => x.site_id === siteId)
  if (!site) throw new SiteError(`unknown site ${siteId}`)
  const { key, id, hash } = generateApiKey()
  const updated: Site = { ...site, api_key_id: id, api_key_hash: hash, updated_at: nowSql() }
  await writeSite(ch, updated)
  return { site: updated, apiKey: key }
}

/** True when `host` is one of the site's domains or a subdomain of one. */
export function hostAllowed(site: Pick<Site, 'domains'>, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return site.domains.some((d) => h === d || h.endsWith(`.${d}`))
}

/**
 * In-memory view of the sites table for the hot path, refreshed periodically.
 * @example const registry = await createSiteRegistry(() => listSites(ch), { refreshMs: 10_000 })
 */
export interface SiteRegistry {
  bySite(siteId: string): Site | undefined
  /** The site a presented API key belongs to (constant-time hash comparison), or undefined. */
  byApiKey(key: string): Site | undefined
  refresh(): Promise<void>
  all(): Site[]
  close(): void
}

export async function createSiteRegistry(
  load: () => Promise<Site[]>,
  opts: { refreshMs: number; onError?: (err: unknown) => void },
): Promise<SiteRegistry> {
  let sites = new Map<string, Site>()
  let byKeyId = new Map<string, Site>()
  const refresh = async () => {
    const list = await load()
    sites = new Map(list.map((s) => [s.site_id, s]))
    byKeyId = new Map(list.map((s) => [s.api_key_id, s]))
  }
  await refresh()
  const timer = setInterval(() => {
    // A failed refresh keeps serving the last known sites; the error is reported, not swallowed.
    refresh().catch((err: unknown) => opts.onError?.(err))
  }, opts.refreshMs)
  timer.unref()
  return {
    bySite: (id) => sites.get(id),
    byApiKey(key) {
      const id = apiKeyId(key)
      const site = id ? byKeyId.get(id) : undefined
      return site && apiKeyMatches(key, site.api_key_hash) ? site : undefined
    },
    refresh,
    all: () => [...sites.values()],
    close: () => clearInterval(timer),
  }
}
