// Seeded randomness for the simulator (never Math.random): sfc32 streams derived by hashing (seed, labels),
// so every site, day and hour draws from its own stream and the output does not depend on generation order.

/** 32-bit finaliser of MurmurHash3: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** FNV-1a over the UTF-16 units of a string, finalised. */
function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h)
}

/**
 * A 32-bit hash of a list of labels (numbers are mixed as integers, strings by FNV-1a).
 * @example hashLabels(7, 'traffic', 3) // same value in every run
 */
export function hashLabels(...parts: ReadonlyArray<string | number>): number {
  let h = 0x9e3779b9
  for (const p of parts) {
    const v =
      typeof p === 'number' ? fmix32((p | 0) ^ Math.imul((p / 4294967296) | 0, 0x27d4eb2d)) : hashString(p)
    h = fmix32((h ^ v) + 0x6d2b79f5 + (h << 6) + (h >>> 2))
  }
  return h
}

/** 16-bit values as 4 hex digits: a UUID is then 8 lookups. */
const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'))
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): passes PractRand to 2^39+, one add/xor/shift
 * per draw — the simulator draws hundreds of millions of numbers in a large back-fill.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = Number.NaN

  constructor(seed32: number) {
    // splitmix32 expands one word into the four state words; a few rounds decorrelate nearby seeds.
    let s = seed32 >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
      return (z ^ (z >>> 15)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** A stream for (labels…): `Rng.for(seed, 'articles', siteIndex, dayNumber)`. */
  static for(...parts: ReadonlyArray<string | number>): Rng {
    return new Rng(hashLabels(...parts))
  }

  u32(): number {
    let a = this.a
    let b = this.b
    let c = this.c
    const d = this.d
    const t = (((a + b) | 0) + d) | 0
    this.d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    this.a = a
    this.b = b
    this.c = c
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.float() < p
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare
      this.spare = Number.NaN
      return s
    }
    let u = this.float()
    while (u <= 1e-12) u = this.float()
    const v = this.float()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /** exp(N(mu, sigma²)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal())
  }

  /** Gamma(shape, 1) by Marsaglia–Tsang (with the shape < 1 boost). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.float() ** (1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number
      let v: number
      do {
        x = this.normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = this.float()
      if (u < 1 - 0.0331 * x * x * x * x) return d * v
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a)
    return x / (x + this.gamma(b))
  }

  /** Poisson(lambda): Knuth's product method for small means, a rounded normal for large ones. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.float()
    while (p > limit) {
      k++
      p *= this.float()
    }
    return k
  }

  /** A random (version 4, RFC 9562 variant) UUID drawn from this stream. */
  uuid(): string {
    const a = this.u32()
    const b = this.u32()
    const c = this.u32()
    const d = this.u32()
    return `${HEX4[a >>> 16]}${HEX4[a & 0xffff]}-${HEX4[b >>> 16]}-${HEX4[0x4000 | (b & 0x0fff)]}-${HEX4[0x8000 | ((c >>> 16) & 0x3fff)]}-${HEX4[c & 0xffff]}${HEX4[d >>> 16]}${HEX4[d & 0xffff]}`
  }

  /** `n` URL-safe base64 characters (6 random bits each), like the tracker's and the collector's ids. */
  base64url(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += B64URL[this.u32() & 63]
    return s
  }
}

/**
 * A 22-character URL-safe id (132 bits) that is a pure function of the labels: cheaper than a stream.
 * @example hashId(7, 'vid', 1234, 0) // the same id in every run
 */
export function hashId(...parts: ReadonlyArray<string | number>): string {
  let s = hashLabels(...parts)
  let id = ''
  for (let w = 0; w < 5; w++) {
    s = (s + 0x9e3779b9) | 0
    let z = Math.imul(s ^ (s >>> 16), 0x21f0aaad)
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
    z = (z ^ (z >>> 15)) >>> 0
    for (let k = 0; k < 5 && id.length < 22; k++) id += B64URL[(z >>> (6 * k)) & 63]
  }
  return id
}

/**
 * Walker's alias table: O(1) draws from a fixed discrete distribution (readers by activity, user agents…).
 * @example const table = new AliasTable([5, 1, 1]); table.draw(rng) // 0 about 5 times in 7
 */
export class AliasTable {
  private readonly prob: Float64Array
  private readonly alias: Int32Array
  readonly size: number

  constructor(weights: ArrayLike<number>) {
    const n = weights.length
    if (n === 0) throw new Error('alias table needs at least one weight')
    let total = 0
    for (let i = 0; i < n; i++) total += Math.max(0, weights[i] ?? 0)
    if (!(total > 0)) throw new Error('alias table needs a positive total weight')
    this.size = n
    this.prob = new Float64Array(n)
    this.alias = new Int32Array(n)
    const scaled = new Float64Array(n)
    const small: number[] = []
    const large: number[] = []
    for (let i = 0; i < n; i++) {
      scaled[i] = (Math.max(0, weights[i] ?? 0) * n) / total
      ;((scaled[i] ?? 0) < 1 ? small : large).push(i)
    }
    while (small.length && large.length) {
      const s = small.pop() as number
      const l = large[large.length - 1] as number
      this.prob[s] = scaled[s] ?? 0
      this.alias[s] = l
      scaled[l] = (scaled[l] ?? 0) + (scaled[s] ?? 0) - 1
      if ((scaled[l] ?? 0) < 1) {
        large.pop()
        small.push(l)
      }
    }
    for (const i of large) this.prob[i] = 1
    for (const i of small) this.prob[i] = 1
  }

  draw(rng: Rng): number {
    const x = rng.float() * this.size
    const i = Math.floor(x)
    return x - i < (this.prob[i] ?? 1) ? i : (this.alias[i] ?? i)
  }
}

/** Index of the first cumulative weight above `target` (binary search over a running sum). */
export function searchCumulative(cumulative: ArrayLike<number>, length: number, target: number): number {
  let lo = 0
  let hi = length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((cumulative[mid] ?? 0) > target) hi = mid
    else lo = mid + 1
  }
  return lo
}
