import { describe, expect, it } from 'vitest'
import { articleTokens, hashToken, itemTokenIds } from '../../../models/recommend/index.ts'
import { DEFAULT_FEATURE_CONFIG } from '../../../models/recommend/features.ts'
import { tokenizeSyllables, tokenizeWithBigrams } from '../../../models/recommend/tokenize.ts'

describe('Vietnamese tokenizer', () => {
  it('keeps diacritics, lower-cases and splits on whitespace and punctuation', () => {
    expect(tokenizeSyllables('Giá VÀNG tăng mạnh, Đà Lạt đón khách!')).toEqual([
      'giá',
      'vàng',
      'tăng',
      'mạnh',
      'đà',
      'lạt',
      'đón',
      'khách',
    ])
  })

  it('normalises to NFC: decomposed input gives the same tokens and ids as precomposed input', () => {
    const precomposed = 'Huế mộng mơ'.normalize('NFC')
    const decomposed = precomposed.normalize('NFD')
    expect(decomposed).not.toBe(precomposed)
    const a = tokenizeSyllables(precomposed)
    const b = tokenizeSyllables(decomposed)
    expect(b).toEqual(a)
    expect(b).toEqual(['huế', 'mộng', 'mơ'])
    for (const t of b) expect(t).toBe(t.normalize('NFC'))
    expect(b.map((t) => hashToken(t, 1 << 15))).toEqual(a.map((t) => hashToken(t, 1 << 15)))
  })

  it('does not merge syllables that differ only in tone marks', () => {
    const toks = tokenizeSyllables('ma mà má mả mã mạ')
    expect(new Set(toks).size).toBe(6)
    expect(new Set(toks.map((t) => hashToken(t, 1 << 15))).size).toBe(6)
  })

  it('adds syllable bigrams within a phrase, never across punctuation', () => {
    expect(tokenizeWithBigrams('Hà Nội, Đà Nẵng')).toEqual(['hà', 'nội', 'đà', 'nẵng', 'hà nội', 'đà nẵng'])
  })

  it('keeps numbers and handles empty text', () => {
    expect(tokenizeSyllables('Năm 2026: 5G phủ sóng')).toEqual(['năm', '2026', '5g', 'phủ', 'sóng'])
    expect(tokenizeWithBigrams('  ... ')).toEqual([])
  })

  it('hashes into 1..buckets-1 deterministically (0 is padding)', () => {
    for (const t of ['hà nội', 'giá vàng', '', 'x']) {
      const h = hashToken(t, 1024)
      expect(h).toBeGreaterThanOrEqual(1)
      expect(h).toBeLessThan(1024)
      expect(hashToken(t, 1024)).toBe(h)
    }
  })

  it('puts title and tag unigrams before bigrams and pads item token ids to a fixed length', () => {
    const toks = articleTokens('Giá cà phê tăng', ['Cà phê', 'Lâm Đồng'])
    expect(toks.slice(0, 4)).toEqual(['giá', 'cà', 'phê', 'tăng'])
    expect(toks).toContain('lâm')
    expect(toks).toContain('cà phê')
    expect(new Set(toks).size).toBe(toks.length)
    const ids = itemTokenIds({ id: 'a', title: 'Giá cà phê tăng', tags: ['Cà phê'] }, DEFAULT_FEATURE_CONFIG)
    expect(ids).toHaveLength(DEFAULT_FEATURE_CONFIG.tokensPerItem)
    expect(ids.filter((x) => x === 0).length).toBeGreaterThan(0)
  })
})
