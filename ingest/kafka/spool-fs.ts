// File operations under the spool's write path, behind a small interface so tests can make them fail
// (ENOSPC, EIO) without a full disk, plus the durable-rename and single-owner lock helpers.
import type { FileHandle } from 'node:fs/promises'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { isErrno } from '../../infra/errors.ts'

/**
 * The writes the spool makes; every one may reject (ENOSPC, EIO), and the spool turns that into
 * `SpoolWriteError` without losing track of what is on disk. Override parts through `SpoolOptions.fsImpl`.
 */
export interface SpoolFs {
  /** Writes all of `data` at byte `position` of `file`. */
  write(file: FileHandle, data: Uint8Array, position: number): Promise<void>
  /** Flushes the file's data and size to the device (fdatasync). */
  sync(file: FileHandle): Promise<void>
  /** Cuts the file back to `length` bytes. */
  truncate(file: FileHandle, length: number): Promise<void>
  /** Replaces `file` with `data` atomically: readers see the old or the new content, never a mix. */
  replaceFile(file: string, data: string, durable: boolean): Promise<void>
}

/** The real file system. */
export const nodeSpoolFs: SpoolFs = {
  async write(file, data, position) {
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await file.write(data, done, data.length - done, position + done)
      if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' })
      done += bytesWritten
    }
  },
  async sync(file) {
    await file.datasync()
  },
  async truncate(file, length) {
    await file.truncate(length)
  },
  async replaceFile(file, data, durable) {
    const tmp = `${file}.tmp`
    const handle = await fsp.open(tmp, 'w')
    try {
      await handle.writeFile(data)
      if (durable) await handle.sync()
    } finally {
      await handle.close()
    }
    await fsp.rename(tmp, file)
    if (durable) await syncDir(path.dirname(file))
  },
}

/** Makes a directory's entries (files created, renamed) durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Why a lock could not be taken: another live process holds it. */
export interface LockHeld {
  pid: number
}

/**
 * Takes `lockFile` for this process, or reports the live process holding it. A lock left by a process
 * that died (crash, SIGKILL) is taken over. Pid-based: two containers that both run as pid 1 on one
 * shared volume are not told apart.
 */
export async function takeLock(lockFile: string): Promise<LockHeld | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fsp.writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' })
      return undefined
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err
    }
    const pid = Number.parseInt(await fsp.readFile(lockFile, 'utf8').catch(() => ''), 10)
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return { pid }
    await fsp.rm(lockFile, { force: true })
  }
  throw new Error(`could not take ${lockFile}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return isErrno(err, 'EPERM')
  }
}
