// Progress lines on stderr (stdout carries only the result table), each stamped with the seconds since
// the benchmark started, so a slow phase is visible while it runs and in a saved log afterwards.
import os from 'node:os'

const t0 = Date.now()

/** Writes `[bench +12.3s] message` to stderr. */
export function progress(message: string): void {
  process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`)
}

/** The 1/5/15-minute load averages, formatted — the machine is shared, so every result records them. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
