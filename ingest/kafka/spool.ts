// A durable, bounded, append-only spool on local disk. The collector answers a request only once its events
// are here, and a drainer moves them to Kafka in order, so a Kafka outage costs latency, not data.
//
// Layout of `dir`: segment files `000000000001.seg` (frames, see spool-frame.ts), `ack.json` (how far the
// drainer has delivered), `spool.lock` (pid of the owning process) and, after damage, `*.corrupt` files
// holding bytes cut out of a segment so an operator can look at them.
import { randomBytes } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { AppError, ConfigError, errorMessage, isErrno } from '../../infra/errors.ts'
import { createLogger } from '../../infra/logger.ts'
import {
  decodeFrame,
  encodeFrames,
  FRAME_HEADER_BYTES,
  MAX_KEY_BYTES,
  type SpoolRecord,
} from './spool-frame.ts'
import { nodeSpoolFs, type SpoolFs, syncDir, takeLock } from './spool-fs.ts'

export type { SpoolRecord } from './spool-frame.ts'
export type { SpoolFs } from './spool-fs.ts'

/** The spool holds `maxBytes` of undelivered records; the collector answers 503 with Retry-After. */
export class SpoolFullError extends AppError {
  constructor(needed: number, used: number, maxBytes: number) {
    super('SPOOL_FULL', `spool full: ${used} of ${maxBytes} bytes used, batch needs ${needed}`, {
      retry: true,
    })
  }
}

/** The disk refused a write (ENOSPC, EIO); nothing of the batch counts as spooled. Retrying may help. */
export class SpoolWriteError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('SPOOL_WRITE', message, { retry: true, cause })
  }
}

/** A batch larger than the whole spool, or a key longer than 65,535 bytes: it can never be spooled. */
export class SpoolBatchTooLargeError extends AppError {
  constructor(message: string) {
    super('SPOOL_BATCH_TOO_LARGE', message, { retry: false })
  }
}

/** Records failed their checksum after start-up (the disk changed them); reopening quarantines them. */
export class SpoolCorruptError extends AppError {
  constructor(message: string) {
    super('SPOOL_CORRUPT', message, { retry: false })
  }
}

/** The directory belongs to another live process, or this spool is closed. */
export class SpoolUnavailableError extends AppError {
  constructor(message: string) {
    super('SPOOL_UNAVAILABLE', message, { retry: false })
  }
}

/** The subset of a pino logger the spool uses. */
export interface SpoolLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** How the spool is set up. */
export interface SpoolOptions {
  /** Directory that holds the spool; created if missing. One process at a time (`spool.lock`). */
  dir: string
  /** Most bytes of undelivered records (frame headers included) the spool holds; past it, append throws. */
  maxBytes: number
  /**
   * Size at which a new segment file is started; a batch never spans two segments, so a larger one gets a
   * segment of its own. Default: a quarter of `maxBytes`, between 4 KiB and 16 MiB.
   */
  segmentBytes?: number
  /**
   * When data reaches the device. `always` (default): one write + fdatasync per append. `batch`: group
   * commit: appends that queue up while a write is in flight share the next write + fdatasync; each still
   * resolves only after its fdatasync. `never`: no fsync; survives a process crash, not a power cut.
   */
  fsync?: 'always' | 'batch' | 'never'
  /** Where damage found at open (torn or corrupt frames) and failed writes are reported. Default: pino. */
  log?: SpoolLogger
  /** Replaces file operations of the write path; for tests that simulate ENOSPC or EIO. */
  fsImpl?: Partial<SpoolFs>
}

declare const spoolPositionBrand: unique symbol

/** An opaque place in one open spool: returned by `peek`, handed back to `ack`. */
export interface SpoolPosition {
  readonly [spoolPositionBrand]: true
}

/**
 * Where a peeked batch lies in this spool directory, as text that sorts in append order:
 * `<spool id>:<segment>.<offset>` of its first record and of the position after its last. The same records
 * peeked again (after a restart too) have the same span; a span's `until` is at or before the next batch's
 * `from`. Lets a consumer name a delivery so that a replay of it is recognised (see transform/writer.ts).
 */
export interface SpoolSpan {
  from: string
  until: string
}

/** What `Spool.stats` reports. */
export interface SpoolStats {
  /** Bytes of undelivered records on disk, frame headers included (what `maxBytes` bounds). */
  bytes: number
  /** Undelivered records. */
  records: number
  /** Segment files on disk. */
  segments: number
}

/** A durable FIFO of Kafka messages on local disk. Get one with `openSpool`. */
export interface Spool {
  /**
   * Durably appends a batch (one write + fdatasync per call with `fsync: 'always'`, so one HTTP request is
   * one append). Resolves only once the batch is on disk, and then it is never lost by a crash.
   * Throws `SpoolFullError` (code SPOOL_FULL, retry true) if it would take undelivered bytes past
   * `maxBytes`, `SpoolWriteError` (SPOOL_WRITE, retry true) if the disk refuses the write (ENOSPC, EIO), and
   * `SpoolBatchTooLargeError` (retry false) for a batch that could never fit. After any rejection none of the
   * batch will be delivered, with one exception: if a failed write could not be rolled back either, records
   * of that batch may be delivered after a restart (a duplicate of the client's retry; event_id dedups it).
   */
  append(records: SpoolRecord[]): Promise<void>
  /**
   * Reads the oldest undelivered records in append order: at most `maxRecords`, and at most `maxBytes` of
   * keys + values (default 1 MiB), except that one record is always returned whatever its size. Peeking again
   * without `ack` returns the same records. `undefined` when nothing is waiting.
   */
  peek(
    maxRecords: number,
    maxBytes?: number,
  ): Promise<{ records: SpoolRecord[]; until: SpoolPosition; span: SpoolSpan } | undefined>
  /**
   * Marks everything up to `until` as delivered, durably (ack.json: write tmp + fsync + rename) before it
   * resolves, then deletes segment files that are wholly delivered. An ack that resolved is never undone by
   * a crash, so those records are not sent again; a crash between Kafka accepting a batch and its ack
   * resolving sends that one batch again (at least once; event_id dedups downstream). Acking a position
   * already covered is a no-op.
   */
  ack(until: SpoolPosition): Promise<void>
  /** Current size of the undelivered backlog. */
  readonly stats: SpoolStats
  /** Waits for appends in flight, then releases files and the directory lock. */
  close(): Promise<void>
}

const SEGMENT_NAME = /^(\d{12})\.seg$/
const ACK_FILE = 'ack.json'
const LOCK_FILE = 'spool.lock'
const DEFAULT_PEEK_BYTES = 1 << 20
const READ_CHUNK = 1 << 20

const AckState = z.object({
  version: z.literal(1),
  segment: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  /** Random id of this spool directory, made when it is first opened: names its positions in {@link SpoolSpan}. */
  id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
})
type AckState = z.infer<typeof AckState>

interface Segment {
  id: number
  file: string
  /** Bytes of whole, verified (or written and synced) frames; anything beyond is never read. */
  size: number
}

interface ActiveSegment {
  seg: Segment
  handle: FileHandle
  /** A failed write could not be rolled back: the bytes past `size` are garbage, so start a new segment. */
  sealed: boolean
}

interface PendingAppend {
  data: Buffer
  count: number
  resolve: () => void
  reject: (err: unknown) => void
}

class PositionImpl {
  constructor(
    readonly owner: DiskSpool,
    readonly segment: number,
    readonly offset: number,
    /** Records appended to this open spool before this position (counts acked ones for `stats`). */
    readonly seq: number,
  ) {}
}

/**
 * Opens (or creates) the spool in `opts.dir`, verifying every undelivered frame: a torn last frame from a
 * crash is cut away (warning), and bytes from a checksum mismatch on are moved to a `*.corrupt` file (error)
 * while reading goes on with the next segment. Damage never makes it throw; a missing permission or another
 * process holding the directory does.
 * @example
 * const spool = await openSpool({ dir: '/var/lib/nhip/spool', maxBytes: 1 << 30, log })
 * await spool.append([{ key: event.site, value: Buffer.from(JSON.stringify(event)) }])
 */
export async function openSpool(opts: SpoolOptions): Promise<Spool> {
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes <= 0) {
    throw new ConfigError(`spool maxBytes must be a positive integer, got ${opts.maxBytes}`)
  }
  const segmentBytes = opts.segmentBytes ?? Math.min(16 << 20, Math.max(4096, Math.floor(opts.maxBytes / 4)))
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0) {
    throw new ConfigError(`spool segmentBytes must be a positive integer, got ${opts.segmentBytes}`)
  }
  await fsp.mkdir(opts.dir, { recursive: true })
  const lockFile = path.join(opts.dir, LOCK_FILE)
  const held = await takeLock(lockFile)
  if (held) throw new SpoolUnavailableError(`spool ${opts.dir} is in use by process ${held.pid}`)
  const spool = new DiskSpool({
    dir: opts.dir,
    maxBytes: opts.maxBytes,
    segmentBytes,
    fsync: opts.fsync ?? 'always',
    log: opts.log ?? createLogger({ level: 'info', name: 'spool' }),
    fs: { ...nodeSpoolFs, ...opts.fsImpl },
  })
  try {
    await spool.recover()
  } catch (err) {
    await spool.close()
    throw err
  }
  return spool
}

interface Settings {
  dir: string
  maxBytes: number
  segmentBytes: number
  fsync: 'always' | 'batch' | 'never'
  log: SpoolLogger
  fs: SpoolFs
}

class DiskSpool implements Spool {
  private segments: Segment[] = []
  private active: ActiveSegment | undefined
  private readHandles = new Map<number, FileHandle>()
  private ackPos: AckState = { version: 1, segment: 0, offset: 0 }
  /** Records appended to (or found in) this open spool that are acked / committed, for positions. */
  private ackSeq = 0
  private tailSeq = 0
  private bytes = 0
  private queue: PendingAppend[] = []
  private writing = false
  private writerDone: Promise<void> = Promise.resolve()
  private readerTail: Promise<unknown> = Promise.resolve()
  private closed = false
  private closing: Promise<void> | undefined

  constructor(private readonly s: Settings) {}

  get stats(): SpoolStats {
    return { bytes: this.bytes, records: this.tailSeq - this.ackSeq, segments: this.segments.length }
  }

  /** Rebuilds the in-memory view from disk and repairs damage (see `openSpool`). */
  async recover(): Promise<void> {
    const { dir, log } = this.s
    await fsp.rm(path.join(dir, `${ACK_FILE}.tmp`), { force: true })
    this.ackPos = await this.readAck()
    if (!this.ackPos.id) {
      // Made once and kept before anything is peeked, so a span names the same records across restarts.
      this.ackPos = { ...this.ackPos, id: randomBytes(8).toString('hex') }
      await this.writeAck(this.ackPos)
    }
    const ids = (await fsp.readdir(dir))
      .map((name) => SEGMENT_NAME.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
    let sealLast = false
    const found: { seg: Segment; unacked: number }[] = []
    for (const [i, id] of ids.entries()) {
      const file = this.segmentFile(id)
      if (id < this.ackPos.segment) {
        // Delivered; the ack that covered it was persisted but the delete did not happen before a stop.
        await fsp.rm(file, { force: true })
        continue
      }
      const isLast = i === ids.length - 1
      const handle = await fsp.open(file, 'r')
      let size: number
      let scan: ScanResult
      let from = 0
      try {
        size = (await handle.stat()).size
        if (id === this.ackPos.segment) {
          from = Math.min(this.ackPos.offset, size)
          if (this.ackPos.offset > size) {
            // Only possible with fsync 'never' after a power cut. Appending here would land before the ack
            // offset and count as delivered, so new records go to a fresh segment.
            log.warn(
              { dir, segment: id, ackOffset: this.ackPos.offset, size },
              'spool ack is past segment end',
            )
            if (isLast) sealLast = true
          }
        }
        const maxFrameLen = Math.max(this.s.maxBytes, this.s.segmentBytes)
        scan = await scanSegment(handle, from, size, maxFrameLen, isLast)
      } finally {
        await handle.close()
      }
      if (scan.problem !== undefined) {
        const repaired = await this.repair(id, file, scan.end, size, scan.problem)
        if (!repaired && isLast) sealLast = true
      }
      this.tailSeq += scan.records
      this.bytes += scan.end - from
      found.push({ seg: { id, file, size: scan.end }, unacked: scan.end - from })
    }
    // Segments with nothing undelivered are deleted, except the last, which takes new appends.
    for (const [i, f] of found.entries()) {
      if (f.unacked === 0 && i < found.length - 1) await fsp.rm(f.seg.file, { force: true })
      else this.segments.push(f.seg)
    }
    const last = this.segments.at(-1)
    if (last === undefined) {
      await this.roll()
    } else {
      const handle = await fsp.open(last.file, 'r+')
      this.active = { seg: last, handle, sealed: sealLast }
    }
    log.info(
      { dir, bytes: this.bytes, records: this.stats.records, segments: this.segments.length },
      'spool opened',
    )
  }

  /** Cuts a damaged tail off a segment; corrupt bytes are first copied aside. False if that failed. */
  private async repair(
    id: number,
    file: string,
    at: number,
    size: number,
    problem: ScanProblem,
  ): Promise<boolean> {
    const { dir, log } = this.s
    const bytes = size - at
    const durable = this.s.fsync !== 'never'
    try {
      if (problem.kind === 'corrupt') {
        const quarantine = `${file}.${at}.corrupt`
        const src = await fsp.open(file, 'r')
        try {
          const tail = Buffer.alloc(bytes)
          await src.read(tail, 0, bytes, at)
          await fsp.writeFile(quarantine, tail, { flag: 'w' })
        } finally {
          await src.close()
        }
        if (durable) await syncDir(dir)
        log.error(
          {
            dir,
            segment: id,
            offset: at,
            bytes,
            reason: problem.reason,
            quarantine: path.basename(quarantine),
          },
          'spool segment corrupt: records from this offset on moved aside, not delivered',
        )
      } else {
        log.warn({ dir, segment: id, offset: at, bytes, reason: problem.reason }, 'spool: cut torn frame')
      }
      const handle = await fsp.open(file, 'r+')
      try {
        await handle.truncate(at)
        if (durable) await handle.datasync()
      } finally {
        await handle.close()
      }
      return true
    } catch (err) {
      // Leave the file as it is (the next open tries again) and read only the good part meanwhile.
      log.error({ dir, segment: id, offset: at, err: errorMessage(err) }, 'spool: could not repair segment')
      return false
    }
  }

  private async writeAck(next: AckState): Promise<void> {
    try {
      await this.s.fs.replaceFile(
        path.join(this.s.dir, ACK_FILE),
        JSON.stringify(next),
        this.s.fsync !== 'never',
      )
    } catch (err) {
      throw new SpoolWriteError(`spool could not persist its ack: ${errorMessage(err)}`, err)
    }
  }

  /** A position as text that sorts in append order (see {@link SpoolSpan}). */
  private spanKey(segment: number, offset: number): string {
    return `${this.ackPos.id ?? ''}:${String(segment).padStart(12, '0')}.${String(offset).padStart(12, '0')}`
  }

  private async readAck(): Promise<AckState> {
    const fallback: AckState = { version: 1, segment: 0, offset: 0 }
    let text: string
    try {
      text = await fsp.readFile(path.join(this.s.dir, ACK_FILE), 'utf8')
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return fallback
      throw err
    }
    try {
      return AckState.parse(JSON.parse(text))
    } catch (err) {
      // Losing the ack means re-sending, which downstream dedups; guessing it could skip records.
      this.s.log.error(
        { dir: this.s.dir, err: errorMessage(err) },
        'spool ack.json unreadable: re-sending all',
      )
      return fallback
    }
  }

  private segmentFile(id: number): string {
    return path.join(this.s.dir, `${String(id).padStart(12, '0')}.seg`)
  }

  async append(records: SpoolRecord[]): Promise<void> {
    this.assertOpen()
    if (records.length === 0) return
    for (const r of records) {
      if (Buffer.byteLength(r.key) > MAX_KEY_BYTES) {
        throw new SpoolBatchTooLargeError(
          `record key is ${Buffer.byteLength(r.key)} bytes, limit ${MAX_KEY_BYTES}`,
        )
      }
    }
    const data = encodeFrames(records)
    if (data.length > this.s.maxBytes) {
      throw new SpoolBatchTooLargeError(`batch of ${data.length} bytes exceeds spool size ${this.s.maxBytes}`)
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, count: records.length, resolve, reject })
      if (!this.writing) this.writerDone = this.runWriter()
    })
  }

  /** The single writer: takes queued appends in order, one at a time or (fsync 'batch') all that wait. */
  private async runWriter(): Promise<void> {
    this.writing = true
    try {
      while (this.queue.length > 0) {
        const group = this.s.fsync === 'always' ? this.queue.splice(0, 1) : this.queue.splice(0)
        try {
          await this.commit(group)
        } catch (err) {
          // commit settles every append itself; this is for bugs, which must not strand callers.
          for (const p of group) p.reject(err)
        }
      }
    } finally {
      this.writing = false
    }
  }

  private async commit(group: PendingAppend[]): Promise<void> {
    const accepted: PendingAppend[] = []
    let pending = 0
    for (const p of group) {
      if (this.bytes + pending + p.data.length > this.s.maxBytes) {
        p.reject(new SpoolFullError(p.data.length, this.bytes + pending, this.s.maxBytes))
      } else {
        accepted.push(p)
        pending += p.data.length
      }
    }
    let i = 0
    while (i < accepted.length) {
      const first = accepted[i] as PendingAppend
      let active: ActiveSegment
      try {
        active = await this.writableSegment(first.data.length)
      } catch (err) {
        const error = new SpoolWriteError(`spool could not start a segment: ${errorMessage(err)}`, err)
        this.s.log.error({ dir: this.s.dir, err: errorMessage(err) }, 'spool append failed')
        for (const p of accepted.slice(i)) p.reject(error)
        return
      }
      let j = i + 1
      let len = first.data.length
      for (; j < accepted.length; j++) {
        const next = (accepted[j] as PendingAppend).data.length
        if (active.seg.size + len + next > this.s.segmentBytes) break
        len += next
      }
      await this.writePart(active, accepted.slice(i, j), len)
      i = j
    }
  }

  private async writableSegment(nextLen: number): Promise<ActiveSegment> {
    const active = this.active
    if (active !== undefined && !active.sealed) {
      if (active.seg.size === 0 || active.seg.size + nextLen <= this.s.segmentBytes) return active
    }
    return this.roll()
  }

  private async writePart(active: ActiveSegment, part: PendingAppend[], len: number): Promise<void> {
    const data =
      part.length === 1
        ? (part[0] as PendingAppend).data
        : Buffer.concat(
            part.map((p) => p.data),
            len,
          )
    const at = active.seg.size
    try {
      await this.s.fs.write(active.handle, data, at)
      if (this.s.fsync !== 'never') await this.s.fs.sync(active.handle)
    } catch (err) {
      await this.rollBack(active, at, err)
      const error = new SpoolWriteError(`spool write failed: ${errorMessage(err)}`, err)
      for (const p of part) p.reject(error)
      return
    }
    active.seg.size = at + len
    this.bytes += len
    for (const p of part) {
      this.tailSeq += p.count
      p.resolve()
    }
  }

  /** Cuts a failed write's bytes off again, so the next append continues from the last good frame. */
  private async rollBack(active: ActiveSegment, at: number, cause: unknown): Promise<void> {
    const { dir, log } = this.s
    try {
      await this.s.fs.truncate(active.handle, at)
      if (this.s.fsync !== 'never') await this.s.fs.sync(active.handle)
      log.error({ dir, segment: active.seg.id, err: errorMessage(cause) }, 'spool append failed, rolled back')
    } catch (err) {
      active.sealed = true
      log.error(
        { dir, segment: active.seg.id, offset: at, err: errorMessage(cause), rollbackErr: errorMessage(err) },
        'spool append failed and could not be rolled back: segment sealed',
      )
    }
  }

  /** Starts the next segment file and makes it the one appends go to. */
  private async roll(): Promise<ActiveSegment> {
    const old = this.active
    const id = (old?.seg.id ?? this.ackPos.segment) + 1
    const file = this.segmentFile(id)
    const handle = await fsp.open(file, 'wx')
    try {
      if (this.s.fsync !== 'never') await syncDir(this.s.dir)
    } catch (err) {
      await handle.close()
      await fsp.rm(file, { force: true })
      throw err
    }
    const seg: Segment = { id, file, size: 0 }
    this.segments.push(seg)
    this.active = { seg, handle, sealed: false }
    if (old !== undefined) {
      await old.handle.close().catch((err: unknown) => {
        this.s.log.warn(
          { dir: this.s.dir, segment: old.seg.id, err: errorMessage(err) },
          'spool: close failed',
        )
      })
      await this.dropDelivered()
    }
    return this.active
  }

  async peek(
    maxRecords: number,
    maxBytes = DEFAULT_PEEK_BYTES,
  ): Promise<{ records: SpoolRecord[]; until: SpoolPosition; span: SpoolSpan } | undefined> {
    this.assertOpen()
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError('peek maxRecords must be >= 1')
    return this.withReader(async () => {
      const records: SpoolRecord[] = []
      let used = 0
      let last: { segment: number; offset: number } | undefined
      let first: { segment: number; offset: number } | undefined
      let stop = false
      for (const seg of [...this.segments]) {
        if (stop) break
        if (seg.id < this.ackPos.segment) continue
        let at = seg.id === this.ackPos.segment ? this.ackPos.offset : 0
        const end = seg.size
        if (at >= end) continue
        const reader = new WindowReader(
          await this.readHandle(seg),
          end,
          Math.min(READ_CHUNK * 4, Math.max(64 << 10, maxBytes - used + FRAME_HEADER_BYTES)),
        )
        while (at < end) {
          if (records.length >= maxRecords || (records.length > 0 && used >= maxBytes)) {
            stop = true
            break
          }
          let buf = await reader.read(at, FRAME_HEADER_BYTES)
          let r = decodeFrame(buf, 0)
          if (r.kind === 'short' && r.frameLen >= 0 && at + 4 + r.frameLen <= end) {
            buf = await reader.read(at, 4 + r.frameLen)
            r = decodeFrame(buf, 0)
          }
          if (r.kind !== 'frame') {
            const reason = r.kind === 'corrupt' ? r.reason : 'frame runs past the written end'
            this.s.log.error(
              { dir: this.s.dir, segment: seg.id, offset: at, reason },
              'spool record failed verification after open; restart the collector to quarantine it',
            )
            if (records.length === 0) {
              throw new SpoolCorruptError(`spool segment ${seg.id} offset ${at}: ${reason}`)
            }
            stop = true
            break
          }
          const payload = r.next - FRAME_HEADER_BYTES
          if (records.length > 0 && used + payload > maxBytes) {
            stop = true
            break
          }
          first ??= { segment: seg.id, offset: at }
          records.push(r.record)
          used += payload
          at += r.next
          last = { segment: seg.id, offset: at }
        }
      }
      if (last === undefined || first === undefined) return undefined
      const until = new PositionImpl(this, last.segment, last.offset, this.ackSeq + records.length)
      const span = {
        from: this.spanKey(first.segment, first.offset),
        until: this.spanKey(last.segment, last.offset),
      }
      return { records, until: until as unknown as SpoolPosition, span }
    })
  }

  async ack(until: SpoolPosition): Promise<void> {
    this.assertOpen()
    const pos: unknown = until
    if (!(pos instanceof PositionImpl) || pos.owner !== this) {
      throw new TypeError('spool ack: position does not come from this open spool')
    }
    return this.withReader(async () => {
      if (pos.seq <= this.ackSeq) return
      const next: AckState = { version: 1, segment: pos.segment, offset: pos.offset, id: this.ackPos.id }
      await this.writeAck(next)
      let delivered = 0
      for (const seg of this.segments) {
        if (seg.id < this.ackPos.segment || seg.id > next.segment) continue
        const from = seg.id === this.ackPos.segment ? this.ackPos.offset : 0
        const to = seg.id === next.segment ? next.offset : seg.size
        delivered += Math.max(0, to - from)
      }
      this.bytes -= delivered
      this.ackSeq = pos.seq
      this.ackPos = next
      await this.dropDelivered()
    })
  }

  /** Deletes segment files whose every record is acked (never the one appends go to). */
  private async dropDelivered(): Promise<void> {
    const { segment, offset } = this.ackPos
    const done = this.segments.filter(
      (seg) => seg !== this.active?.seg && (seg.id < segment || (seg.id === segment && offset >= seg.size)),
    )
    if (done.length === 0) return
    // Out of the list before any await, so a concurrent call does not pick the same files.
    this.segments = this.segments.filter((seg) => !done.includes(seg))
    for (const seg of done) {
      const handle = this.readHandles.get(seg.id)
      this.readHandles.delete(seg.id)
      try {
        await handle?.close()
        await fsp.rm(seg.file, { force: true })
      } catch (err) {
        // Only delivered records are in it; the next open deletes it (its id is below the ack).
        this.s.log.warn({ dir: this.s.dir, segment: seg.id, err: errorMessage(err) }, 'spool: delete failed')
      }
    }
  }

  private async readHandle(seg: Segment): Promise<FileHandle> {
    let handle = this.readHandles.get(seg.id)
    if (handle === undefined) {
      handle = await fsp.open(seg.file, 'r')
      this.readHandles.set(seg.id, handle)
    }
    return handle
  }

  /** Runs peek/ack one at a time (they share the read position); appends go on meanwhile. */
  private withReader<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.readerTail.then(fn)
    this.readerTail = run.catch(() => undefined)
    return run
  }

  private assertOpen(): void {
    if (this.closed) throw new SpoolUnavailableError(`spool ${this.s.dir} is closed`)
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true
      this.closing = (async () => {
        await this.writerDone
        await this.readerTail
        await this.active?.handle.close()
        for (const handle of this.readHandles.values()) await handle.close()
        this.readHandles.clear()
        await fsp.rm(path.join(this.s.dir, LOCK_FILE), { force: true })
      })()
    }
    return this.closing
  }
}

interface ScanProblem {
  kind: 'torn' | 'corrupt'
  reason: string
}

interface ScanResult {
  /** Offset just past the last good frame. */
  end: number
  records: number
  problem?: ScanProblem
}

/**
 * Walks frames from `from` to `size`, verifying each. In the last segment, a frame cut short by the end of the
 * file, or a tail of zeros (the file grew but its data never reached the disk), is torn: what a crash
 * mid-append leaves. Anything else that does not verify is corrupt, and so is a short frame in an older
 * segment (appends moved on from it only after a successful fsync, so no write of ours can be cut short
 * there; cutting it as "torn" would silently drop the frames after a damaged length field).
 * `maxFrameLen` tells an implausible length from a torn one.
 */
async function scanSegment(
  handle: FileHandle,
  from: number,
  size: number,
  maxFrameLen: number,
  isLast: boolean,
): Promise<ScanResult> {
  const reader = new WindowReader(handle, size, READ_CHUNK)
  let at = from
  let records = 0
  while (at < size) {
    let buf = await reader.read(at, FRAME_HEADER_BYTES)
    let r = decodeFrame(buf, 0)
    if (r.kind === 'short' && r.frameLen >= 0 && at + 4 + r.frameLen <= size) {
      buf = await reader.read(at, 4 + r.frameLen)
      r = decodeFrame(buf, 0)
    }
    if (r.kind === 'frame') {
      records++
      at += r.next
      continue
    }
    const torn = isLast ? 'torn' : 'corrupt'
    if (r.kind === 'short') {
      if (r.frameLen <= maxFrameLen) {
        return { end: at, records, problem: { kind: torn, reason: 'frame cut short by end of file' } }
      }
      return {
        end: at,
        records,
        problem: { kind: 'corrupt', reason: `implausible frame length ${r.frameLen}` },
      }
    }
    if (await reader.allZero(at)) {
      return { end: at, records, problem: { kind: torn, reason: 'zero-filled tail' } }
    }
    return { end: at, records, problem: { kind: 'corrupt', reason: r.reason } }
  }
  return { end: at, records }
}

/** Reads a file through one reusable window, so walking small frames is not one syscall per frame. */
class WindowReader {
  private buf = Buffer.alloc(0)
  private start = 0

  constructor(
    private readonly handle: FileHandle,
    private readonly end: number,
    private readonly chunk: number,
  ) {}

  /** Bytes from `at`: at least `want` of them unless the end comes first (more may follow). */
  async read(at: number, want: number): Promise<Buffer> {
    const need = Math.min(want, this.end - at)
    if (at >= this.start && at + need <= this.start + this.buf.length) {
      return this.buf.subarray(at - this.start)
    }
    const len = Math.min(Math.max(want, this.chunk), this.end - at)
    const buf = Buffer.allocUnsafe(len)
    let got = 0
    while (got < len) {
      const { bytesRead } = await this.handle.read(buf, got, len - got, at + got)
      if (bytesRead === 0) break
      got += bytesRead
    }
    this.buf = buf.subarray(0, got)
    this.start = at
    return this.buf
  }

  /** Whether every byte from `at` to the end is zero. */
  async allZero(at: number): Promise<boolean> {
    for (let pos = at; pos < this.end; ) {
      const buf = await this.read(pos, 1)
      if (buf.length === 0) return true
      for (const b of buf) if (b !== 0) return false
      pos += buf.length
    }
    return true
  }
}
