// The Native block writer: bytes as ClickHouse writes them. The column bytes of the fixture are copied from the
// engine's own Native output (chDB 3.4) of `SELECT 'héllo' s, toDateTime64(1700000000.123, 3, 'UTC') t,
// toUInt16(300) n, map('k', 'v') m`; the round trip through the engine is test/integration/writer-native.test.ts.
import { describe, expect, it } from 'vitest'
import { NativeBlockWriter } from '../../transform/native-block.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)])

describe('NativeBlockWriter', () => {
  it('writes a block byte for byte as the engine does', () => {
    const w = new NativeBlockWriter(16)
    w.block(4, 1)
    w.column('s', 'String')
    w.string('héllo')
    w.column('t', "DateTime64(3, 'UTC')")
    w.dateTime64(1_700_000_000_123)
    w.column('n', 'UInt16')
    w.uint(300, 0xffff, 2)
    w.column('m', 'Map(String, String)')
    w.mapColumn([{ props: { k: 'v' } }], 0, 1)
    expect(w.bytes().toString('hex')).toBe(
      Buffer.concat([
        hex('04 01'),
        str('s'),
        str('String'),
        hex('06 68 c3 a9 6c 6c 6f'),
        str('t'),
        str("DateTime64(3, 'UTC')"),
        hex('7b 68 e5 cf 8b 01 00 00'),
        str('n'),
        str('UInt16'),
        hex('2c 01'),
        str('m'),
        str('Map(String, String)'),
        hex('01 00 00 00 00 00 00 00 01 6b 01 76'),
      ]).toString('hex'),
    )
  })

  it('prefixes long strings with a multi-byte length and encodes non-ASCII ids as UTF-8', () => {
    const w = new NativeBlockWriter()
    const long = 'Đ'.repeat(100) // 200 bytes: VarUInt c8 01
    w.string(long)
    w.id('phiên-1')
    w.id('a'.repeat(130))
    const b = w.bytes()
    expect(b.subarray(0, 2).toString('hex')).toBe('c801')
    expect(b.subarray(2, 202).toString('utf8')).toBe(long)
    expect(b[202]).toBe(Buffer.byteLength('phiên-1'))
    expect(b.subarray(203, 203 + 8).toString('utf8')).toBe('phiên-1')
    expect(b.subarray(211, 213).toString('hex')).toBe('8201')
    expect(b.length).toBe(213 + 130)
  })

  it('writes Map offsets cumulatively, then all keys, then all values', () => {
    const w = new NativeBlockWriter()
    w.mapColumn([{ props: { a: '1', b: '2' } }, { props: {} }, { props: { c: '3' } }], 0, 3)
    const b = w.bytes()
    expect([0, 8, 16].map((at) => b.readBigUInt64LE(at))).toEqual([2n, 2n, 3n])
    expect(b.subarray(24).toString('latin1')).toBe('\x01a\x01b\x01c\x011\x012\x013')
  })

  it('clamps unsigned integers to their type instead of wrapping, and writes 0 for what is not a number', () => {
    const w = new NativeBlockWriter()
    w.uint(70_000, 0xffff, 2)
    w.uint(-1, 0xff, 1)
    w.uint(Number.NaN, 0xff, 1)
    w.uint(2 ** 40, 0xffff_ffff, 4)
    w.uint(12.9, 0xff, 1)
    expect(w.bytes().toString('hex')).toBe('ffff' + '00' + '00' + 'ffffffff' + '0c')
  })

  it('writes times before 1970 as negative milliseconds and refuses times DateTime64 cannot hold', () => {
    const w = new NativeBlockWriter()
    w.dateTime64(-1)
    expect(w.bytes().readBigInt64LE(0)).toBe(-1n)
    expect(() => w.dateTime64(Number.NaN)).toThrow(/not a time DateTime64\(3\) can hold/)
    expect(() => w.dateTime64(Date.parse('2300-01-01T00:00:00Z'))).toThrow(RangeError)
  })
})
