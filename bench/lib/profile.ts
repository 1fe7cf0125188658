// In-process CPU profiling for the benchmarks: records a V8 CPU profile of this process around a phase
// (inspector protocol, like `--cpu-prof` but only for the phase that matters) and summarises self time by
// where it is spent — a dependency (zod, kafkajs, fastify…), a part of Nhịp, GC, or idle.
import { writeFileSync } from 'node:fs'
import type { Profiler } from 'node:inspector'
import { Session } from 'node:inspector/promises'

type CpuProfile = Profiler.Profile
type ProfileNode = Profiler.ProfileNode

export interface ProfileSummary {
  /** Share of sampled time per category, percent, largest first. */
  categories: Array<{ category: string; pct: number }>
  /** Heaviest functions by self time. */
  functions: Array<{ fn: string; where: string; pct: number }>
  /** Where the raw profile was written (open it in Chrome DevTools → Performance). */
  file: string
}

// Dependencies by package (first match wins); project files are reported by their own path instead.
const DEPENDENCIES: Array<[RegExp, string]> = [
  [/node_modules\/zod\//, 'zod (validation)'],
  [/node_modules\/kafkajs\/src\/protocol\/message\/compression/, 'kafkajs gzip'],
  [/node_modules\/kafkajs\//, 'kafkajs (encode, network, idempotence)'],
  [
    /node_modules\/(fastify|find-my-way|avvio|light-my-request|fast-json-stringify|@fastify|secure-json-parse|toad-cache|process-warning|abstract-logging|rfdc)/,
    'fastify',
  ],
  [/node_modules\/(ua-parser-js|isbot)\//, 'user-agent parsing (ua-parser-js, isbot)'],
  [/node_modules\/(maxmind|mmdb-lib)/, 'geo lookup (maxmind)'],
  [/node_modules\/prom-client\//, 'prom-client metrics'],
  [/node_modules\/(pino|sonic-boom|thread-stream)/, 'pino logging'],
  [/node_modules\/@clickhouse\//, '@clickhouse/client (encode rows)'],
  [/node_modules\/chdb\//, 'chdb binding'],
  [/node_modules\/tsx\//, 'tsx loader'],
  [/node_modules\/(autocannon|undici)/, 'HTTP client (undici / autocannon)'],
]

function categoriseUrl(url: string): string {
  if (/zlib/.test(url)) return 'node zlib (gzip)'
  for (const [re, name] of DEPENDENCIES) if (re.test(url)) return name
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (dep) return `node_modules/${dep[1]}`
  const own = /\/work\/[^/]+\/(.*)$|\/((?:ingest|transform|infra|bench|jobs|models|bin)\/.*)$/.exec(url)
  if (own) return own[1] ?? own[2] ?? url
  if (/crypto/.test(url)) return 'node crypto'
  if (/^node:|^internal\//.test(url)) return 'node core (http, net, streams, buffers)'
  return url
}

function shortFile(url: string): string {
  const i = url.search(/(node_modules|ingest|transform|infra|bench)\//)
  return i >= 0 ? url.slice(i) : url.replace(/^file:\/\//, '')
}

/**
 * Profiles this process while `phase` runs.
 * @example const { summary } = await profilePhase('/tmp/collector.cpuprofile', () => runLoad(job))
 */
export async function profilePhase<T>(
  file: string,
  phase: () => Promise<T>,
): Promise<{ value: T; summary: ProfileSummary }> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  // 1 ms sampling: fine enough for request handlers, cheap enough not to distort them much.
  await session.post('Profiler.setSamplingInterval', { interval: 1000 })
  await session.post('Profiler.start')
  let value: T
  let profile: CpuProfile
  try {
    value = await phase()
  } finally {
    // Stop even when the phase failed, so the profiler never stays on for the rest of the run.
    profile = (await session.post('Profiler.stop')).profile
    session.disconnect()
  }
  writeFileSync(file, JSON.stringify(profile))
  return { value, summary: summarise(profile, file) }
}

function summarise(profile: CpuProfile, file: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

  // Builtins and native code (JSON.parse, Buffer writes, hashing, regexps) have no URL: their time is
  // charged to the nearest JavaScript caller that has one, so "sessionize.ts" includes the hashing it does.
  const attributed = new Map<number, string>()
  function categoryOf(node: ProfileNode): string {
    const cached = attributed.get(node.id)
    if (cached) return cached
    const { functionName, url } = node.callFrame
    let cat: string
    if (functionName === '(garbage collector)') cat = 'GC'
    else if (functionName === '(idle)') cat = 'idle (waiting on I/O, timers, native threads)'
    else if (functionName === '(program)') cat = 'V8/native, outside JS (program)'
    else if (url) cat = categoriseUrl(url)
    else {
      const up = parent.get(node.id)
      const caller = up === undefined ? undefined : byId.get(up)
      cat =
        caller && caller.callFrame.functionName !== '(root)'
          ? categoryOf(caller)
          : 'V8 builtins (no JS caller)'
    }
    attributed.set(node.id, cat)
    return cat
  }

  // Self time per node from the sample stream (hitCount is not filled in by every V8 version).
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number
    // timeDeltas[i] is the time before sample i; the time after it (delta i+1) belongs to it.
    const dt = deltas[i + 1] ?? 0
    self.set(id, (self.get(id) ?? 0) + dt)
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1
  const cats = new Map<string, number>()
  const fns = new Map<string, { fn: string; where: string; us: number }>()
  for (const [id, us] of self) {
    const node = byId.get(id)
    if (!node) continue
    const cat = categoryOf(node)
    cats.set(cat, (cats.get(cat) ?? 0) + us)
    // tsx emits each module on one line, so positions are useless: functions are keyed by name and file.
    const { functionName, url } = node.callFrame
    const fn = functionName || '(anonymous)'
    const where = url ? shortFile(url) : `builtin, called from ${cat}`
    const key = `${fn}@${where}`
    const f = fns.get(key) ?? { fn, where, us: 0 }
    f.us += us
    fns.set(key, f)
  }
  return {
    categories: [...cats]
      .map(([category, us]) => ({ category, pct: (100 * us) / total }))
      .sort((a, b) => b.pct - a.pct),
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 20)
      .map((f) => ({ fn: f.fn, where: f.where, pct: (100 * f.us) / total })),
    file,
  }
}
