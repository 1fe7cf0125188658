// Readers' devices and places: user agents seen on Vietnamese news sites (in-app Zalo and Facebook browsers,
// Cốc Cốc, mostly phones) with the facts the collector derives from them, and where readers are.
import type { ClientFacts } from '../../ingest/contract/index.ts'

export interface UserAgentProfile {
  ua: string
  /** What the collector's classifier says about `ua` (a unit test keeps the two in step). */
  facts: Pick<ClientFacts, 'device' | 'os' | 'browser' | 'bot' | 'bot_kind'>
  /** Relative share among readers. */
  weight: number
  /** In-app browsers come with their app's links: a Zalo webview reader mostly arrives from Zalo. */
  channel?: 'facebook' | 'zalo'
}

const m = (os: string, browser: string) => ({
  device: 'mobile' as const,
  os,
  browser,
  bot: false,
  bot_kind: '' as const,
})
const t = (os: string, browser: string) => ({
  device: 'tablet' as const,
  os,
  browser,
  bot: false,
  bot_kind: '' as const,
})
const d = (os: string, browser: string) => ({
  device: 'desktop' as const,
  os,
  browser,
  bot: false,
  bot_kind: '' as const,
})

/** Phones ≈ 75 %, tablets ≈ 4 %, desktops ≈ 21 % of readers. */
export const READER_USER_AGENTS: readonly UserAgentProfile[] = [
  {
    weight: 15,
    facts: m('Android', 'Chrome'),
    ua: 'Mozilla/5.0 (Linux; Android 14; SM-A556E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
  },
  {
    weight: 6,
    facts: m('Android', 'Chrome'),
    ua: 'Mozilla/5.0 (Linux; Android 13; CPH2457) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36',
  },
  {
    weight: 4,
    facts: m('Android', 'Chrome'),
    ua: 'Mozilla/5.0 (Linux; Android 14; 23129RAA4G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  },
  {
    weight: 9,
    facts: m('iOS', 'Safari'),
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  },
  {
    weight: 5,
    facts: m('iOS', 'Safari'),
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  },
  {
    weight: 8,
    facts: m('Android', 'Zalo'),
    channel: 'zalo',
    ua: 'Mozilla/5.0 (Linux; Android 13; SM-A536E Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36 Zalo android/12110102 ZaloTheme/light ZaloLanguage/vi',
  },
  {
    weight: 4,
    facts: m('iOS', 'Zalo'),
    channel: 'zalo',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Zalo iOS/575 ZaloTheme/light ZaloLanguage/vi',
  },
  {
    weight: 9,
    facts: m('Android', 'Facebook'),
    channel: 'facebook',
    ua: 'Mozilla/5.0 (Linux; Android 14; SM-A155F Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.66.81;]',
  },
  {
    weight: 5,
    facts: m('iOS', 'Facebook'),
    channel: 'facebook',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/489.0.0.32.108;FBBV/664445435;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/3;FBID/phone;FBLC/vi_VN;FBOP/5]',
  },
  {
    weight: 4,
    facts: m('Android', 'Coc Coc'),
    ua: 'Mozilla/5.0 (Linux; Android 12; CPH2269) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/132.0.256 Chrome/126.0.6478.254 Mobile Safari/537.36',
  },
  {
    weight: 3,
    facts: m('Android', 'Samsung Internet'),
    ua: 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  },
  {
    weight: 2,
    facts: m('iOS', 'Chrome'),
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  },
  {
    weight: 2.5,
    facts: t('iOS', 'Safari'),
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  },
  {
    weight: 1.5,
    facts: t('Android', 'Chrome'),
    ua: 'Mozilla/5.0 (Linux; Android 13; SM-X205) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Safari/537.36',
  },
  {
    weight: 9,
    facts: d('Windows', 'Chrome'),
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
  {
    weight: 6,
    facts: d('Windows', 'Coc Coc'),
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/132.0.256 Chrome/126.0.6478.254 Safari/537.36',
  },
  {
    weight: 2,
    facts: d('Windows', 'Edge'),
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  },
  {
    weight: 1.5,
    facts: d('macOS', 'Safari'),
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  },
  {
    weight: 1.5,
    facts: d('macOS', 'Chrome'),
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
  {
    weight: 1,
    facts: d('Windows', 'Firefox'),
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  },
]

/** Crawlers that render JavaScript (so the tracker fires), a headless scraper, and one from a data centre. */
export const BOT_USER_AGENTS: readonly UserAgentProfile[] = [
  {
    weight: 4,
    facts: { device: 'mobile', os: 'Android', browser: 'Chrome', bot: true, bot_kind: 'crawler' },
    ua: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  },
  {
    weight: 2,
    facts: { device: 'other', os: '', browser: '', bot: true, bot_kind: 'crawler' },
    ua: 'Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)',
  },
  {
    weight: 1,
    facts: { device: 'other', os: '', browser: 'Chrome', bot: true, bot_kind: 'crawler' },
    ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  },
  {
    weight: 2,
    facts: { device: 'other', os: 'Linux', browser: 'Chrome Headless', bot: true, bot_kind: 'headless' },
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  },
  // A normal browser UA from a cloud address: the collector flags it by IP (`datacenter`), not by UA.
  {
    weight: 2,
    facts: { device: 'desktop', os: 'Windows', browser: 'Chrome', bot: false, bot_kind: 'datacenter' },
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
]

/** Legacy (63-province) names, as the collector's geo lookup reports them; Lâm Đồng's 2025 merger partners included. */
export const READER_PROVINCES: ReadonlyArray<{ province: string; weight: number }> = [
  { province: 'Lâm Đồng', weight: 52 },
  { province: 'Bình Thuận', weight: 8 },
  { province: 'Đắk Nông', weight: 6 },
  { province: 'Thành phố Hồ Chí Minh', weight: 13 },
  { province: 'Hà Nội', weight: 5 },
  { province: 'Khánh Hòa', weight: 3 },
  { province: 'Đắk Lắk', weight: 3 },
  { province: 'Đồng Nai', weight: 2.5 },
  { province: 'Ninh Thuận', weight: 2 },
  { province: 'Bình Dương', weight: 2 },
  { province: 'Đà Nẵng', weight: 1.5 },
  { province: 'Gia Lai', weight: 1 },
  { province: '', weight: 1 },
].map((p) => ({ ...p, province: p.province.normalize('NFC') }))

/** Readers abroad (province empty): the diaspora and visitors who came through Đà Lạt. */
export const FOREIGN_COUNTRIES: readonly string[] = ['US', 'AU', 'KR', 'JP', 'DE', 'FR', 'CA', 'TW', 'SG']

/** Address blocks of Vietnamese ISPs (Viettel, VNPT, FPT) for the live mode's X-Forwarded-For. */
export const VIETNAM_IP_PREFIXES: readonly string[] = [
  '14.160',
  '27.72',
  '42.114',
  '113.161',
  '113.185',
  '116.98',
  '123.21',
  '171.236',
  '171.250',
]
