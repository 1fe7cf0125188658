// The collector's edge: what it derives from the raw request (IP, user agent) before dropping it.
export {
  classifyUserAgent,
  createUserAgentClassifier,
  type UserAgentClassifier,
  type UserAgentClassifierOptions,
  type UserAgentFacts,
  type UserAgentHints,
} from './classify-user-agent.ts'
export { type ClientRequest, createClientFactsDeriver } from './client-facts.ts'
export { DATACENTER_CIDRS, DATACENTER_RANGES } from './data/datacenter-ranges.ts'
export { VIETNAM_PROVINCES, type VietnamProvince } from './data/vietnam-provinces.ts'
export {
  defaultGeoDatabasePaths,
  type GeoFacts,
  type GeoLookup,
  type GeoLookupOptions,
  openGeoLookup,
} from './geo.ts'
export { createIpRangeSet, type IpRangeSet, isPublicIp, type ParsedIp, parseIp } from './ip-address.ts'
export { normalizeVietnamProvince, toMergedProvince } from './vietnam-province.ts'
export {
  cookielessVisitorId,
  createSaltStore,
  SALT_BYTES,
  type SaltRecord,
  type SaltStore,
  type SaltStoreDeps,
  VISITOR_ID_LENGTH,
  type VisitorIdInput,
  vietnamDay,
} from './visitor-id.ts'
