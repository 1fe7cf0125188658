// Simulated events as the browser tracker sends them to `POST /e`: short keys, page metadata on every event,
// the referrer only on pageviews, one batch per visitor (the consented id travels in the batch, not the event).
import type { BrowserBatch, BrowserEvent, ClientFacts, EventMessage } from '../../ingest/contract/index.ts'
import { VIETNAM_IP_PREFIXES } from './clients.ts'
import { hashLabels } from './random.ts'

/**
 * The tracker's form of a simulated event, stamped with a new id and time (live mode sends "now").
 * @example toBrowserEvent(event, Date.now(), randomUUID())
 */
export function toBrowserEvent(e: EventMessage, ts: number, id: string): BrowserEvent {
  const out: BrowserEvent = { id, t: e.type, ts, u: e.url }
  if (e.name) out.n = e.name
  if (e.type === 'pageview') out.r = e.referrer
  if (e.title) out.ti = e.title
  if (e.article_id) out.a = e.article_id
  if (e.section) out.s = e.section
  if (e.author) out.au = e.author
  if (e.published_at !== null) out.pt = e.published_at
  if (e.type === 'engagement') out.e = e.engaged_ms
  if (e.type === 'engagement' || e.type === 'scroll' || e.type === 'read_complete') out.sc = e.scroll_pct
  if (Object.keys(e.props).length > 0) out.p = e.props
  return out
}

/** The body of one request: a visitor's events on one site. */
export function browserBatch(
  site: string,
  consented: boolean,
  visitorId: string,
  events: BrowserEvent[],
): BrowserBatch {
  return consented ? { site, c: true, vid: visitorId, events } : { site, events }
}

/**
 * A plausible client address for a visitor (sent as X-Forwarded-For, which the collector trusts only with
 * NHIP_TRUST_PROXY=1): Vietnamese ISP blocks for readers, a crawler's or a cloud's range for bots.
 */
export function clientAddress(visitorId: string, client: ClientFacts): string {
  const h = hashLabels(visitorId)
  const x = (h >>> 8) & 255
  const y = 1 + (h & 253)
  if (client.bot_kind === 'datacenter' || client.bot_kind === 'headless') return `34.126.${x}.${y}`
  if (client.bot) return `66.249.66.${y}`
  const prefix = VIETNAM_IP_PREFIXES[(h >>> 16) % VIETNAM_IP_PREFIXES.length] ?? '14.160'
  return `${prefix}.${x}.${y}`
}
