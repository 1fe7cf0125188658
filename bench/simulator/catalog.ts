// The simulated press group of a highland province: a provincial daily (Vietnamese + English editions),
// a radio-TV station and a culture magazine with its literary sister site — 3 agencies, 5 sites.
import type { Topic } from './vietnamese.ts'

/** How a session's first page was reached; each maps to one referrer class of the pipeline. */
export type Channel =
  | 'facebook'
  | 'zalo'
  | 'google'
  | 'coccoc'
  | 'baomoi'
  | 'googlenews'
  | 'direct'
  | 'campaign'

/** The referrer class the transform pipeline gives each channel (and `internal` for recirculation). */
export const CHANNEL_CLASS: Record<
  Channel,
  'social' | 'messaging' | 'search' | 'aggregator' | 'direct' | 'campaign'
> = {
  facebook: 'social',
  zalo: 'messaging',
  google: 'search',
  coccoc: 'search',
  baomoi: 'aggregator',
  googlenews: 'aggregator',
  direct: 'direct',
  campaign: 'campaign',
}

export interface AgencySpec {
  agency_id: string
  name: string
  kind: 'newspaper' | 'radio-tv' | 'magazine'
}

export interface SiteSpec {
  site_id: string
  agency_id: string
  name: string
  domain: string
  language: 'vi' | 'en'
  /** Prefix of article ids: ids stay unique across the group. */
  idPrefix: string
  /** Reader sessions per day at scale 1 (the default scale gives a modest ~30–40k events a day in all). */
  sessionsPerDay: number
  /** Articles published on a weekday (about 60 % of that at weekends). */
  articlesPerDay: number
  /** Section mix of what the site publishes; its readers' interests are drawn around it. */
  topics: Partial<Record<Topic, number>>
  /** Share of articles behind the paywall (premium). */
  paywallShare: number
  /** How sessions start. */
  channels: Partial<Record<Channel, number>>
  /** Traffic on Saturdays and Sundays relative to weekdays. */
  weekend: number
  /** Typical article length, words: [low, high] of the bulk. */
  words: [number, number]
  /** Magazines publish long reads, mostly evergreen; newsrooms publish breaking news. */
  kinds: { breaking: number; news: number; feature: number; evergreen: number }
  /** Vietnam hours when the newsroom publishes (weights by hour 0–23). */
  publishHours: readonly number[]
  /** Title of the home page. */
  homeTitle: string
}

// Newsrooms publish from early morning to late evening; magazines in office hours.
const NEWSROOM_HOURS = [0, 0, 0, 0, 0, 1, 4, 5, 5, 4, 4, 4, 3, 2, 3, 4, 4, 3, 2, 3, 3, 2, 1, 0]
const MAGAZINE_HOURS = [0, 0, 0, 0, 0, 0, 0, 2, 4, 4, 3, 2, 0, 0, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0]

export const AGENCIES: readonly AgencySpec[] = (
  [
    { agency_id: 'baolamdong', name: 'Báo Lâm Đồng', kind: 'newspaper' },
    { agency_id: 'lamdongtv', name: 'Đài Phát thanh và Truyền hình Lâm Đồng', kind: 'radio-tv' },
    { agency_id: 'vanhoalamdong', name: 'Tạp chí Văn hóa Lâm Đồng', kind: 'magazine' },
  ] satisfies AgencySpec[]
).map((a) => ({ ...a, name: a.name.normalize('NFC') }))

export const SITES: readonly SiteSpec[] = (
  [
    {
      site_id: 'baolamdong',
      agency_id: 'baolamdong',
      name: 'Báo Lâm Đồng điện tử',
      domain: 'baolamdong.vn',
      language: 'vi',
      idPrefix: 'bld',
      sessionsPerDay: 1700,
      articlesPerDay: 28,
      topics: {
        'thoi-su': 20,
        'kinh-te': 14,
        'nong-nghiep': 12,
        'du-lich': 10,
        'van-hoa': 9,
        'the-thao': 8,
        'phap-luat': 14,
        'giao-duc': 9,
      },
      paywallShare: 0.08,
      channels: {
        facebook: 28,
        zalo: 14,
        google: 20,
        coccoc: 5,
        baomoi: 9,
        googlenews: 2,
        direct: 18,
        campaign: 4,
      },
      weekend: 0.85,
      words: [350, 1200],
      kinds: { breaking: 0.08, news: 0.64, feature: 0.18, evergreen: 0.1 },
      publishHours: NEWSROOM_HOURS,
      homeTitle: 'Báo Lâm Đồng điện tử – Tin tức Lâm Đồng mới nhất',
    },
    {
      site_id: 'baolamdong-en',
      agency_id: 'baolamdong',
      name: 'Lam Dong Online (English)',
      domain: 'en.baolamdong.vn',
      language: 'en',
      idPrefix: 'blden',
      sessionsPerDay: 110,
      articlesPerDay: 3,
      topics: { 'thoi-su': 3, 'kinh-te': 3, 'nong-nghiep': 1.5, 'du-lich': 4, 'van-hoa': 2 },
      paywallShare: 0,
      channels: { google: 45, facebook: 20, direct: 25, googlenews: 6, campaign: 4 },
      weekend: 0.95,
      words: [300, 800],
      kinds: { breaking: 0.03, news: 0.57, feature: 0.25, evergreen: 0.15 },
      publishHours: NEWSROOM_HOURS,
      homeTitle: 'Lam Dong Online – News from the Central Highlands',
    },
    {
      site_id: 'lamdongtv',
      agency_id: 'lamdongtv',
      name: 'Lâm Đồng TV',
      domain: 'lamdongtv.vn',
      language: 'vi',
      idPrefix: 'ltv',
      sessionsPerDay: 800,
      articlesPerDay: 14,
      topics: {
        'thoi-su': 22,
        'kinh-te': 10,
        'nong-nghiep': 12,
        'du-lich': 10,
        'van-hoa': 10,
        'the-thao': 12,
        'phap-luat': 14,
        'giao-duc': 10,
      },
      paywallShare: 0,
      channels: { facebook: 38, zalo: 16, google: 14, coccoc: 4, baomoi: 6, direct: 18, campaign: 4 },
      weekend: 0.9,
      words: [200, 650],
      kinds: { breaking: 0.1, news: 0.7, feature: 0.15, evergreen: 0.05 },
      publishHours: NEWSROOM_HOURS,
      homeTitle: 'Lâm Đồng TV – Truyền hình, phát thanh Lâm Đồng',
    },
    {
      site_id: 'vanhoalamdong',
      agency_id: 'vanhoalamdong',
      name: 'Tạp chí Văn hóa Lâm Đồng',
      domain: 'vanhoalamdong.vn',
      language: 'vi',
      idPrefix: 'vhld',
      sessionsPerDay: 260,
      articlesPerDay: 4,
      topics: { 'van-hoa': 40, 'du-lich': 30, 'giao-duc': 10, 'kinh-te': 10, 'nong-nghiep': 10 },
      paywallShare: 0.12,
      channels: { facebook: 30, zalo: 10, google: 32, coccoc: 6, direct: 18, campaign: 4 },
      weekend: 1.1,
      words: [1200, 3500],
      kinds: { breaking: 0, news: 0.25, feature: 0.45, evergreen: 0.3 },
      publishHours: MAGAZINE_HOURS,
      homeTitle: 'Tạp chí Văn hóa Lâm Đồng',
    },
    {
      site_id: 'langbiang',
      agency_id: 'vanhoalamdong',
      name: 'Langbiang – Văn học nghệ thuật',
      domain: 'langbiang.vn',
      language: 'vi',
      idPrefix: 'lb',
      sessionsPerDay: 120,
      articlesPerDay: 2,
      topics: { 'van-hoa': 75, 'du-lich': 25 },
      paywallShare: 0,
      channels: { facebook: 40, zalo: 10, google: 25, coccoc: 5, direct: 20 },
      weekend: 1.15,
      words: [1500, 4500],
      kinds: { breaking: 0, news: 0.15, feature: 0.45, evergreen: 0.4 },
      publishHours: MAGAZINE_HOURS,
      homeTitle: 'Langbiang – Tạp chí văn học nghệ thuật Lâm Đồng',
    },
  ] satisfies SiteSpec[]
).map((s) => ({ ...s, name: s.name.normalize('NFC'), homeTitle: s.homeTitle.normalize('NFC') }))

/**
 * Reader sessions by Vietnam hour (0–23), relative: a morning peak (7:00, news with breakfast), a noon peak
 * (12:00, lunch break) and the biggest in the evening (20:00–22:00, after dinner, on the phone).
 */
export const HOUR_WEIGHTS: readonly number[] = [
  0.22, 0.12, 0.08, 0.07, 0.1, 0.3, 0.75, 1.2, 1.1, 0.9, 0.85, 1.0, 1.15, 0.95, 0.72, 0.68, 0.72, 0.78, 0.85,
  1.0, 1.28, 1.32, 1.0, 0.55,
]
