// The `nhip` CLI as a separate process, the way an operator runs it (for integration and e2e tests).
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'

export const NHIP = path.resolve('bin/nhip')

export interface NhipRun {
  stdout: string
  stderr: string
  ms: number
}

/**
 * Runs `nhip ARGS` to completion; rejects with its stderr when it exits non-zero. Asynchronous on purpose: a
 * back-fill takes minutes on a busy machine, and spawnSync would block the test worker (and vitest's RPC).
 * Every child is pushed to `children` so the test's afterAll can kill what is left.
 */
export function runNhip(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; children: ChildProcess[]; timeoutMs: number; stdin?: string },
): Promise<NhipRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(NHIP, args, { env: opts.env })
    opts.children.push(child)
    let stdout = ''
    let stderr = ''
    // Decoded as a stream: a multi-byte character (Vietnamese text) split across two chunks stays whole.
    child.stdout?.setEncoding('utf8')
    child.stderr?.setEncoding('utf8')
    child.stdout?.on('data', (d: string) => {
      stdout += d
    })
    child.stderr?.on('data', (d: string) => {
      stderr += d
    })
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin)
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve({ stdout, stderr, ms: Date.now() - started })
      else reject(new Error(`nhip ${args.join(' ')} exited ${code}: ${stderr}`))
    })
  })
}

/**
 * Starts `nhip start` and resolves once it prints that it is running (or exits, or the wait ends);
 * `output()` is its stdout so far, for the caller's assertion.
 */
export async function startNhip(
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
  waitMs = 120_000,
): Promise<{ child: ChildProcess; output(): string }> {
  const child = spawn(NHIP, ['start'], { env })
  children.push(child)
  let out = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (d: string) => {
    out += d
  })
  const deadline = Date.now() + waitMs
  while (!out.includes('Nhịp is running') && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 250))
  return { child, output: () => out }
}
