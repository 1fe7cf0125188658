// The growing byte buffer under the row encoders (TabSeparated text, Native blocks): room on demand, doubling.

/**
 * Bytes appended at `pos`; subclasses call {@link GrowingBytes.room} before writing past the end.
 * @example class W extends GrowingBytes { byte(b: number) { this.room(1); this.buf[this.pos++] = b } }
 */
export class GrowingBytes {
  protected buf: Buffer
  protected pos = 0

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(64, capacity))
  }

  /** Makes sure `n` more bytes fit. */
  protected room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  get length(): number {
    return this.pos
  }

  /** The bytes written so far (a view of the buffer: valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}
