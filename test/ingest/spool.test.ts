// The on-disk spool against the real file system: order, bounds, crash and corruption recovery, and
// failing writes. A child process killed with SIGKILL checks the "acknowledged means on disk" promise.
import { spawn } from 'node:child_process'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import zlib from 'node:zlib'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../infra/errors.ts'
import {
  openSpool,
  type Spool,
  SpoolBatchTooLargeError,
  type SpoolFs,
  SpoolFullError,
  type SpoolLogger,
  type SpoolOptions,
  type SpoolRecord,
  SpoolUnavailableError,
  SpoolWriteError,
} from '../../ingest/kafka/spool.ts'
import { crc32Portable, FRAME_HEADER_BYTES } from '../../ingest/kafka/spool-frame.ts'

const SPOOL_MODULE = fileURLToPath(new URL('../../ingest/kafka/spool.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

let dir: string
let opened: Spool[] = []

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nhip-spool-'))
})

afterEach(async () => {
  for (const spool of opened) await spool.close()
  opened = []
  await fsp.rm(dir, { recursive: true, force: true })
})

interface LogLine {
  level: 'info' | 'warn' | 'error'
  obj: Record<string, unknown>
  msg: string | undefined
}

/** A logger that keeps what it is told, so tests can assert on warnings and errors. */
function captureLog(): SpoolLogger & { lines: LogLine[]; at(level: LogLine['level']): LogLine[] } {
  const lines: LogLine[] = []
  const push = (level: LogLine['level']) => (obj: object, msg?: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, msg })
  }
  return {
    lines,
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    at: (level) => lines.filter((l) => l.level === level),
  }
}

async function open(opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  const spool = await openSpool({ dir, maxBytes: 1 << 20, log: captureLog(), ...opts })
  opened.push(spool)
  return spool
}

async function reopen(spool: Spool, opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  await spool.close()
  return open(opts)
}

/** An event-like record; `n` shows up in key and value so order and identity can be checked. */
function anEvent(n: number, valueBytes = 40): SpoolRecord {
  const head = `{"event_id":"e-${n}","site":"baolamdong"`
  const pad = Math.max(0, valueBytes - head.length - 1)
  return { key: `site-${n % 3}`, value: Buffer.from(`${head}${' '.repeat(pad)}}`) }
}

function eventIds(records: SpoolRecord[]): string[] {
  return records.map((r) => (JSON.parse(r.value.toString()) as { event_id: string }).event_id)
}

function ids(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `e-${from + i}`)
}

/** Peeks and acks until the spool is empty, returning everything in delivery order. */
async function drain(spool: Spool, batch = 7): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = []
  for (;;) {
    const got = await spool.peek(batch)
    if (got === undefined) return out
    out.push(...got.records)
    await spool.ack(got.until)
  }
}

async function segmentFiles(): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((f) => f.endsWith('.seg')).sort()
}

/** Frame size of `anEvent(n, valueBytes)` (keys are all 6 bytes). */
function frameSize(valueBytes: number): number {
  return FRAME_HEADER_BYTES + 'site-0'.length + valueBytes
}

function errnoError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code })
}

describe('spool round trip', () => {
  it('delivers in append order across several segments and deletes delivered segments', async () => {
    const spool = await open({ segmentBytes: 600 })
    for (let b = 0; b < 20; b++) await spool.append([0, 1, 2].map((j) => anEvent(b * 3 + j)))
    expect(spool.stats.records).toBe(60)
    expect(spool.stats.bytes).toBe(60 * frameSize(40))
    expect(spool.stats.segments).toBeGreaterThan(3)
    expect((await segmentFiles()).length).toBe(spool.stats.segments)

    const first = await spool.peek(7)
    const again = await spool.peek(7)
    expect(eventIds(first?.records ?? [])).toEqual(ids(0, 7))
    expect(eventIds(again?.records ?? [])).toEqual(ids(0, 7))
    expect(first?.records[0]?.key).toBe('site-0')

    const delivered = await drain(spool)
    expect(eventIds(delivered)).toEqual(ids(0, 60))
    expect(spool.stats).toEqual({ bytes: 0, records: 0, segments: 1 })
    expect(await segmentFiles()).toHaveLength(1)
    expect(await spool.peek(10)).toBeUndefined()
  })

  it('after close and reopen keeps undelivered records and forgets acked ones', async () => {
    let spool = await open({ segmentBytes: 500 })
    for (let b = 0; b < 10; b++) await spool.append([anEvent(b * 2), anEvent(b * 2 + 1)])
    const head = await spool.peek(12)
    expect(head?.records).toHaveLength(12)
    if (head) await spool.ack(head.until)

    spool = await reopen(spool, { segmentBytes: 500 })
    expect(spool.stats.records).toBe(8)
    expect(spool.stats.bytes).toBe(8 * frameSize(40))
    await spool.append([anEvent(20)])
    const rest = await drain(spool, 100)
    expect(eventIds(rest)).toEqual(ids(12, 21))

    spool = await reopen(spool, { segmentBytes: 500 })
    expect(await spool.peek(10)).toBeUndefined()
    expect(spool.stats.records).toBe(0)
  })

  it('names a peeked batch by a span that survives a restart and sorts in append order', async () => {
    let spool = await open({ segmentBytes: 500 })
    for (let b = 0; b < 10; b++) await spool.append([anEvent(b * 2), anEvent(b * 2 + 1)])
    const first = await spool.peek(6)
    if (!first) throw new Error('nothing peeked')
    await spool.ack(first.until)
    const second = await spool.peek(6)
    if (!second) throw new Error('nothing peeked')
    expect(second.span.from >= first.span.until).toBe(true)
    expect(second.span.until > second.span.from).toBe(true)
    // Killed before the ack: the same records come back with the same span.
    spool = await reopen(spool, { segmentBytes: 500 })
    const again = await spool.peek(6)
    expect(again?.span).toEqual(second.span)
    // Another spool directory names its batches differently.
    const other = await openSpool({
      dir: await fsp.mkdtemp(path.join(os.tmpdir(), 'nhip-spool-')),
      maxBytes: 1 << 20,
    })
    opened.push(other)
    await other.append([anEvent(0)])
    const elsewhere = await other.peek(1)
    expect(elsewhere?.span.from.split(':')[0]).not.toBe(first.span.from.split(':')[0])
  })

  it('honours the byte limit of a peek but always returns at least one record', async () => {
    const spool = await open()
    await spool.append([anEvent(0, 100), anEvent(1, 100), anEvent(2, 100)])
    expect((await spool.peek(10, 250))?.records).toHaveLength(2)
    expect((await spool.peek(10, 1))?.records).toHaveLength(1)
  })

  it('keeps order when appends, peeks and acks interleave', async () => {
    for (const fsync of ['always', 'batch', 'never'] as const) {
      const spool = await open({ fsync, segmentBytes: 2000 })
      const appends = Array.from({ length: 200 }, (_, i) => spool.append([anEvent(i)]))
      const delivered: SpoolRecord[] = []
      const allAppended = Promise.all(appends)
      let done = false
      void allAppended.then(() => {
        done = true
      })
      while (!done || spool.stats.records > 0) {
        const got = await spool.peek(13)
        if (got === undefined) {
          await new Promise((r) => setTimeout(r, 1))
          continue
        }
        delivered.push(...got.records)
        await spool.ack(got.until)
      }
      await allAppended
      expect(eventIds(delivered)).toEqual(ids(0, 200))
      await spool.close()
      await fsp.rm(dir, { recursive: true, force: true })
      await fsp.mkdir(dir)
    }
  })

  it('refuses a second owner of the directory while the first has it open', async () => {
    const spool = await open()
    await expect(openSpool({ dir, maxBytes: 1000, log: captureLog() })).rejects.toBeInstanceOf(
      SpoolUnavailableError,
    )
    await spool.close()
    await expect(spool.append([anEvent(0)])).rejects.toBeInstanceOf(SpoolUnavailableError)
    const again = await open()
    expect(again.stats.records).toBe(0)
  })
})

describe('spool recovery', () => {
  it('cuts a torn last frame left by a crash and keeps the frames before it', async () => {
    let spool = await open()
    for (let i = 0; i < 5; i++) await spool.append([anEvent(i)])
    await spool.close()
    const [seg] = await segmentFiles()
    const file = path.join(dir, seg ?? '')
    const size = (await fsp.stat(file)).size
    await fsp.truncate(file, size - 7)

    const log = captureLog()
    spool = await open({ log })
    expect(spool.stats.records).toBe(4)
    const warning = log.at('warn').find((l) => l.obj.bytes === frameSize(40) - 7)
    expect(warning?.msg).toMatch(/torn/)
    expect(log.at('error')).toEqual([])
    expect((await fsp.stat(file)).size).toBe(4 * frameSize(40))

    // Appends continue from the last good frame, and survive another reopen.
    await spool.append([anEvent(5)])
    spool = await reopen(spool)
    expect(eventIds(await drain(spool))).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-5'])
  })

  it('treats a zero-filled tail (data never reached the disk) as torn', async () => {
    let spool = await open()
    await spool.append([anEvent(0)])
    await spool.close()
    const [seg] = await segmentFiles()
    await fsp.appendFile(path.join(dir, seg ?? ''), Buffer.alloc(300))
    const log = captureLog()
    spool = await open({ log })
    expect(eventIds(await drain(spool))).toEqual(['e-0'])
    expect(log.at('warn').some((l) => l.obj.bytes === 300)).toBe(true)
    expect(log.at('error')).toEqual([])
  })

  it('moves a corrupt middle of a segment aside, logs an error, and reads on from the next segment', async () => {
    const per = frameSize(40)
    let spool = await open({ segmentBytes: per * 10 })
    for (let i = 0; i < 20; i++) await spool.append([anEvent(i)])
    await spool.close()
    const [first, second] = await segmentFiles()
    expect(second).toBeDefined()
    const file = path.join(dir, first ?? '')
    const bytes = await fsp.readFile(file)
    const at = 4 * per + FRAME_HEADER_BYTES + 10 // inside record 4's value
    bytes[at] = (bytes[at] as number) ^ 0x20
    await fsp.writeFile(file, bytes)

    const log = captureLog()
    spool = await open({ log, segmentBytes: per * 10 })
    const errors = log.at('error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.obj).toMatchObject({ offset: 4 * per, bytes: 6 * per, reason: 'checksum mismatch' })
    const quarantine = path.join(dir, `${first}.${4 * per}.corrupt`)
    expect((await fsp.readFile(quarantine)).length).toBe(6 * per)
    expect(spool.stats.records).toBe(14)
    expect(eventIds(await drain(spool))).toEqual([...ids(0, 4), ...ids(10, 20)])
  })

  it('quarantines a frame cut short in an older segment instead of dropping it as torn', async () => {
    const per = frameSize(40)
    let spool = await open({ segmentBytes: per * 3 })
    for (let i = 0; i < 6; i++) await spool.append([anEvent(i)])
    await spool.close()
    const [first] = await segmentFiles()
    await fsp.truncate(path.join(dir, first ?? ''), per * 2 + 5)

    const log = captureLog()
    spool = await open({ log, segmentBytes: per * 3 })
    expect(log.at('error')).toHaveLength(1)
    expect(await fsp.stat(path.join(dir, `${first}.${per * 2}.corrupt`))).toMatchObject({ size: 5 })
    expect(eventIds(await drain(spool))).toEqual(['e-0', 'e-1', 'e-3', 'e-4', 'e-5'])
  })

  it('survives a corrupt frame length and an unreadable ack.json without throwing', async () => {
    let spool = await open()
    for (let i = 0; i < 3; i++) await spool.append([anEvent(i)])
    const got = await spool.peek(1)
    if (got) await spool.ack(got.until)
    await spool.close()
    const [seg] = await segmentFiles()
    const file = path.join(dir, seg ?? '')
    const bytes = await fsp.readFile(file)
    bytes.writeUInt32BE(0xfffffff0, 2 * frameSize(40)) // record 2's length: far past the end of the file
    await fsp.writeFile(file, bytes)
    await fsp.writeFile(path.join(dir, 'ack.json'), '{"version":1,"segm')

    const log = captureLog()
    spool = await open({ log })
    // Without a readable ack everything still on disk is sent again (duplicates dedup; loss would not).
    expect(eventIds(await drain(spool))).toEqual(['e-0', 'e-1'])
    expect(log.at('error').map((l) => l.msg)).toEqual([
      expect.stringMatching(/ack\.json/),
      expect.stringMatching(/corrupt/),
    ])
  })
})

describe('spool limits and failing disks', () => {
  it('throws SpoolFullError past maxBytes, and has room again after an ack', async () => {
    const per = frameSize(100)
    const spool = await open({ maxBytes: per * 10, segmentBytes: per * 4 })
    for (let i = 0; i < 5; i++) await spool.append([anEvent(2 * i, 100), anEvent(2 * i + 1, 100)])
    expect(spool.stats.bytes).toBe(per * 10)

    const full = await spool.append([anEvent(10, 100)]).catch((err: unknown) => err)
    expect(full).toBeInstanceOf(SpoolFullError)
    expect(full).toBeInstanceOf(AppError)
    expect(full).toMatchObject({ code: 'SPOOL_FULL', retry: true })
    expect(spool.stats.records).toBe(10)

    const head = await spool.peek(3)
    if (head) await spool.ack(head.until)
    await spool.append([anEvent(10, 100), anEvent(11, 100), anEvent(12, 100)])
    await expect(spool.append([anEvent(13, 100)])).rejects.toBeInstanceOf(SpoolFullError)
    expect(eventIds(await drain(spool))).toEqual(ids(3, 13))

    // A batch that could never fit is not worth retrying.
    const tooBig = Array.from({ length: 11 }, (_, i) => anEvent(i, 100))
    await expect(spool.append(tooBig)).rejects.toMatchObject({ code: 'SPOOL_BATCH_TOO_LARGE', retry: false })
    await expect(spool.append(tooBig)).rejects.toBeInstanceOf(SpoolBatchTooLargeError)
  })

  it('rejects with SpoolWriteError on ENOSPC mid-write and stays consistent', async () => {
    let fail = false
    const log = captureLog()
    const fsImpl: Partial<SpoolFs> = {
      async write(file, data, position) {
        if (!fail) {
          await file.write(data, 0, data.length, position)
          return
        }
        await file.write(data, 0, Math.floor(data.length / 2), position) // the disk filled up halfway
        throw errnoError('ENOSPC')
      },
    }
    let spool = await open({ fsImpl, log })
    await spool.append([anEvent(0), anEvent(1)])
    const before = spool.stats

    fail = true
    const err = await spool.append([anEvent(2), anEvent(3), anEvent(4)]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SpoolWriteError)
    expect(err).toMatchObject({ code: 'SPOOL_WRITE', retry: true, cause: { code: 'ENOSPC' } })
    expect(spool.stats).toEqual(before)
    expect(log.at('error')).toHaveLength(1)

    fail = false
    await spool.append([anEvent(5)])
    expect(eventIds((await spool.peek(10))?.records ?? [])).toEqual(['e-0', 'e-1', 'e-5'])

    const reopenLog = captureLog()
    spool = await reopen(spool, { log: reopenLog })
    expect(eventIds(await drain(spool))).toEqual(['e-0', 'e-1', 'e-5'])
    expect(reopenLog.lines.filter((l) => l.level !== 'info')).toEqual([])
  })

  it('rejects on a failed fsync (EIO) and seals the segment when the rollback fails too', async () => {
    let failSyncs = 0
    let failTruncate = false
    const fsImpl: Partial<SpoolFs> = {
      async sync(file) {
        if (failSyncs > 0) {
          failSyncs--
          throw errnoError('EIO')
        }
        await file.datasync()
      },
      async truncate(file, length) {
        if (failTruncate) throw errnoError('EIO')
        await file.truncate(length)
      },
    }
    let spool = await open({ fsImpl })
    await spool.append([anEvent(0)])

    // A one-off EIO: the write is cut off again and the segment goes on being used.
    failSyncs = 1
    await expect(spool.append([anEvent(1)])).rejects.toMatchObject({
      code: 'SPOOL_WRITE',
      cause: { code: 'EIO' },
    })
    await spool.append([anEvent(2)])
    expect(spool.stats.segments).toBe(1)

    // Now the bytes of the failed write stay in the file: the spool moves on to a new segment.
    failSyncs = 1
    failTruncate = true
    await expect(spool.append([anEvent(3)])).rejects.toBeInstanceOf(SpoolWriteError)
    failTruncate = false
    await spool.append([anEvent(4)])
    expect(spool.stats.segments).toBe(2)
    expect(eventIds((await spool.peek(10))?.records ?? [])).toEqual(['e-0', 'e-2', 'e-4'])

    // The un-rolled-back frame is whole and valid on disk, so a restart delivers it: a duplicate of the
    // client's retry, which event_id dedups. Nothing that was acknowledged is missing.
    spool = await reopen(spool)
    expect(eventIds(await drain(spool))).toEqual(['e-0', 'e-2', 'e-3', 'e-4'])
  })

  it('keeps records and the old ack when persisting an ack fails', async () => {
    let failAck = false
    const fsImpl: Partial<SpoolFs> = {
      async replaceFile(file, data) {
        if (failAck) throw errnoError('ENOSPC')
        await fsp.writeFile(file, data)
      },
    }
    let spool = await open({ fsImpl })
    for (let i = 0; i < 4; i++) await spool.append([anEvent(i)])
    const head = await spool.peek(2)
    if (head === undefined) throw new Error('expected records')
    failAck = true
    await expect(spool.ack(head.until)).rejects.toBeInstanceOf(SpoolWriteError)
    expect(spool.stats.records).toBe(4)
    expect(eventIds((await spool.peek(2))?.records ?? [])).toEqual(['e-0', 'e-1'])
    failAck = false
    await spool.ack(head.until)
    spool = await reopen(spool)
    expect(eventIds(await drain(spool))).toEqual(['e-2', 'e-3'])
  })
})

/** Source of a process that appends numbered batches of 5 and prints each batch number once it resolved. */
function childSource(): string {
  return `
import { openSpool } from ${JSON.stringify(pathToFileURL(SPOOL_MODULE).href)}
const [dir, fsync, concurrency] = process.argv.slice(2)
const quiet = { info() {}, warn() {}, error() {} }
const spool = await openSpool({ dir, maxBytes: 1 << 30, segmentBytes: 64 << 10, fsync, log: quiet })
let next = 0
async function loop() {
  for (;;) {
    const batch = next++
    const records = [0, 1, 2, 3, 4].map((j) => ({ key: 'b' + batch, value: Buffer.from(batch + ':' + j + ':' + 'x'.repeat(200)) }))
    await spool.append(records)
    process.stdout.write(batch + '\\n')
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, loop))
`
}

/** Runs the child until it has printed `atLeast` batches, SIGKILLs it, and returns the batches it printed. */
async function appendUntilKilled(spoolDir: string, fsync: string, concurrency: number, atLeast: number) {
  const script = path.join(dir, 'child.mts')
  await fsp.writeFile(script, childSource())
  // node --import tsx (not npx tsx): npx and tsx's CLI would be parents, and SIGKILL must hit the writer.
  const child = spawn(process.execPath, ['--import', 'tsx', script, spoolDir, fsync, String(concurrency)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child too slow; stderr: ${err}`)), 25_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.split('\n').length > atLeast) {
        clearTimeout(timer)
        child.kill('SIGKILL')
        resolve()
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`child exited early; stderr: ${err}`))
    })
  }).catch(async (e: unknown) => {
    child.kill('SIGKILL')
    throw e
  })
  expect(await exited).toBe('SIGKILL')
  // Only complete lines: a number is printed after its append resolved.
  return out
    .split('\n')
    .slice(0, -1)
    .map((line) => Number(line))
}

describe('spool crash durability', () => {
  it.each([
    ['always', 1],
    ['batch', 4],
  ])(
    'every append that resolved before SIGKILL is there exactly once (fsync %s, %i writers)',
    async (fsync, concurrency) => {
      const spoolDir = path.join(dir, 'spool')
      const printed = await appendUntilKilled(spoolDir, fsync, concurrency, 150)
      expect(printed.length).toBeGreaterThanOrEqual(150)

      const spool = await open({ dir: spoolDir, maxBytes: 1 << 30, segmentBytes: 64 << 10 })
      const records = await drain(spool, 500)
      const perBatch = new Map<number, string[]>()
      const batchOrder: number[] = []
      for (const r of records) {
        const [batch, j] = r.value.toString().split(':').map(Number) as [number, number]
        expect(r.key).toBe(`b${batch}`)
        if (!perBatch.has(batch)) batchOrder.push(batch)
        perBatch.set(batch, [...(perBatch.get(batch) ?? []), String(j)])
      }
      for (const batch of printed) expect(perBatch.get(batch)).toEqual(['0', '1', '2', '3', '4'])
      // Batches leave the spool in the order they were appended, each in one piece.
      expect(batchOrder).toEqual([...batchOrder].sort((a, b) => a - b))
      expect(new Set(batchOrder).size).toBe(batchOrder.length)
      // Besides those, only appends in flight at the kill may be there (their clients saw no answer).
      const unprinted = batchOrder.filter((b) => !printed.includes(b))
      expect(unprinted.length).toBeLessThanOrEqual(concurrency)
    },
    40_000,
  )
})

describe('spool frame checksum', () => {
  it('the portable CRC-32 matches zlib', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff))
    expect(crc32Portable(data)).toBe(zlib.crc32(data))
    expect(crc32Portable(Buffer.alloc(0))).toBe(0)
  })
})

describe('spool throughput', () => {
  it('prints appends/s for 20-record batches of 400-byte values, fsync always vs batch', async () => {
    // Shared disks are noisy: configurations take turns over three rounds and the median is reported.
    const batch = Array.from({ length: 20 }, (_, i) => anEvent(i, 400))
    const configs = [1, 16].flatMap((writers) =>
      (['always', 'batch'] as const).map((fsync) => ({ fsync, writers })),
    )
    const rates = configs.map(() => [] as number[])
    for (let round = 0; round < 3; round++) {
      for (const [c, { fsync, writers }] of configs.entries()) {
        const spoolDir = path.join(dir, `${fsync}-${writers}-${round}`)
        const spool = await open({ dir: spoolDir, maxBytes: 1 << 30, fsync, log: pino({ level: 'silent' }) })
        await spool.append(batch) // warm-up: first segment, JIT
        let appends = 0
        const start = performance.now()
        const until = start + 400
        const writer = async () => {
          while (performance.now() < until) {
            await spool.append(batch)
            appends++
          }
        }
        await Promise.all(Array.from({ length: writers }, writer))
        rates[c]?.push(appends / ((performance.now() - start) / 1000))
        expect(spool.stats.records).toBe((appends + 1) * 20)
        await spool.close()
        await fsp.rm(spoolDir, { recursive: true, force: true })
      }
    }
    const rows = configs.map(({ fsync, writers }, c) => {
      const median = [...(rates[c] ?? [])].sort((a, b) => a - b)[1] ?? 0
      return {
        fsync,
        writers,
        appendsPerSecond: Math.round(median),
        eventsPerSecond: Math.round(median * 20),
      }
    })
    console.log('spool appends/s, 20 records x 400 B value per append (median of 3 x 0.4 s)')
    console.table(rows)
  }, 20_000)
})
