import { afterEach, describe, expect, it, vi } from 'vitest'
import { SITES } from '../../bench/simulator/catalog.ts'
import { runLive } from '../../bench/simulator/live.ts'
import { BrowserBatch } from '../../ingest/contract/index.ts'

interface Captured {
  url: string
  headers: Record<string, string>
  body: unknown
}

function fakeCollector(
  answer: (n: number) => { status: number; body: unknown; headers?: Record<string, string> },
) {
  const requests: Captured[] = []
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({
      url: String(url),
      headers: init?.headers as Record<string, string>,
      body: JSON.parse(String(init?.body)),
    })
    const a = answer(requests.length)
    return new Response(JSON.stringify(a.body), { status: a.status, headers: a.headers })
  }) as typeof fetch
  return { requests, fetchImpl }
}

describe('live driver', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends tracker batches with the site origin and the reader user agent at about the target rate', async () => {
    const collector = fakeCollector(() => ({ status: 202, body: { accepted: 1 } }))
    const ticks: number[] = []
    // Simulated time: the rate is checked against the driver's clock, not against how busy this machine is.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const running = runLive({
      url: 'http://collector.test:8787/',
      rate: 200,
      durationMs: 2500,
      seed: 7,
      scale: 0.2,
      batchDelayMs: 200,
      fetchImpl: collector.fetchImpl,
      onTick: (s) => ticks.push(s.sent),
    })
    await vi.advanceTimersByTimeAsync(15_000)
    const stats = await running
    expect(collector.requests.length).toBeGreaterThan(5)
    const domains = new Map(SITES.map((s) => [s.site_id, `https://${s.domain}`]))
    let events = 0
    for (const r of collector.requests) {
      expect(r.url).toBe('http://collector.test:8787/e')
      const batch = BrowserBatch.parse(r.body)
      events += batch.events.length
      expect(r.headers.origin).toBe(domains.get(batch.site))
      expect(r.headers['user-agent']).toMatch(/^Mozilla\/5\.0 /)
      expect(r.headers['content-type']).toBe('text/plain')
      expect(r.headers['x-forwarded-for']).toBeUndefined()
      for (const e of batch.events) expect(Math.abs(e.ts - Date.now())).toBeLessThan(60_000)
    }
    expect(stats.sent).toBe(events)
    expect(stats.accepted).toBe(events)
    expect(stats.rejected).toBe(0)
    // 200 events/s for 2.5 simulated seconds; the diurnal curve of the simulated hour moves it either way.
    expect(events).toBeGreaterThan(500 * 0.7)
    expect(events).toBeLessThan(500 * 1.3)
    expect(ticks.length).toBeGreaterThan(0)
  }, 60_000)

  it('retries throttled batches after Retry-After and counts refusals by code', async () => {
    const collector = fakeCollector((n) =>
      n === 1
        ? { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': '1' } }
        : n === 3
          ? { status: 403, body: { error: 'origin_not_allowed', message: 'no' } }
          : { status: 202, body: { accepted: 1 } },
    )
    const stats = await runLive({
      url: 'http://collector.test',
      rate: 100,
      durationMs: 2500,
      seed: 8,
      scale: 0.2,
      batchDelayMs: 100,
      maxInFlight: 1,
      forwardedFor: true,
      fetchImpl: collector.fetchImpl,
    })
    expect(stats.throttled).toBe(1)
    expect(stats.rejections.origin_not_allowed).toBeGreaterThan(0)
    expect(stats.accepted + stats.rejected + stats.lost).toBe(stats.sent)
    // The throttled batch went out again (same events), and the forwarded address is set.
    expect(JSON.stringify(collector.requests[1]?.body)).toBe(JSON.stringify(collector.requests[0]?.body))
    expect(collector.requests[0]?.headers['x-forwarded-for']).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
  }, 60_000)
})
