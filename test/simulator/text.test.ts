import { describe, expect, it } from 'vitest'
import { Rng } from '../../bench/simulator/random.ts'
import {
  ALL_VIETNAMESE_WORDS,
  headline,
  personName,
  SECTION_NAMES,
  slugify,
  TOPICS,
} from '../../bench/simulator/vietnamese.ts'

/** Vietnamese letters outside ASCII (precomposed, as NFC has them). */
const DIACRITIC = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/i

describe('Vietnamese text', () => {
  it('keeps every word list in NFC', () => {
    for (const w of ALL_VIETNAMESE_WORDS) expect(w, w).toBe(w.normalize('NFC'))
    expect(ALL_VIETNAMESE_WORDS.filter((w) => DIACRITIC.test(w)).length).toBeGreaterThan(300)
  })

  it('writes headlines and tags in NFC with diacritics, filling every slot', () => {
    const r = new Rng(5)
    let withDiacritics = 0
    for (let i = 0; i < 2000; i++) {
      const topic = TOPICS[i % TOPICS.length] ?? 'thoi-su'
      const { title, tags } = headline(r, topic, 'vi')
      expect(title).toBe(title.normalize('NFC'))
      expect(title).not.toMatch(/[{}]/)
      expect(title.charAt(0)).toBe(title.charAt(0).toLocaleUpperCase('vi'))
      expect(tags.length).toBeGreaterThanOrEqual(1)
      expect(tags.length).toBeLessThanOrEqual(30)
      for (const t of tags) expect(t).toBe(t.normalize('NFC'))
      if (DIACRITIC.test(title)) withDiacritics++
    }
    expect(withDiacritics / 2000).toBeGreaterThan(0.95)
    // Decomposed input would have combining marks; none must survive.
    expect(headline(new Rng(1), 'du-lich', 'vi').title).not.toMatch(/\p{M}/u)
  })

  it('writes English headlines for the English edition', () => {
    const r = new Rng(6)
    for (const topic of ['thoi-su', 'kinh-te', 'du-lich', 'van-hoa'] as const) {
      const { title } = headline(r, topic, 'en')
      expect(title).toMatch(/^[A-Z]/)
      expect(title).not.toMatch(/[{}]/)
    }
  })

  it('names sections and people the Vietnamese way', () => {
    expect(Object.values(SECTION_NAMES.vi)).toEqual([
      'Thời sự',
      'Kinh tế',
      'Nông nghiệp',
      'Du lịch',
      'Văn hóa',
      'Thể thao',
      'Pháp luật',
      'Giáo dục',
    ])
    const name = personName(new Rng(9))
    expect(name.split(' ').length).toBeGreaterThanOrEqual(3)
    expect(name).toBe(name.normalize('NFC'))
  })

  it('slugifies Vietnamese without diacritics', () => {
    expect(slugify('Mùa dã quỳ nở rộ ở Đà Lạt')).toBe('mua-da-quy-no-ro-o-da-lat')
    expect(slugify('Giá cà phê hôm nay: tăng mạnh!')).toBe('gia-ca-phe-hom-nay-tang-manh')
    expect(slugify('Đắk Nông'.normalize('NFD'))).toBe('dak-nong')
  })
})
