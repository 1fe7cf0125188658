import { describe, expect, it } from 'vitest'
import { ClientFacts } from '../../ingest/contract/index.ts'
import { createUserAgentClassifier } from '../../ingest/edge/classify-user-agent.ts'
import { createClientFactsDeriver } from '../../ingest/edge/client-facts.ts'
import type { GeoFacts } from '../../ingest/edge/geo.ts'

const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36'
const places: Record<string, GeoFacts> = {
  '14.160.0.1': { country: 'VN', province: 'Hà Nội', datacenter: false },
  '104.131.0.1': { country: 'US', province: '', datacenter: true },
}
const geo = { lookup: (ip: string) => places[ip] ?? { country: '', province: '', datacenter: false } }
const derive = createClientFactsDeriver({ classifyUserAgent: createUserAgentClassifier(), geo })

describe('createClientFactsDeriver', () => {
  it('produces facts the event contract accepts', () => {
    const facts = derive({ ip: '14.160.0.1', userAgent: CHROME_ANDROID })
    expect(ClientFacts.parse(facts)).toEqual({
      device: 'mobile',
      os: 'Android',
      browser: 'Chrome',
      bot: false,
      bot_kind: '',
      country: 'VN',
      province: 'Hà Nội',
    })
  })

  it('marks a browser-looking request from a hosting range as datacenter, leaving bot for the UA', () => {
    expect(derive({ ip: '104.131.0.1', userAgent: CHROME_ANDROID })).toMatchObject({
      bot: false,
      bot_kind: 'datacenter',
    })
  })

  it('keeps the UA reason when a crawler also comes from a hosting range', () => {
    expect(derive({ ip: '104.131.0.1', userAgent: 'curl/8.4.0' })).toMatchObject({
      bot: true,
      bot_kind: 'automation',
    })
  })
})
