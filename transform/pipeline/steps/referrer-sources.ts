// Who sends readers to Vietnamese news sites, by referring host. Order matters: the first match wins,
// so specific hosts (news.google.com) come before broad ones (google.*).
//
// Deliberately short. Left out: publishers (24h.com.vn, vnexpress.net — they are 'other', with their host
// kept in referrer_host), and aggregators we could not confirm are still live (tinmoi.vn, docbao.vn).
// Google Discover and most in-app webviews send no referrer or just "www.google.com/", so they show as
// direct or search; zarsrc / fbclid recover some of it (see referrer.ts).

export type ReferrerClass =
  | 'search'
  | 'social'
  | 'messaging'
  | 'aggregator'
  | 'direct'
  | 'internal'
  | 'campaign'
  | 'other'

export interface SourceRule {
  source: string
  class: Exclude<ReferrerClass, 'direct' | 'internal' | 'campaign' | 'other'>
  /** Registrable domains: the host itself or any subdomain matches. */
  domains?: readonly string[]
  /** Exact hosts (after dropping a leading "www."). */
  hosts?: readonly string[]
  pattern?: RegExp
}

export const SOURCE_RULES: readonly SourceRule[] = [
  // Aggregators first: they live under search and portal domains.
  { source: 'googlenews', class: 'aggregator', hosts: ['news.google.com'] },
  { source: 'yahoonews', class: 'aggregator', pattern: /(^|\.)news\.yahoo\.com$/ },
  { source: 'baomoi', class: 'aggregator', domains: ['baomoi.com'] },
  { source: 'msn', class: 'aggregator', domains: ['msn.com'] },
  { source: 'flipboard', class: 'aggregator', domains: ['flipboard.com'] },
  { source: 'smartnews', class: 'aggregator', domains: ['smartnews.com'] },

  // Search engines: Google only on its search hosts (google.com, google.com.vn, …), not mail/docs/translate.
  { source: 'google', class: 'search', pattern: /^(www\.|m\.)?google\.(com?\.)?[a-z]{2,3}$/ },
  { source: 'coccoc', class: 'search', domains: ['coccoc.com'] },
  { source: 'bing', class: 'search', domains: ['bing.com'] },
  { source: 'yahoo', class: 'search', pattern: /(^|\.)search\.yahoo\.com$|^(www\.)?yahoo\.com$/ },
  { source: 'duckduckgo', class: 'search', domains: ['duckduckgo.com'] },
  { source: 'yandex', class: 'search', pattern: /(^|\.)yandex\.(ru|com|com\.tr|kz|by|ua)$/ },

  // Messaging before social: m.me is Messenger although it is Meta's.
  { source: 'zalo', class: 'messaging', domains: ['zalo.me', 'zaloapp.com', 'zalo.vn'] },
  { source: 'messenger', class: 'messaging', domains: ['messenger.com', 'm.me'] },
  { source: 'telegram', class: 'messaging', domains: ['t.me', 'telegram.me', 'telegram.org'] },
  { source: 'viber', class: 'messaging', domains: ['viber.com'] },

  { source: 'facebook', class: 'social', domains: ['facebook.com', 'fb.com', 'fb.me', 'fb.watch'] },
  { source: 'instagram', class: 'social', domains: ['instagram.com'] },
  { source: 'youtube', class: 'social', domains: ['youtube.com', 'youtu.be'] },
  { source: 'tiktok', class: 'social', domains: ['tiktok.com'] },
  { source: 'twitter', class: 'social', domains: ['twitter.com', 'x.com', 't.co'] },
  { source: 'linkedin', class: 'social', domains: ['linkedin.com', 'lnkd.in'] },
  { source: 'threads', class: 'social', domains: ['threads.net', 'threads.com'] },
]

/** utm_source spellings editors actually use, mapped to our source names. */
export const UTM_SOURCE_ALIASES: Readonly<Record<string, string>> = {
  fb: 'facebook',
  facebook: 'facebook',
  'facebook.com': 'facebook',
  zalo: 'zalo',
  zaloapp: 'zalo',
  'zalo.me': 'zalo',
  zalo_oa: 'zalo',
  zalooa: 'zalo',
  google: 'google',
  coccoc: 'coccoc',
  coc_coc: 'coccoc',
  'coc coc': 'coccoc',
  bing: 'bing',
  yahoo: 'yahoo',
  duckduckgo: 'duckduckgo',
  yandex: 'yandex',
  messenger: 'messenger',
  telegram: 'telegram',
  tg: 'telegram',
  viber: 'viber',
  ig: 'instagram',
  instagram: 'instagram',
  yt: 'youtube',
  youtube: 'youtube',
  tiktok: 'tiktok',
  twitter: 'twitter',
  x: 'twitter',
  linkedin: 'linkedin',
  threads: 'threads',
  baomoi: 'baomoi',
  googlenews: 'googlenews',
  google_news: 'googlenews',
  'google-news': 'googlenews',
  msn: 'msn',
  flipboard: 'flipboard',
}

const CLASS_OF_SOURCE = new Map(SOURCE_RULES.map((r) => [r.source, r.class]))

/** The rule for a host, lower-cased and without "www.". */
export function matchSource(host: string): SourceRule | undefined {
  for (const rule of SOURCE_RULES) {
    if (rule.hosts?.includes(host)) return rule
    if (rule.domains?.some((d) => host === d || host.endsWith(`.${d}`))) return rule
    if (rule.pattern?.test(host)) return rule
  }
  return undefined
}

/** Our source name for a utm_source value (an alias or a host), or undefined when unknown. */
export function sourceFromUtm(utmSource: string): string | undefined {
  const value = utmSource.trim().toLowerCase()
  if (!value) return undefined
  const alias = UTM_SOURCE_ALIASES[value]
  if (alias) return alias
  if (/^[a-z0-9.-]+\.[a-z]{2,}$/.test(value)) return matchSource(value.replace(/^www\./, ''))?.source
  return undefined
}

export function classOfSource(source: string): SourceRule['class'] | undefined {
  return CLASS_OF_SOURCE.get(source)
}
