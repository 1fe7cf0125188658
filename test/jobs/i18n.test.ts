import { describe, expect, it } from 'vitest'
import { MESSAGES } from '../../jobs/reports/i18n.ts'

type Tree = { [k: string]: unknown }

/** Every leaf as [path, value], functions called with sample arguments. */
function leaves(obj: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string, string]> => {
    const p = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'function')
      return [[p, String((v as (...a: string[]) => unknown)('daily', 'X', 'Y', 'Z', 'W'))]]
    if (v && typeof v === 'object') return leaves(v as Tree, p)
    return [[p, String(v)]]
  })
}

describe('i18n', () => {
  const vi = leaves(MESSAGES.vi as unknown as Tree)
  const en = leaves(MESSAGES.en as unknown as Tree)

  it('has the same strings in Vietnamese and English', () => {
    expect(vi.map(([p]) => p).sort()).toEqual(en.map(([p]) => p).sort())
    expect(vi.length).toBeGreaterThan(150)
  })

  it('has no empty string', () => {
    for (const [p, v] of [...vi, ...en]) expect(v.trim(), p).not.toBe('')
  })

  it('keeps Vietnamese in NFC with its diacritics', () => {
    for (const [p, v] of vi) expect(v, p).toBe(v.normalize('NFC'))
    const text = vi.map(([, v]) => v).join(' ')
    expect(text).toContain('Chưa có dữ liệu')
    expect(text).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/)
    // Decomposed marks (combining U+0300–U+036F) would render badly in some fonts.
    expect(text).not.toMatch(/[\u0300-\u036f]/)
  })

  it('is really translated: English strings carry no Vietnamese letters except names', () => {
    const names = /Nhịp|Báo Mới|Cốc Cốc/g
    for (const [p, v] of en)
      expect(v.replace(names, ''), p).not.toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i)
  })
})
