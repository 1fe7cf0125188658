import { describe, expect, it } from 'vitest'
import { parseInteractionsCsv, parseItemsCsv, parseTimestamp } from '../../../models/recommend/index.ts'

describe('interaction CSV import', () => {
  it('reads ISO-8601 and Unix-second timestamps, with or without a header', () => {
    const withHeader = parseInteractionsCsv(
      'user,item,timestamp\nu1,a1,2026-06-01T08:00:00+07:00\nu2,a2,1780275600\n',
    )
    expect(withHeader.errors).toEqual([])
    expect(withHeader.rows).toEqual([
      { user: 'u1', item: 'a1', ts: Date.parse('2026-06-01T01:00:00Z') },
      { user: 'u2', item: 'a2', ts: 1780275600_000 },
    ])
    expect(parseInteractionsCsv('u1,a1,1780275600\n').rows).toHaveLength(1)
  })

  it('accepts columns in any order and quoted ids with commas', () => {
    const r = parseInteractionsCsv('timestamp,item,user\n1780275600,"bài, số 1",u1\r\n')
    expect(r.rows).toEqual([{ user: 'u1', item: 'bài, số 1', ts: 1780275600_000 }])
  })

  it('rejects bad rows naming the line and keeps the good ones', () => {
    const text = [
      'user,item,timestamp',
      'u1,a1,1780275600',
      'u2,,1780275600',
      'u3,a3,yesterday',
      'u4,a4',
      'u5,a5,1780275600123',
    ].join('\n')
    const r = parseInteractionsCsv(text)
    expect(r.rows).toHaveLength(1)
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 6])
    expect(r.errors[0]?.message).toMatch(/item is empty/)
    expect(r.errors[1]?.message).toMatch(/"yesterday" is neither ISO-8601 nor Unix seconds/)
    expect(r.errors[2]?.message).toMatch(/expected 3 columns/)
    expect(r.errors[3]?.message).toMatch(/Unix milliseconds/)
  })

  it('reports a header that lacks a column', () => {
    const r = parseInteractionsCsv('user,article,timestamp\nu1,a1,1\n')
    expect(r.errors).toEqual([{ line: 1, message: 'header lacks column item' }])
  })

  it('parses timestamps without an offset as UTC', () => {
    expect(parseTimestamp('2026-06-01 08:00:00')).toBe(Date.parse('2026-06-01T08:00:00Z'))
    expect(parseTimestamp('2026-06-01')).toBe(Date.parse('2026-06-01T00:00:00Z'))
  })
})

describe('items CSV import', () => {
  it('reads titles with Vietnamese text, tags, section and publication time', () => {
    const r = parseItemsCsv(
      'item,title,tags,section,published\na1,"Giá cà phê tăng, nông dân vui",cà phê|Lâm Đồng,Kinh tế,2026-06-01T06:00:00+07:00\n',
    )
    expect(r.errors).toEqual([])
    expect(r.rows).toEqual([
      {
        id: 'a1',
        title: 'Giá cà phê tăng, nông dân vui',
        tags: ['cà phê', 'Lâm Đồng'],
        section: 'Kinh tế',
        published: Date.parse('2026-05-31T23:00:00Z'),
      },
    ])
  })

  it('needs a header with item and title, and rejects duplicate items by line', () => {
    expect(parseItemsCsv('a1,Tiêu đề\n').errors[0]?.message).toMatch(/header lacks columns item, title/)
    const r = parseItemsCsv('item,title\na1,Một\na1,Hai\n')
    expect(r.rows).toHaveLength(1)
    expect(r.errors).toEqual([{ line: 3, message: 'item "a1" appears twice' }])
  })
})
