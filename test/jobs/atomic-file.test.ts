// A writer killed in the middle of a big write leaves no file under the final name, only a temporary one.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeFileAtomic } from '../../jobs/atomic-file.ts'

describe('writeFileAtomic', () => {
  it('replaces a file whole', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-atomic-'))
    const file = path.join(dir, 'a', 'report.html')
    await writeFileAtomic(file, 'v1')
    await writeFileAtomic(file, 'v2')
    expect(readFileSync(file, 'utf8')).toBe('v2')
    expect(readdirSync(path.dirname(file))).toEqual(['report.html'])
  })

  it('leaves nothing under the final name when the process is killed mid-write', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-atomic-'))
    const file = path.join(dir, 'daily.html')
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(path.resolve('jobs/atomic-file.ts'))}
      process.stdout.write('start\\n')
      await writeFileAtomic(${JSON.stringify(file)}, Buffer.alloc(1_500_000_000, 97))
      process.stdout.write('done\\n')`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    // Wait until the temporary file exists and is being filled, then kill.
    for (let i = 0; i < 200 && !readdirSync(dir).some((f) => f.endsWith('.tmp')); i++)
      await new Promise((r) => setTimeout(r, 10))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(existsSync(file)).toBe(false)
    expect(readdirSync(dir).every((f) => f.startsWith('.daily.html.') && f.endsWith('.tmp'))).toBe(true)
  })
})
