import { describe, expect, it } from 'vitest'
import { browserBatch, clientAddress, toBrowserEvent } from '../../bench/simulator/browser.ts'
import { SITES } from '../../bench/simulator/catalog.ts'
import { Simulation } from '../../bench/simulator/simulate.ts'
import { BrowserBatch, type EventMessage } from '../../ingest/contract/index.ts'
import { isPublicIp, parseIp } from '../../ingest/edge/ip-address.ts'

describe('tracker payloads of simulated events', () => {
  const sim = new Simulation({ seed: 9, startDay: '2026-11-10', days: 1, scale: 0.2 })
  const events: EventMessage[] = []
  for (const b of sim.hours()) events.push(...b.events)

  it('become valid browser batches that carry the same facts', () => {
    const now = Date.parse('2026-11-26T03:00:00Z')
    for (const e of events.slice(0, 3000)) {
      const be = toBrowserEvent(e, now, '1b4e28ba-2fa1-4d2e-883f-0016d3cca427')
      const batch = BrowserBatch.parse(browserBatch(e.site_id, e.consented, e.visitor_id, [be]))
      const [sent] = batch.events
      expect(sent?.t).toBe(e.type)
      expect(sent?.u).toBe(e.url)
      expect(sent?.a ?? '').toBe(e.article_id)
      expect(sent?.ti ?? '').toBe(e.title)
      expect(sent?.s ?? '').toBe(e.section)
      expect(sent?.n ?? '').toBe(e.name)
      expect(sent?.e ?? 0).toBe(e.engaged_ms)
      expect(sent?.r).toBe(e.type === 'pageview' ? e.referrer : undefined)
      expect(sent?.p ?? {}).toEqual(e.props)
      expect(sent?.ts).toBe(now)
      // The consented id travels in the batch; an anonymous reader's id is the collector's to make.
      expect(batch.vid).toBe(e.consented ? e.visitor_id : undefined)
      expect(batch.c).toBe(e.consented ? true : undefined)
    }
  })

  it('comes from a plausible public address and a user agent matching the client facts', () => {
    const domains = new Set(SITES.map((s) => s.domain))
    for (const e of events.slice(0, 2000)) {
      const ip = clientAddress(e.visitor_id, e.client)
      const parsed = parseIp(ip)
      expect(parsed && isPublicIp(parsed), ip).toBe(true)
      expect(clientAddress(e.visitor_id, e.client)).toBe(ip)
      expect(sim.userAgentOf(e.client)).toMatch(/^Mozilla\/5\.0 /)
      expect(domains.has(new URL(e.url).hostname)).toBe(true)
    }
  })
})
