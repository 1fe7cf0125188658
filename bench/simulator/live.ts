// Live driver: plays the simulation against a running collector's browser endpoint (`POST /e`) at a target
// rate, with the tracker's payloads, the site's Origin and the reader's User-Agent. Simulated time is
// compressed (or stretched) hour by hour so that each hour's events go out at `rate` events per second,
// starting from the current Vietnam hour of day; event ids and timestamps are fresh (now), as a tracker's are.
import { randomUUID } from 'node:crypto'
import type { BrowserEvent, EventMessage } from '../../ingest/contract/index.ts'
import { browserBatch, clientAddress, toBrowserEvent } from './browser.ts'
import { SITES } from './catalog.ts'
import { dayOfNumber, HOUR_MS, vietnamDayNumber } from './model.ts'
import { type HourBatch, Simulation } from './simulate.ts'

export interface LiveOptions {
  /** Collector base URL, e.g. http://127.0.0.1:8787. */
  url: string
  /** Target events per second. */
  rate: number
  /** Stop after this long (default: until `signal` aborts). */
  durationMs?: number
  seed: number
  scale?: number
  signal?: AbortSignal
  /** Send X-Forwarded-For with a per-visitor address (the collector uses it only with NHIP_TRUST_PROXY=1). */
  forwardedFor?: boolean
  /** Requests in flight at most (default 32). */
  maxInFlight?: number
  /** How long a visitor's events wait to share a request (default 1000 ms; the tracker flushes every 5 s). */
  batchDelayMs?: number
  onTick?: (stats: LiveStats) => void
  fetchImpl?: typeof fetch
  now?: () => number
}

export interface LiveStats {
  elapsedMs: number
  /** Events handed to requests (each counted once, retries aside). */
  sent: number
  /** Events the collector accepted (202). */
  accepted: number
  /** Events refused for good (4xx other than 429), by error code. */
  rejected: number
  rejections: Record<string, number>
  /** 429 answers (the batch is retried after Retry-After). */
  throttled: number
  /** Network errors and 5xx (retried up to 3 times, then counted as lost). */
  failed: number
  lost: number
  requests: number
  inFlight: number
  /** Events per second sent over the last tick. */
  currentRate: number
  lastError: string
}

interface Scheduled {
  at: number
  event: EventMessage
}

interface Outgoing {
  site: string
  origin: string
  userAgent: string
  address: string
  consented: boolean
  visitorId: string
  events: BrowserEvent[]
  firstAt: number
  attempts: number
}

/**
 * Runs until `durationMs` passes or `signal` aborts; resolves with the final counts.
 * @example await runLive({ url: 'http://127.0.0.1:8787', rate: 100, seed: 7, durationMs: 60_000, onTick: print })
 */
export async function runLive(opts: LiveOptions): Promise<LiveStats> {
  if (!(opts.rate > 0)) throw new Error('rate must be positive')
  const now = opts.now ?? Date.now
  const doFetch = opts.fetchImpl ?? fetch
  const endpoint = `${opts.url.replace(/\/+$/, '')}/e`
  const maxInFlight = opts.maxInFlight ?? 32
  const batchDelayMs = opts.batchDelayMs ?? 1000
  const domains = new Map(SITES.map((s) => [s.site_id, s.domain]))

  const today = vietnamDayNumber(now())
  const sim = new Simulation({
    seed: opts.seed,
    startDay: dayOfNumber(today),
    days: 366,
    scale: opts.scale ?? 1,
  })
  const hours = sim.hours()
  // Start at the current hour of the Vietnam day, so the traffic has the shape of the time of day.
  const currentHour = Math.floor(now() / HOUR_MS) * HOUR_MS
  let nextHour: HourBatch | undefined
  for (let r = hours.next(); !r.done; r = hours.next()) {
    if (r.value.hourStart >= currentHour) {
      nextHour = r.value
      break
    }
  }
  // The clock starts once the simulation has caught up with the current hour.
  const started = now()
  // Wall time at which the next simulated hour begins.
  let wallCursor = started

  const heap: Scheduled[] = []
  const push = (s: Scheduled) => {
    heap.push(s)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if ((heap[p] as Scheduled).at <= s.at) break
      heap[i] = heap[p] as Scheduled
      i = p
    }
    heap[i] = s
  }
  const pop = (): Scheduled | undefined => {
    const top = heap[0]
    const last = heap.pop()
    const n = heap.length
    if (n > 0 && last) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && (heap[r] as Scheduled).at < (heap[l] as Scheduled).at ? r : l
        if ((heap[c] as Scheduled).at >= last.at) break
        heap[i] = heap[c] as Scheduled
        i = c
      }
      heap[i] = last
    }
    return top
  }

  /** Schedules the next simulated hour so that its events take `events / rate` seconds of wall time. */
  const scheduleHour = () => {
    const batch = nextHour
    if (!batch) return false
    const wallSpan = Math.max(1000, (batch.events.length / opts.rate) * 1000)
    const factor = wallSpan / HOUR_MS
    for (const event of batch.events) push({ at: wallCursor + (event.ts - batch.hourStart) * factor, event })
    wallCursor += wallSpan
    const r = hours.next()
    nextHour = r.done ? undefined : r.value
    return true
  }

  const stats: LiveStats = {
    elapsedMs: 0,
    sent: 0,
    accepted: 0,
    rejected: 0,
    rejections: {},
    throttled: 0,
    failed: 0,
    lost: 0,
    requests: 0,
    inFlight: 0,
    currentRate: 0,
    lastError: '',
  }
  const buffers = new Map<string, Outgoing>()
  const outbox: Outgoing[] = []
  let pausedUntil = 0

  const send = (b: Outgoing) => {
    stats.inFlight++
    stats.requests++
    if (b.attempts === 0) stats.sent += b.events.length
    b.attempts++
    const headers: Record<string, string> = {
      'content-type': 'text/plain',
      origin: b.origin,
      'user-agent': b.userAgent,
    }
    if (opts.forwardedFor) headers['x-forwarded-for'] = b.address
    const body = JSON.stringify(browserBatch(b.site, b.consented, b.visitorId, b.events))
    doFetch(endpoint, { method: 'POST', headers, body })
      .then(async (res) => {
        const text = await res.text()
        if (res.status === 202) stats.accepted += b.events.length
        else if (res.status === 429) {
          stats.throttled++
          const wait = Number(res.headers.get('retry-after') ?? '1')
          pausedUntil = Math.max(pausedUntil, now() + (Number.isFinite(wait) ? wait : 1) * 1000)
          b.attempts = Math.max(1, b.attempts - 1)
          outbox.unshift(b)
        } else if (res.status >= 500) retryOrLose(b, `HTTP ${res.status}: ${text.slice(0, 200)}`)
        else {
          let code = `http_${res.status}`
          try {
            code = (JSON.parse(text) as { error?: string }).error ?? code
          } catch {
            // not JSON: keep the status
          }
          stats.rejected += b.events.length
          stats.rejections[code] = (stats.rejections[code] ?? 0) + b.events.length
          stats.lastError = `${code}: ${text.slice(0, 200)}`
        }
      })
      .catch((err: unknown) => retryOrLose(b, err instanceof Error ? err.message : String(err)))
      .finally(() => {
        stats.inFlight--
      })
  }
  const retryOrLose = (b: Outgoing, reason: string) => {
    stats.failed++
    stats.lastError = reason
    if (b.attempts < 4) outbox.push(b)
    else stats.lost += b.events.length
  }

  const enqueue = (s: Scheduled, t: number) => {
    const e = s.event
    const key = `${e.site_id}\u0000${e.visitor_id}`
    let b = buffers.get(key)
    if (!b) {
      b = {
        site: e.site_id,
        origin: `https://${domains.get(e.site_id) ?? e.site_id}`,
        userAgent: sim.userAgentOf(e.client),
        address: clientAddress(e.visitor_id, e.client),
        consented: e.consented,
        visitorId: e.visitor_id,
        events: [],
        firstAt: t,
        attempts: 0,
      }
      buffers.set(key, b)
    }
    b.events.push(toBrowserEvent(e, Math.round(s.at), randomUUID()))
    if (b.events.length >= 20) {
      buffers.delete(key)
      outbox.push(b)
    }
  }

  const deadline = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : started + opts.durationMs
  let lastTick = started
  let sentAtTick = 0
  await new Promise<void>((resolve) => {
    let stopping = false
    let stoppedAt = 0
    const stop = () => {
      stopping = true
    }
    opts.signal?.addEventListener('abort', stop, { once: true })
    const step = () => {
      const t = now()
      if (t >= deadline || opts.signal?.aborted) stopping = true
      if (stopping && stoppedAt === 0) stoppedAt = t
      if (!stopping) {
        while ((heap.length === 0 || wallCursor < t + 2000) && scheduleHour()) {
          // keep two seconds of events scheduled ahead
        }
        while (heap.length > 0 && (heap[0] as Scheduled).at <= t) enqueue(pop() as Scheduled, t)
      }
      for (const [key, b] of buffers) {
        if (stopping || t - b.firstAt >= batchDelayMs) {
          buffers.delete(key)
          outbox.push(b)
        }
      }
      while (outbox.length > 0 && stats.inFlight < maxInFlight && t >= pausedUntil)
        send(outbox.shift() as Outgoing)
      if (t - lastTick >= 1000 || (stopping && outbox.length === 0 && stats.inFlight === 0)) {
        stats.elapsedMs = t - started
        stats.currentRate = Math.round(((stats.sent - sentAtTick) * 1000) / Math.max(1, t - lastTick))
        sentAtTick = stats.sent
        lastTick = t
        opts.onTick?.({ ...stats, rejections: { ...stats.rejections } })
      }
      // Stopping: drain what is queued (give up after 10 s, e.g. when the collector went away).
      if (stopping && ((outbox.length === 0 && stats.inFlight === 0) || t > stoppedAt + 10_000)) {
        opts.signal?.removeEventListener('abort', stop)
        resolve()
        return
      }
      setTimeout(step, 10)
    }
    step()
  })
  stats.lost += outbox.reduce((n, b) => n + b.events.length, 0)
  stats.elapsedMs = now() - started
  return { ...stats, rejections: { ...stats.rejections } }
}
