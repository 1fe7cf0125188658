// User agent → coarse device/OS/browser and bot facts, at the collector (the UA string never leaves it).
// ua-parser-js names browsers and devices; isbot recognises crawlers; we add headless and HTTP-library rules.
import { isbot } from 'isbot'
import { LRUCache } from 'lru-cache'
import { UAParser } from 'ua-parser-js'
import type { ClientFacts } from '../contract/index.ts'

export type UserAgentFacts = Pick<ClientFacts, 'device' | 'os' | 'browser' | 'bot' | 'bot_kind'>

/** User-agent client hints as the request headers carry them (`Sec-CH-UA-Mobile: ?1`, quoted brand lists). */
export interface UserAgentHints {
  secChUaMobile?: string
  secChUa?: string
  secChUaPlatform?: string
}

export type UserAgentClassifier = (ua: string, hints?: UserAgentHints) => UserAgentFacts

export interface UserAgentClassifierOptions {
  /** Distinct (UA, hints) results kept; readers repeat the same few thousand UAs. Default 10 000. */
  cacheSize?: number
}

/** Longer UAs are cut before parsing: real ones are < 512 chars, and regex cost grows with length. */
const MAX_UA_LENGTH = 1024
const FIELD_MAX = 32

/**
 * Browsers driven by a program rather than a reader. Electron counts only without a known app token:
 * test runners (Cypress, Nightmare) ship a bare Electron UA, chat apps add their own name.
 */
const HEADLESS =
  /HeadlessChrome|PhantomJS|SlimerJS|Chrome-Lighthouse|\bLighthouse\b|Puppeteer|Playwright|Cypress\//i
const ELECTRON = /\bElectron\/\d/i
const ELECTRON_APPS =
  /\b(Zalo|Slack|Teams|Discord|Skype|Notion|Obsidian|WhatsApp|Telegram|Messenger|Lark|Feishu)/i
/** HTTP libraries and command-line tools: scripted fetching, not a person and not a search crawler. */
const AUTOMATION =
  /^(curl|wget|python-requests|python-urllib|python-httpx|aiohttp|httpx|go-http-client|okhttp|axios|node-fetch|undici|got|java\/|apache-httpclient|libwww-perl|php|ruby|guzzlehttp|postmanruntime|insomnia|httpie|scrapy|colly|rest-client|dart:io|reqwest)\b/i

/** Facebook's messenger app shows pages in the same webview family as the Facebook app; keep them apart. */
const MESSENGER = /FBAN\/Messenger|FB_IAB\/Orca|\bOrca-Android\b|MessengerLite/i

const DEVICE_TYPES: Record<string, UserAgentFacts['device']> = {
  mobile: 'mobile',
  wearable: 'mobile',
  tablet: 'tablet',
  smarttv: 'tv',
  console: 'other',
  xr: 'other',
  embedded: 'other',
}

/**
 * Builds a classifier with a bounded LRU cache of results.
 * @example
 * const classify = createUserAgentClassifier({ cacheSize: 5000 })
 * classify(req.headers['user-agent'] ?? '', { secChUaMobile: req.headers['sec-ch-ua-mobile'] })
 */
export function createUserAgentClassifier(options: UserAgentClassifierOptions = {}): UserAgentClassifier {
  const cacheSize = Math.max(0, Math.floor(options.cacheSize ?? 10_000))
  // An LRU made for the job (see rate-limit.ts for why not a Map trimmed at its first key).
  const cache = cacheSize > 0 ? new LRUCache<string, UserAgentFacts>({ max: cacheSize }) : undefined

  return (ua, hints) => {
    // Keys are cut like the inputs classifyUserAgent reads, so a flood of huge headers cannot bloat the cache.
    const head = prepareUa(ua)
    const key = hints
      ? `${head}\u0000${cut(hints.secChUaMobile)}\u0000${cut(hints.secChUa)}\u0000${cut(hints.secChUaPlatform)}`
      : head
    const cached = cache?.get(key)
    if (cached) return cached
    const facts = Object.freeze(classifyUserAgent(ua, hints))
    cache?.set(key, facts)
    return facts
  }
}

const MAX_HINT_LENGTH = 256
const prepareUa = (ua: string) => (typeof ua === 'string' ? ua : '').trim().slice(0, MAX_UA_LENGTH)
const cut = (value: string | undefined) => (value ?? '').slice(0, MAX_HINT_LENGTH)

/** Uncached classification; exported for tests and one-off use. */
export function classifyUserAgent(rawUa: string, hints: UserAgentHints = {}): UserAgentFacts {
  const ua = prepareUa(rawUa)
  // Client hints only fill gaps (device, OS). ua-parser's own hint handling renames in-app browsers after
  // their Chromium brand ("Zalo" → "Android WebView"), which would hide exactly the apps we care about.
  const r = UAParser(ua)

  const bot_kind = botKind(ua, { ...hints, secChUa: cut(hints.secChUa) })
  const bot = bot_kind !== ''

  let browser = r.browser.name ?? ''
  if (browser === 'Facebook' && MESSENGER.test(ua)) browser = 'Messenger'
  browser = browser.replace(/^Mobile /, '')

  const deviceType = r.device.type
  let device: UserAgentFacts['device']
  if (deviceType) device = DEVICE_TYPES[deviceType] ?? 'other'
  else if (cut(hints.secChUaMobile).trim() === '?1') device = 'mobile'
  else if (bot) device = 'other'
  else device = 'desktop'

  const os = r.os.name || unquote(cut(hints.secChUaPlatform))

  return {
    device,
    os: os.slice(0, FIELD_MAX),
    browser: browser.slice(0, FIELD_MAX),
    bot,
    bot_kind,
  }
}

function botKind(ua: string, hints: UserAgentHints): UserAgentFacts['bot_kind'] {
  // Every browser sends a user agent; an empty one is a script.
  if (!ua) return 'automation'
  if (HEADLESS.test(ua) || /HeadlessChrome/i.test(hints.secChUa ?? '')) return 'headless'
  if (ELECTRON.test(ua) && !ELECTRON_APPS.test(ua)) return 'headless'
  if (AUTOMATION.test(ua)) return 'automation'
  if (isbot(ua)) return 'crawler'
  return ''
}

/** Structured-header string: `"Windows"` → `Windows`; anything odd → ''. */
function unquote(value: string): string {
  const m = /^\s*"([^"\\]{1,32})"\s*$/.exec(value)
  return m?.[1] ?? ''
}
