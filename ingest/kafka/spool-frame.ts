// The spool's on-disk frame: pure encoding, decoding and checksums, so the file format is tested without IO.
//
//   [u32 frameLen][u32 crc32][u16 keyLen][key bytes][value bytes]      (all integers big-endian)
//
// frameLen counts the bytes after the length field (6 + keyLen + valueLen). The CRC covers keyLen, key and
// value: covering keyLen too means a flipped bit in it cannot move the key/value boundary unnoticed.
import zlib from 'node:zlib'

/** Bytes before the key: frameLen (4) + crc32 (4) + keyLen (2). */
export const FRAME_HEADER_BYTES = 10
/** Smallest legal frameLen: crc32 + keyLen with an empty key and value. */
export const MIN_FRAME_LEN = 6
/** Longest key a frame can hold (u16 length). */
export const MAX_KEY_BYTES = 0xffff

/** One Kafka message as the spool stores it. */
export interface SpoolRecord {
  key: string
  value: Buffer
}

let table: Uint32Array | undefined

/** Table-driven CRC-32 (IEEE, the same as zlib's), for Node versions before 20.15 that lack `zlib.crc32`. */
export function crc32Portable(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) {
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  }
  return (crc ^ 0xffffffff) >>> 0
}

// zlib.crc32 is native (and much faster); engines allows Node 20.11, which predates it.
const nativeCrc32: ((data: Uint8Array) => number) | undefined =
  typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : undefined

/** CRC-32 of `data`: zlib's native one when the runtime has it. */
export const crc32: (data: Uint8Array) => number = nativeCrc32 ?? crc32Portable

/**
 * Encodes records as consecutive frames in one buffer (so a batch is one write).
 * The caller checks key lengths first (`MAX_KEY_BYTES`).
 * @example const buf = encodeFrames([{ key: 'site-a', value: Buffer.from('{}') }])
 */
export function encodeFrames(records: readonly SpoolRecord[]): Buffer {
  const keys = records.map((r) => Buffer.from(r.key))
  let total = 0
  for (let i = 0; i < records.length; i++) {
    total += FRAME_HEADER_BYTES + (keys[i] as Buffer).length + (records[i] as SpoolRecord).value.length
  }
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < records.length; i++) {
    const key = keys[i] as Buffer
    const value = (records[i] as SpoolRecord).value
    const frameLen = MIN_FRAME_LEN + key.length + value.length
    out.writeUInt32BE(frameLen, at)
    out.writeUInt16BE(key.length, at + 8)
    key.copy(out, at + FRAME_HEADER_BYTES)
    out.set(value, at + FRAME_HEADER_BYTES + key.length)
    out.writeUInt32BE(crc32(out.subarray(at + 8, at + 4 + frameLen)), at + 4)
    at += 4 + frameLen
  }
  return out
}

/** What lies at one offset of a segment. */
export type FrameRead =
  | { kind: 'frame'; record: SpoolRecord; next: number }
  /** More bytes are needed to decide (the frame runs past the end of `buf`). */
  | { kind: 'short'; frameLen: number }
  | { kind: 'corrupt'; reason: string }

/**
 * Decodes the frame starting at `at` in `buf`, verifying its checksum.
 * `next` is the offset just after the frame. Values are views into `buf`, not copies.
 */
export function decodeFrame(buf: Buffer, at: number): FrameRead {
  if (buf.length - at < 4) return { kind: 'short', frameLen: -1 }
  const frameLen = buf.readUInt32BE(at)
  if (frameLen < MIN_FRAME_LEN) return { kind: 'corrupt', reason: `frame length ${frameLen} is too small` }
  if (buf.length - at < 4 + frameLen) return { kind: 'short', frameLen }
  const stored = buf.readUInt32BE(at + 4)
  const actual = crc32(buf.subarray(at + 8, at + 4 + frameLen))
  if (stored !== actual) return { kind: 'corrupt', reason: 'checksum mismatch' }
  const keyLen = buf.readUInt16BE(at + 8)
  if (keyLen > frameLen - MIN_FRAME_LEN) return { kind: 'corrupt', reason: 'key longer than frame' }
  const keyStart = at + FRAME_HEADER_BYTES
  const valueStart = keyStart + keyLen
  const end = at + 4 + frameLen
  return {
    kind: 'frame',
    record: { key: buf.toString('utf8', keyStart, valueStart), value: buf.subarray(valueStart, end) },
    next: end,
  }
}
