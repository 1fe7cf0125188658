// Small builders for transform tests: a valid event message with sensible Vietnamese-site defaults.
import type { EventMessage, EventMessageInput } from '../../ingest/contract/index.ts'

let counter = 0

/** A unique, valid v4 UUID per call (deterministic across runs). */
export function anEventId(): string {
  counter++
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`
}

type Overrides = Partial<Omit<EventMessageInput, 'client'>> & { client?: Partial<EventMessage['client']> }

/** 2025-03-10 08:00 in Vietnam. */
export const MORNING = Date.UTC(2025, 2, 10, 1, 0, 0)

export function anEvent(overrides: Overrides = {}): EventMessageInput {
  const { client, ...rest } = overrides
  return {
    v: 1,
    event_id: anEventId(),
    type: 'pageview',
    ts: MORNING,
    received_at: MORNING + 150,
    agency_id: 'lamdong',
    site_id: 'baolamdong',
    url: 'https://baolamdong.vn/xa-hoi/da-lat-mua-hoa-123.html',
    referrer: '',
    title: 'Đà Lạt mùa hoa',
    article_id: 'da-lat-mua-hoa-123',
    section: 'xa-hoi',
    visitor_id: 'Vq3w2x9Yk1LmN0pQrStUvW',
    consented: false,
    client: {
      device: 'mobile',
      os: 'Android',
      browser: 'Zalo',
      bot: false,
      bot_kind: '',
      country: 'VN',
      province: 'Lâm Đồng',
      ...client,
    },
    ...rest,
  }
}

/** The event as Kafka bytes. */
export function aMessage(overrides: Overrides = {}): Buffer {
  return Buffer.from(JSON.stringify(anEvent(overrides)))
}
