// Combines the UA classifier and the geo lookup into the ClientFacts an event carries; after this, the
// collector can drop the raw IP and user agent.
import type { ClientFacts } from '../contract/index.ts'
import type { UserAgentClassifier, UserAgentHints } from './classify-user-agent.ts'
import type { GeoLookup } from './geo.ts'

export interface ClientRequest {
  ip: string
  userAgent: string
  hints?: UserAgentHints
}

/**
 * Builds `(request) => ClientFacts`. A request from a data-centre range keeps `bot: false` (the contract
 * reserves `bot` for what the user agent shows) but gets `bot_kind: 'datacenter'` unless the UA already
 * named a stronger reason; transform turns that into `is_bot`.
 * @example const facts = createClientFactsDeriver({ classifyUserAgent, geo })({ ip, userAgent })
 */
export function createClientFactsDeriver(deps: {
  classifyUserAgent: UserAgentClassifier
  geo: Pick<GeoLookup, 'lookup'>
}): (request: ClientRequest) => ClientFacts {
  return ({ ip, userAgent, hints }) => {
    const ua = deps.classifyUserAgent(userAgent, hints)
    const place = deps.geo.lookup(ip)
    const bot_kind = ua.bot_kind === '' && place.datacenter ? 'datacenter' : ua.bot_kind
    return {
      device: ua.device,
      os: ua.os,
      browser: ua.browser,
      bot: ua.bot,
      bot_kind,
      country: place.country,
      province: place.province,
    }
  }
}
