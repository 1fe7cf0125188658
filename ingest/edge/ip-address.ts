// IP address parsing and CIDR range sets, small and allocation-light because every collector request uses them.
import { isIPv4, isIPv6 } from 'node:net'

export type ParsedIp = { family: 4; value: number; text: string } | { family: 6; value: bigint; text: string }

/**
 * Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what Node reports on dual-stack
 * sockets) becomes the IPv4 address. A zone id (`fe80::1%eth0`) is dropped. Returns undefined when invalid.
 */
export function parseIp(input: string): ParsedIp | undefined {
  let text = input.trim()
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  if (isIPv4(text)) return { family: 4, value: ipv4ToNumber(text), text }
  const zone = text.indexOf('%')
  if (zone !== -1) text = text.slice(0, zone)
  if (!isIPv6(text)) return undefined
  const value = ipv6ToBigInt(text)
  if (value >> 32n === 0xffffn) {
    const v4 = Number(value & 0xffffffffn)
    return { family: 4, value: v4, text: numberToIpv4(v4) }
  }
  return { family: 6, value, text: text.toLowerCase() }
}

function ipv4ToNumber(ip: string): number {
  let n = 0
  for (const part of ip.split('.')) n = n * 256 + Number(part)
  return n
}

function numberToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}

/** Expects a string that `isIPv6` accepted (so at most one `::`, valid groups, optional dotted tail). */
function ipv6ToBigInt(ip: string): bigint {
  let text = ip
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted?.[1]) {
    const v4 = ipv4ToNumber(dotted[1])
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : []
  const missing = 8 - headGroups.length - tailGroups.length
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups]
  let value = 0n
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16))
  return value
}

interface Cidr4 {
  start: number
  end: number
}
interface Cidr6 {
  start: bigint
  end: bigint
}

function parseCidr(cidr: string): { family: 4; range: Cidr4 } | { family: 6; range: Cidr6 } {
  const [addr = '', bitsText = ''] = cidr.split('/')
  const ip = parseIp(addr)
  const bits = Number(bitsText)
  if (!ip || ip.text !== addr.toLowerCase().replace(/^::ffff:/, '') || !Number.isInteger(bits)) {
    throw new Error(`invalid CIDR "${cidr}"`)
  }
  if (ip.family === 4) {
    if (bits < 0 || bits > 32) throw new Error(`invalid CIDR "${cidr}": prefix length out of range`)
    const size = 2 ** (32 - bits)
    const start = ip.value - (ip.value % size)
    if (start !== ip.value) throw new Error(`invalid CIDR "${cidr}": host bits set`)
    return { family: 4, range: { start, end: start + size - 1 } }
  }
  if (bits < 0 || bits > 128) throw new Error(`invalid CIDR "${cidr}": prefix length out of range`)
  const hostBits = BigInt(128 - bits)
  const start = (ip.value >> hostBits) << hostBits
  if (start !== ip.value) throw new Error(`invalid CIDR "${cidr}": host bits set`)
  return { family: 6, range: { start, end: start + (1n << hostBits) - 1n } }
}

/** A set of CIDR ranges answering "is this address inside?" in O(log n) for IPv4. */
export interface IpRangeSet {
  has(ip: ParsedIp): boolean
  readonly size: number
}

/**
 * Builds a range set; throws on a malformed CIDR (a bug in the data file, caught by its unit test).
 * @example createIpRangeSet(['10.0.0.0/8', 'fc00::/7']).has(parseIp('10.1.2.3')!) // true
 */
export function createIpRangeSet(cidrs: readonly string[]): IpRangeSet {
  const v4: Cidr4[] = []
  const v6: Cidr6[] = []
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr)
    if (parsed.family === 4) v4.push(parsed.range)
    else v6.push(parsed.range)
  }
  v4.sort((a, b) => a.start - b.start)
  const merged: Cidr4[] = []
  for (const r of v4) {
    const last = merged[merged.length - 1]
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end)
    else merged.push({ ...r })
  }
  const starts = Float64Array.from(merged, (r) => r.start)
  const ends = Float64Array.from(merged, (r) => r.end)
  return {
    size: cidrs.length,
    has(ip) {
      if (ip.family === 6) return v6.some((r) => ip.value >= r.start && ip.value <= r.end)
      let lo = 0
      let hi = starts.length - 1
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        if ((starts[mid] ?? 0) > ip.value) hi = mid - 1
        else if ((ends[mid] ?? 0) < ip.value) lo = mid + 1
        else return true
      }
      return false
    },
  }
}

/** Addresses that never locate a reader: private, loopback, link-local, CGNAT, documentation, multicast. */
const NON_PUBLIC = createIpRangeSet([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/3',
  '2001:db8::/32',
  '2002::/16',
])
const GLOBAL_UNICAST_V6 = createIpRangeSet(['2000::/3'])

/** True for a globally routable unicast address; false for private, loopback, reserved and similar. */
export function isPublicIp(ip: ParsedIp): boolean {
  if (ip.family === 6 && !GLOBAL_UNICAST_V6.has(ip)) return false
  return !NON_PUBLIC.has(ip)
}
