// CPU time of processes over a measured interval, as a share of one core (100 % = one core busy). On a
// 2-core VM shared by the broker, the service and the load generator, this says who was saturated.
import { readFileSync } from 'node:fs'

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const TICKS_PER_S = 100

/** CPU seconds (user + system) used so far by `pid`, or undefined when it cannot be read. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
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
