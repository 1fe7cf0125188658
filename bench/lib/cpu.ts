// CPU time of processes over a measured interval, as a share of one core (100 % = one core busy). On a
// 2-core VM shared by the broker, the service and the load generator, this says who was saturated.
import { readdirSync, readFileSync } from 'node:fs'

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const TICKS_PER_S = 100

/** CPU seconds (user + system) used so far by `pid`, or undefined when it cannot be read. */
export function processCpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/stat`)
}

function statCpuSeconds(file: string): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8')
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S
  } catch {
    return undefined
  }
}

/** Starts a CPU stopwatch for `pid`; `stop()` returns the mean CPU share in percent (NaN if unreadable). */
export function cpuStopwatch(pid: number | undefined): { stop(): number } {
  const startCpu = pid === undefined ? undefined : processCpuSeconds(pid)
  const startWall = process.hrtime.bigint()
  return {
    stop() {
      const endCpu = pid === undefined ? undefined : processCpuSeconds(pid)
      const wall = Number(process.hrtime.bigint() - startWall) / 1e9
      if (startCpu === undefined || endCpu === undefined || wall <= 0) return Number.NaN
      return (100 * (endCpu - startCpu)) / wall
    },
  }
}

/**
 * CPU seconds used so far by the threads of `pid`: its main thread (the JavaScript thread of a Node process) and
 * all its other threads together (libuv pool, V8 helpers, an embedded engine's threads).
 */
export function threadCpuSeconds(
  pid: number,
): { main: number; others: number; byName: Map<string, number> } | undefined {
  try {
    let main = 0
    let others = 0
    const byName = new Map<string, number>()
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const s = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`) ?? 0
      if (Number(tid) === pid) main += s
      else others += s
      const name = threadName(`/proc/${pid}/task/${tid}/comm`)
      byName.set(name, (byName.get(name) ?? 0) + s)
    }
    return { main, others, byName }
  } catch {
    return undefined
  }
}

function threadName(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return '?'
  }
}

/** CPU seconds per thread name between two {@link threadCpuSeconds} readings, largest first. */
export function threadCpuDelta(
  before: { byName: Map<string, number> },
  after: { byName: Map<string, number> },
): Array<[string, number]> {
  return [...after.byName]
    .map(([name, s]): [string, number] => [name, s - (before.byName.get(name) ?? 0)])
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
}

/** CPU µs per item of the JS thread and of the other threads between two {@link threadCpuSeconds} readings. */
export function threadCpuPerItem(
  before: { main: number; others: number } | undefined,
  after: { main: number; others: number } | undefined,
  items: number,
): { main: number; others: number } {
  if (!before || !after) return { main: Number.NaN, others: Number.NaN }
  return {
    main: ((after.main - before.main) * 1e6) / items,
    others: ((after.others - before.others) * 1e6) / items,
  }
}
