// Throughput of the collector's geo lookup on the shipped GeoLite2 data: a program, not a test.
// Run: npx tsx test/ingest-edge/measure-geo-throughput.ts   (belongs in bench/ once that folder adopts it)
import { openGeoLookup } from '../ingest/edge/geo.ts'

const geo = await openGeoLookup()
// A mix close to a Vietnamese site's audience: mostly VN ISP blocks, some foreign, some IPv6, repeats.
function* addresses(n: number): Generator<string> {
  // [first octet, second octet from, to]: VNPT, Viettel, FPT, Vinaphone and Mobifone blocks.
  const vnBlocks = [
    [14, 160, 191],
    [113, 160, 191],
    [27, 64, 79],
    [171, 224, 255],
    [1, 52, 55],
    [42, 112, 119],
    [115, 72, 79],
    [116, 96, 111],
    [117, 0, 7],
    [123, 16, 31],
    [222, 252, 255],
    [183, 80, 81],
  ] as const
  let x = 12345
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    const r = x % 100
    const [a, lo, hi] = vnBlocks[x % vnBlocks.length] ?? [14, 160, 191]
    if (r < 70) yield `${a}.${lo + ((x >>> 8) % (hi - lo + 1))}.${(x >>> 16) & 255}.${(x >>> 4) & 255}`
    else if (r < 90) yield `${((x >>> 24) % 223) + 1}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`
    else yield `2402:800:${(x & 0xffff).toString(16)}::${((x >>> 16) & 0xffff).toString(16)}`
  }
}

const N = 1_000_000
const inputs = [...addresses(N)]
for (let i = 0; i < 100_000; i++) geo.lookup(inputs[i] ?? '') // warm-up
const rows: { run: string; lookups: number; ms: number; perSecond: number }[] = []
for (const run of ['1', '2', '3']) {
  const start = process.hrtime.bigint()
  let vn = 0
  for (const ip of inputs) if (geo.lookup(ip).country === 'VN') vn++
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  rows.push({ run, lookups: N, ms: Math.round(ms), perSecond: Math.round((N / ms) * 1000) })
  if (run === '1') console.log(`VN share of the sample: ${((vn / N) * 100).toFixed(1)}%`)
}
console.table(rows)
geo.close()
