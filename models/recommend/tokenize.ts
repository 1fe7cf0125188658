// Vietnamese tokenizer for titles and tags: syllables (diacritics kept) plus syllable bigrams, hashed into a
// fixed vocabulary. Vietnamese words are mostly 1–3 syllables, so bigrams catch "hà nội" or "giá vàng" cheaply.

/** Letters (any script, incl. combining marks left after NFC) and digits; everything else separates syllables. */
const SYLLABLE = /[\p{L}\p{M}\p{N}]+/gu
/** Punctuation that ends a phrase: bigrams never cross it ("Hà Nội, Đà Nẵng" has no "nội đà"). */
const PHRASE_BREAK = /[^\p{L}\p{M}\p{N}\s]+/u

/**
 * Splits text into syllables: NFC, lower-case, split on whitespace and punctuation, diacritics kept.
 * @example tokenizeSyllables('Giá VÀNG tăng!') // ['giá', 'vàng', 'tăng']
 */
export function tokenizeSyllables(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(SYLLABLE) ?? []
}

/**
 * Syllables plus bigrams of adjacent syllables within one phrase (bigrams joined with a space).
 * @example tokenizeWithBigrams('Hà Nội, Đà Nẵng') // ['hà', 'nội', 'đà', 'nẵng', 'hà nội', 'đà nẵng']
 */
export function tokenizeWithBigrams(text: string): string[] {
  const unigrams: string[] = []
  const bigrams: string[] = []
  for (const phrase of text.normalize('NFC').toLowerCase().split(PHRASE_BREAK)) {
    const syllables = phrase.match(SYLLABLE) ?? []
    for (let i = 0; i < syllables.length; i++) {
      const s = syllables[i] as string
      unigrams.push(s)
      if (i > 0) bigrams.push(`${syllables[i - 1]} ${s}`)
    }
  }
  return [...unigrams, ...bigrams]
}

/** FNV-1a over UTF-16 code units: stable across runs and machines (the hashing trick needs that). */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/**
 * Hashing trick: maps a token to 1..buckets-1; 0 is reserved for padding / unknown.
 * @example hashToken('hà nội', 1 << 16) // a stable id in 1..65535
 */
export function hashToken(token: string, buckets: number): number {
  if (buckets < 2) throw new RangeError(`hash buckets must be ≥ 2 (got ${buckets})`)
  return 1 + (fnv1a(token) % (buckets - 1))
}

/**
 * Token strings of an article's text features: title syllables, tag syllables and whole tags first (they
 * matter most), then bigrams, de-duplicated in that order, so truncation to a fixed length drops bigrams first.
 */
export function articleTokens(title: string, tags: readonly string[] = []): string[] {
  const title_ = tokenizeWithBigrams(title)
  const titleUni = title_.filter((t) => !t.includes(' '))
  const titleBi = title_.filter((t) => t.includes(' '))
  const tagUni: string[] = []
  const tagBi: string[] = []
  const wholeTags: string[] = []
  for (const tag of tags) {
    const toks = tokenizeWithBigrams(tag)
    for (const t of toks) (t.includes(' ') ? tagBi : tagUni).push(t)
    const syl = tokenizeSyllables(tag)
    if (syl.length > 2) wholeTags.push(`#${syl.join(' ')}`)
  }
  return [...new Set([...titleUni, ...tagUni, ...wholeTags, ...titleBi, ...tagBi])]
}
