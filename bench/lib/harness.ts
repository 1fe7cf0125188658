// Benchmark harness: every benchmark prints a table and writes bench/results/NAME.json in one shape,
// with the machine it ran on, so runs can be compared (as ratios against a baseline from the same run).
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results')

export interface BenchResult {
  name: string
  date: string
  machine: { cpus: number; model: string; node: string; memory_gb: number; platform: string }
  metrics: Record<string, number>
  notes: string
}

export function machineInfo(): BenchResult['machine'] {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
  }
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN
}

/** Prints rows as an aligned table on stdout. */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const first = rows[0]
  if (!first) return
  const cols = Object.keys(first)
  const fmt = (v: string | number | undefined) =>
    typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(3)) : String(v ?? '')
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ')
  process.stdout.write(`\n${title}\n${line(cols)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`)
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => fmt(r[c])))}\n`)
}

/**
 * Writes `bench/results/NAME.json` and returns what it wrote.
 * @example writeResult('transform', { pipeline_ratio: 0.62 }, 'chDB embedded, 1 broker')
 */
export function writeResult(name: string, metrics: Record<string, number>, notes: string): BenchResult {
  const result: BenchResult = { name, date: new Date().toISOString(), machine: machineInfo(), metrics, notes }
  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = path.join(RESULTS_DIR, `${name}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(`\nresults written to ${path.relative(process.cwd(), file)}\n`)
  return result
}
