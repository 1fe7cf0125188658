import { describe, expect, it } from 'vitest'
import { DATACENTER_CIDRS, DATACENTER_RANGES } from '../../ingest/edge/data/datacenter-ranges.ts'
import { createIpRangeSet, isPublicIp, parseIp } from '../../ingest/edge/ip-address.ts'

describe('the data-centre range list', () => {
  it('is well-formed: every CIDR parses with no host bits set', () => {
    expect(() => createIpRangeSet(DATACENTER_CIDRS)).not.toThrow()
  })

  it('stays small enough to review by hand', () => {
    expect(DATACENTER_CIDRS.length).toBeLessThan(300)
  })

  it('lists each block once and under one provider only', () => {
    const seen = new Map<string, string>()
    for (const { provider, cidrs } of DATACENTER_RANGES) {
      for (const cidr of cidrs) {
        expect(seen.get(cidr), `${cidr} listed by ${seen.get(cidr)} and ${provider}`).toBeUndefined()
        seen.set(cidr, provider)
      }
    }
  })

  it('never covers private space or the Vietnamese ISP blocks readers come from', () => {
    const ranges = createIpRangeSet(DATACENTER_CIDRS)
    for (const cidr of DATACENTER_CIDRS) {
      const network = parseIp(cidr.split('/')[0] ?? '')
      expect(network && isPublicIp(network), cidr).toBe(true)
    }
    // VNPT, Viettel, FPT, Mobifone and Vinaphone ranges seen in reader traffic.
    for (const reader of [
      '14.160.0.1',
      '113.160.0.1',
      '27.72.0.1',
      '171.224.0.1',
      '1.52.0.1',
      '42.112.0.1',
      '115.79.0.1',
      '2402:800::1',
      '2405:4802::1',
    ]) {
      const parsed = parseIp(reader)
      expect(parsed && ranges.has(parsed), reader).toBe(false)
    }
  })
})
