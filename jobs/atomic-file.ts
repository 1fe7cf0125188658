// Files appear whole or not at all: written to a temporary name in the same directory, flushed, then
// renamed over the final name (rename is atomic on one filesystem). A process killed mid-write leaves
// only a `.tmp` file, which readers ignore and housekeeping removes.
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'

/** Suffix of temporary files; housekeeping deletes old ones. */
export const TMP_SUFFIX = '.tmp'

/**
 * @example await writeFileAtomic('/data/reports/lamdong/daily-2026-03-01.vi.html', html)
 */
export async function writeFileAtomic(file: string, content: string | Buffer): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`)
  const fh = await open(tmp, 'w', 0o640)
  try {
    await fh.writeFile(content)
    await fh.sync()
  } catch (err) {
    await fh.close()
    await rm(tmp, { force: true })
    throw err
  }
  await fh.close()
  try {
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  // Persist the rename itself (the directory entry) before the run is recorded as succeeded.
  const dh = await open(dir, 'r')
  try {
    await dh.sync()
  } finally {
    await dh.close()
  }
}
