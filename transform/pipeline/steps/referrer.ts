// Step 4: where the reader came from — referrer host, class and source, and the UTM tags of the page URL.
import type { EventMessage } from '../../../ingest/contract/index.ts'
import { ok, type StepResult } from '../outcome.ts'
import { matchSource, type ReferrerClass, sourceFromUtm } from './referrer-sources.ts'

export type { ReferrerClass } from './referrer-sources.ts'

export interface ReferrerFacts {
  /** Referring host, lower-case, without a leading "www."; '' when there is no referrer. */
  referrer_host: string
  referrer_class: ReferrerClass
  /** google, coccoc, facebook, zalo, baomoi, …; '' when unknown, direct or internal. */
  referrer_source: string
  utm_source: string
  utm_medium: string
  utm_campaign: string
  utm_content: string
  utm_term: string
  /** The referrer without query string, fragment or credentials (those can carry personal data). */
  referrer_clean: string
}

export interface ReferrerInput {
  /** The page URL (its query carries the UTM tags). */
  url: string
  referrer: string
  /** The site's own hosts; subdomains count too. The page's host always counts. */
  siteHosts: readonly string[]
}

const UTM_MAX = 256

/**
 * Precedence: UTM tags (campaign) › no referrer (direct, unless `zarsrc`/`fbclid` show Zalo/Facebook)
 * › the site itself (internal) › a known source › other. With UTM tags, referrer_source still comes from
 * utm_source when we know it, else from the referring host.
 * @example classifyReferrer({ url: 'https://baolamdong.vn/a', referrer: 'https://l.facebook.com/', siteHosts: [] })
 * // { referrer_class: 'social', referrer_source: 'facebook', referrer_host: 'l.facebook.com', … }
 */
export function classifyReferrer(input: ReferrerInput): ReferrerFacts {
  const page = parseUrl(input.url)
  const params = page?.searchParams
  const param = (name: string) => (params?.get(name) ?? '').trim().slice(0, UTM_MAX)
  const utm = {
    utm_source: param('utm_source').toLowerCase(),
    utm_medium: param('utm_medium').toLowerCase(),
    utm_campaign: param('utm_campaign'),
    utm_content: param('utm_content'),
    utm_term: param('utm_term'),
  }

  const ref = input.referrer ? parseUrl(input.referrer) : undefined
  const referrer_host = ref ? stripWww(ref.hostname.toLowerCase()) : ''
  const referrer_clean = ref ? `${ref.protocol}//${ref.host}${ref.pathname}` : ''
  const internal = referrer_host !== '' && isInternal(referrer_host, input.siteHosts, page?.hostname)
  const known = referrer_host && !internal ? matchSource(referrer_host) : undefined
  const facts = (referrer_class: ReferrerClass, referrer_source: string): ReferrerFacts => ({
    referrer_host,
    referrer_class,
    referrer_source,
    ...utm,
    referrer_clean,
  })

  if (utm.utm_source || utm.utm_medium) {
    return facts('campaign', sourceFromUtm(utm.utm_source) ?? known?.source ?? '')
  }
  if (!input.referrer) {
    // In-app browsers often send no referrer. Zalo adds zarsrc to links opened from chats; Facebook adds fbclid.
    if (params?.has('zarsrc')) return facts('messaging', 'zalo')
    if (params?.has('fbclid')) return facts('social', 'facebook')
    return facts('direct', '')
  }
  if (!ref) return facts('other', '')
  if (internal) return facts('internal', '')
  if (known) return facts(known.class, known.source)
  return facts('other', '')
}

/**
 * @example createReferrerStep({ siteHosts: (site) => sites.get(site)?.hosts ?? [] })
 */
export function createReferrerStep<E extends EventMessage>(deps: {
  siteHosts: (siteId: string) => readonly string[]
}): (event: E) => StepResult<E & ReferrerFacts> {
  return (event) =>
    ok({
      ...event,
      ...classifyReferrer({
        url: event.url,
        referrer: event.referrer,
        siteHosts: deps.siteHosts(event.site_id),
      }),
    })
}

/**
 * {@link classifyReferrer} with a memory: the events of one page share its URL and referrer, so most events
 * reuse an earlier answer (and the page path, which needs the same URL parse). An answer is reused only for the
 * same site hosts; the memory is emptied when it holds `maxEntries` pages.
 * @example const classify = createReferrerClassifier(); classify(site, url, referrer, hosts).facts.referrer_class
 */
export function createReferrerClassifier(
  maxEntries = 50_000,
): (siteId: string, url: string, referrer: string, siteHosts: readonly string[]) => PageFacts {
  const memory = new Map<string, PageFacts & { hosts: readonly string[] }>()
  return (siteId, url, referrer, siteHosts) => {
    const key = `${siteId}\u0000${url}\u0000${referrer}`
    const known = memory.get(key)
    if (known && sameHosts(known.hosts, siteHosts)) return known
    if (memory.size >= maxEntries) memory.clear()
    const fresh = {
      facts: classifyReferrer({ url, referrer, siteHosts }),
      path: pathOf(url),
      hosts: [...siteHosts],
    }
    memory.set(key, fresh)
    return fresh
  }
}

/** What a page URL and its referrer give every event of the page. */
export interface PageFacts {
  facts: ReferrerFacts
  /** The URL's path ('' when it does not parse). */
  path: string
}

/** The path of a URL, '' when it does not parse. */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}

function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function parseUrl(text: string): URL | undefined {
  if (!/^https?:\/\//i.test(text)) return undefined
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}

function stripWww(host: string): string {
  return host.startsWith('www.') ? host.slice(4) : host
}

function isInternal(host: string, siteHosts: readonly string[], pageHost: string | undefined): boolean {
  const own = pageHost ? [...siteHosts, pageHost] : siteHosts
  return own.some((h) => {
    const site = stripWww(h.trim().toLowerCase())
    return site !== '' && (host === site || host.endsWith(`.${site}`))
  })
}
