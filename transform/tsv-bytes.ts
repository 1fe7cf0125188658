// TabSeparated rows written straight into bytes. The bulk writer used to build one JS string per row and join
// them, then encode the whole text to UTF-8: most of its time went to string building, the UTF-8 pass and the
// garbage they left (18 µs of 29 per simulated event, measured on this machine). Rows repeat their strings —
// every event of a page view carries the same URL, title, section, referrer, device, province — so a field's
// escaped UTF-8 bytes are kept once and copied; ids, which do not repeat, are written byte by byte.

import { GrowingBytes } from './growing-bytes.ts'

const TSV_SPECIAL = /[\\\t\n\r\0]/
const TSV_SPECIAL_ALL = /[\\\t\n\r\0]/g
const TSV_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
}
const QUOTED_SPECIAL = /[\\\t\n\r\0']/
const QUOTED_SPECIAL_ALL = /[\\\t\n\r\0']/g
const QUOTED_ESCAPES: Record<string, string> = { ...TSV_ESCAPES, "'": "\\'" }

/** A String field of TabSeparated: backslash, tab, newline, CR and NUL escaped (most fields have none). */
export function tsvEscape(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(TSV_SPECIAL_ALL, (c) => TSV_ESCAPES[c] ?? c) : s
}

/** A quoted string inside a TabSeparated Map value: `'…'` with backslash escapes. */
function quoted(s: string): string {
  return `'${QUOTED_SPECIAL.test(s) ? s.replace(QUOTED_SPECIAL_ALL, (c) => QUOTED_ESCAPES[c] ?? c) : s}'`
}

/** A Map(String, String) field of TabSeparated: `{'k':'v',…}` (its quoting escapes every TSV special too). */
export function tsvMap(m: Record<string, string>): string {
  let out = ''
  for (const k in m) out += `${out ? ',' : ''}${quoted(k)}:${quoted(m[k] ?? '')}`
  return `{${out}}`
}

/** DateTime64(3) text in UTC, `YYYY-MM-DD hh:mm:ss.mmm`. */
export function chDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

const TAB = 9
const NEWLINE = 10
const DIGIT_0 = 48
const DOT = 46
/** Distinct strings kept (at most ~20 MB); past this the cache starts over. A chunk holds a few thousand. */
const CACHE_MAX = 50_000
/** The last instant {@link chDateTime} formats with a four-digit year. */
const YEAR_10000 = 253_402_300_800_000

// Shared by every writer of the process: the same titles and URLs come back batch after batch.
const fieldBytes = new Map<string, Buffer>()
// 'YYYY-MM-DD hh:mm:' of a minute (rows of a batch share minutes).
const minuteBytes = new Map<number, Buffer>()

/**
 * Appends TabSeparated fields to a growing buffer.
 * @example const w = new TsvWriter(); w.text('a'); w.tab(); w.uint(1); w.newline(); const bytes = w.bytes()
 */
export class TsvWriter extends GrowingBytes {
  tab(): void {
    this.room(1)
    this.buf[this.pos++] = TAB
  }

  newline(): void {
    this.room(1)
    this.buf[this.pos++] = NEWLINE
  }

  /** A string field that repeats across rows (URL, title, section…): escaped and encoded once, then copied. */
  text(s: string): void {
    if (s.length === 0) return
    let b = fieldBytes.get(s)
    if (b === undefined) {
      b = Buffer.from(tsvEscape(s), 'utf8')
      if (fieldBytes.size >= CACHE_MAX) fieldBytes.clear()
      fieldBytes.set(s, b)
    }
    this.room(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** A string field that rarely repeats (an id): ASCII without specials is copied byte by byte. */
  id(s: string): void {
    const n = s.length
    this.room(n)
    const buf = this.buf
    const start = this.pos
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80 || c === 92 || c < 32) {
        // Not plain ASCII, or a character to escape: the general path.
        this.pos = start
        this.raw(tsvEscape(s))
        return
      }
      buf[start + i] = c
    }
    this.pos = start + n
  }

  /** Already-escaped text, written as UTF-8. */
  raw(s: string): void {
    this.room(s.length * 3)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  /** A non-negative whole number in decimal; anything else as JavaScript prints it. */
  uint(v: number): void {
    if (!(Number.isSafeInteger(v) && v >= 0)) {
      this.raw(String(v))
      return
    }
    if (v < 10) {
      this.room(1)
      this.buf[this.pos++] = DIGIT_0 + v
      return
    }
    let digits = 1
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++
    this.room(digits)
    let x = v
    for (let i = this.pos + digits - 1; i >= this.pos; i--) {
      const q = Math.floor(x / 10)
      this.buf[i] = DIGIT_0 + (x - q * 10)
      x = q
    }
    this.pos += digits
  }

  /** A DateTime64(3) field in UTC from epoch milliseconds, exactly as {@link chDateTime} prints it. */
  dateTime(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000) {
      this.raw(chDateTime(ms))
      return
    }
    const minute = Math.floor(ms / 60_000)
    let prefix = minuteBytes.get(minute)
    if (prefix === undefined) {
      if (minuteBytes.size >= 1440) minuteBytes.clear()
      prefix = Buffer.from(chDateTime(minute * 60_000).slice(0, 17), 'latin1')
      minuteBytes.set(minute, prefix)
    }
    this.room(23)
    const buf = this.buf
    let p = this.pos
    buf.set(prefix, p)
    p += 17
    const rest = ms - minute * 60_000
    const sec = Math.floor(rest / 1000)
    const milli = rest - sec * 1000
    buf[p++] = DIGIT_0 + Math.floor(sec / 10)
    buf[p++] = DIGIT_0 + (sec % 10)
    buf[p++] = DOT
    buf[p++] = DIGIT_0 + Math.floor(milli / 100)
    buf[p++] = DIGIT_0 + (Math.floor(milli / 10) % 10)
    buf[p++] = DIGIT_0 + (milli % 10)
    this.pos = p
  }

  /** A Map(String, String) field; the empty map, the usual case, without building a string. */
  map(m: Record<string, string>): void {
    for (const _ in m) {
      this.raw(tsvMap(m))
      return
    }
    this.room(2)
    this.buf[this.pos++] = 123 // {
    this.buf[this.pos++] = 125 // }
  }
}
