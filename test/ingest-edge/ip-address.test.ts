import { describe, expect, it } from 'vitest'
import { createIpRangeSet, isPublicIp, parseIp } from '../../ingest/edge/ip-address.ts'

const ip = (text: string) => {
  const parsed = parseIp(text)
  if (!parsed) throw new Error(`test address ${text} did not parse`)
  return parsed
}

describe('parseIp', () => {
  it.each([
    ['14.160.0.1', 4, '14.160.0.1'],
    [' 14.160.0.1 ', 4, '14.160.0.1'],
    ['::ffff:14.160.0.1', 4, '14.160.0.1'],
    ['::FFFF:0ea0:0001', 4, '14.160.0.1'],
    ['[2402:800::1]', 6, '2402:800::1'],
    ['2402:0800:0000:0000:0000:0000:0000:0001', 6, '2402:0800:0000:0000:0000:0000:0000:0001'],
    ['fe80::1%eth0', 6, 'fe80::1'],
  ] as const)('parses %s', (text, family, normalised) => {
    expect(parseIp(text)).toMatchObject({ family, text: normalised })
  })

  it('gives the same number for equivalent IPv6 spellings', () => {
    expect(ip('2402:800::1').value).toBe(ip('2402:0800:0:0:0:0:0:1').value)
    expect(ip('::').value).toBe(0n)
  })

  it.each(['', 'abc', '999.1.1.1', '1.2.3', '1.2.3.4.5', '2402:800:::1', '12345::1', 'localhost'])(
    'rejects %j',
    (text) => {
      expect(parseIp(text)).toBeUndefined()
    },
  )
})

describe('createIpRangeSet', () => {
  const set = createIpRangeSet([
    '10.0.0.0/8',
    '104.131.0.0/16',
    '104.132.0.0/16',
    '2604:a880::/32',
    '1.2.3.4/32',
  ])

  it.each([
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['104.131.7.9', true],
    ['104.132.255.255', true],
    ['104.133.0.0', false],
    ['1.2.3.4', true],
    ['1.2.3.5', false],
    ['2604:a880:1::1', true],
    ['2604:a881::1', false],
  ])('%s inside: %s', (text, inside) => {
    expect(set.has(ip(text))).toBe(inside)
  })

  it('refuses malformed CIDRs rather than silently matching nothing', () => {
    expect(() => createIpRangeSet(['10.0.0.1/8'])).toThrow(/host bits/)
    expect(() => createIpRangeSet(['10.0.0.0/33'])).toThrow(/prefix length/)
    expect(() => createIpRangeSet(['nonsense/8'])).toThrow(/invalid CIDR/)
  })
})

describe('isPublicIp', () => {
  it.each([
    '10.1.2.3',
    '127.0.0.1',
    '192.168.1.1',
    '172.16.0.1',
    '100.64.0.1',
    '169.254.1.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'ff02::1',
    '2001:db8::1',
  ])('%s is not public', (text) => {
    expect(isPublicIp(ip(text))).toBe(false)
  })

  it.each(['14.160.0.1', '8.8.8.8', '2402:800::1', '172.32.0.1'])('%s is public', (text) => {
    expect(isPublicIp(ip(text))).toBe(true)
  })
})
