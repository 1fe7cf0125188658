import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultGeoDatabasePaths, type GeoLookup, openGeoLookup } from '../../ingest/edge/geo.ts'

// Reads the real GeoLite2 files shipped in node_modules (≈45 MB, opened once for the file).
describe('openGeoLookup', () => {
  let geo: GeoLookup
  beforeAll(async () => {
    geo = await openGeoLookup()
  })
  afterAll(() => geo.close())

  it('finds the shipped database files', () => {
    const paths = defaultGeoDatabasePaths()
    expect(existsSync(paths.ipv4)).toBe(true)
    expect(existsSync(paths.ipv6)).toBe(true)
  })

  it.each([
    ['14.160.0.1', 'Hà Nội'], // VNPT
    ['27.72.0.1', 'Hà Nội'], // Viettel
    ['115.79.0.1', 'Thành phố Hồ Chí Minh'], // Viettel
    ['117.0.0.1', 'Thái Bình'],
    ['2402:800::1', 'Thành phố Hồ Chí Minh'], // Viettel IPv6
    ['::ffff:14.160.0.1', 'Hà Nội'], // what a dual-stack socket reports
  ])('places the Vietnamese address %s in %s', (ip, province) => {
    expect(geo.lookup(ip)).toEqual({ country: 'VN', province, datacenter: false })
  })

  it('gives the country but no province outside Vietnam', () => {
    expect(geo.lookup('8.8.8.8')).toMatchObject({ country: 'US', province: '' })
  })

  it('flags a known hosting range while still locating it', () => {
    expect(geo.lookup('104.131.0.1')).toEqual({ country: 'US', province: '', datacenter: true })
    expect(geo.lookup('2a01:4f8::1')).toMatchObject({ datacenter: true })
  })

  it.each(['10.0.0.1', '127.0.0.1', '192.168.1.10', '::1', 'fe80::1', '', 'not an ip', '999.0.0.1', '1.2.3'])(
    'answers empty, without throwing, for %j',
    (ip) => {
      expect(geo.lookup(ip)).toEqual({ country: '', province: '', datacenter: false })
    },
  )

  it('throws if used after close, which would be a wiring bug', async () => {
    const other = await openGeoLookup({ datacenterCidrs: [] })
    other.close()
    expect(() => other.lookup('14.160.0.1')).toThrow(/after close/)
  })

  it('takes its data-centre list from the options', async () => {
    const other = await openGeoLookup({ datacenterCidrs: ['14.160.0.0/16'] })
    expect(other.lookup('14.160.0.1').datacenter).toBe(true)
    other.close()
  })
})
