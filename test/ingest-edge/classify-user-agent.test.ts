import { describe, expect, it } from 'vitest'
import { classifyUserAgent, createUserAgentClassifier } from '../../ingest/edge/classify-user-agent.ts'

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  coccocWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/123.0.180 Chrome/117.0.5938.180 Safari/537.36',
  coccocAndroid:
    'Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/136.0.226 Mobile Chrome/130.0.6723.226 Mobile Safari/537.36',
  zaloAndroid:
    'Mozilla/5.0 (Linux; Android 12; SM-A325F Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 Zalo android/12100617 ZaloTheme/light ZaloLanguage/vi',
  zaloIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Zalo iOS/23.11.01 ZaloTheme/light ZaloLanguage/vi',
  facebookIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/450.0.0.38.108;FBBV/564431005;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.3;FBSS/3;FBID/phone;FBLC/vi_VN;FBOP/5;FBRV/0]',
  facebookAndroid:
    'Mozilla/5.0 (Linux; Android 13; 22111317PG Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/446.0.0.35.109;]',
  messengerIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 LightSpeed [FBAN/MessengerLiteForiOS;FBAV/450.0.0.31.111;FBBV/561064218;FBDV/iPhone13,2;FBMD/iPhone;FBSN/iOS;FBSV/17.2;FBSS/3;FBCR/;FBID/phone;FBLC/vi;FBOP/0]',
  headlessChrome:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.29 Safari/537.36',
  phantomjs:
    'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
  lighthouse:
    'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
  electronBare:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.56 Electron/28.0.0 Safari/537.36',
  electronSlack:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.36.140 Chrome/120.0.6099.56 Electron/28.0.0 Safari/537.36 Sonic Slack_SSB/4.36.140',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebotSmartphone:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.201 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  coccocbot: 'Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)',
  facebookPreview: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  zaloPreview: 'Mozilla/5.0 (compatible; Zalo/1.0; +https://zalo.me)',
  curl: 'curl/8.4.0',
  pythonRequests: 'python-requests/2.31.0',
  samsungTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36',
  androidTablet:
    'Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
}

describe('classifyUserAgent', () => {
  it.each([
    ['chromeWindows', { device: 'desktop', os: 'Windows', browser: 'Chrome', bot: false, bot_kind: '' }],
    ['chromeAndroid', { device: 'mobile', os: 'Android', browser: 'Chrome', bot: false, bot_kind: '' }],
    ['safariIphone', { device: 'mobile', os: 'iOS', browser: 'Safari', bot: false, bot_kind: '' }],
    ['safariIpad', { device: 'tablet', os: 'iOS', browser: 'Safari', bot: false, bot_kind: '' }],
    ['androidTablet', { device: 'tablet', os: 'Android', browser: 'Chrome', bot: false, bot_kind: '' }],
    ['samsungTv', { device: 'tv', os: 'Tizen', bot: false, bot_kind: '' }],
    ['coccocWindows', { device: 'desktop', os: 'Windows', browser: 'Coc Coc', bot: false }],
    ['coccocAndroid', { device: 'mobile', os: 'Android', browser: 'Coc Coc', bot: false }],
    ['zaloAndroid', { device: 'mobile', os: 'Android', browser: 'Zalo', bot: false }],
    ['zaloIos', { device: 'mobile', os: 'iOS', browser: 'Zalo', bot: false }],
    ['facebookIos', { device: 'mobile', os: 'iOS', browser: 'Facebook', bot: false }],
    ['facebookAndroid', { device: 'mobile', os: 'Android', browser: 'Facebook', bot: false }],
    ['messengerIos', { device: 'mobile', browser: 'Messenger', bot: false }],
  ] as const)('reads a real reader browser: %s', (name, expected) => {
    expect(classifyUserAgent(UA[name])).toMatchObject(expected)
  })

  it.each([
    ['headlessChrome', 'headless'],
    ['phantomjs', 'headless'],
    ['lighthouse', 'headless'],
    ['electronBare', 'headless'],
    ['googlebot', 'crawler'],
    ['googlebotSmartphone', 'crawler'],
    ['coccocbot', 'crawler'],
    ['facebookPreview', 'crawler'],
    ['zaloPreview', 'crawler'],
    ['curl', 'automation'],
    ['pythonRequests', 'automation'],
  ] as const)('flags %s as a %s bot', (name, kind) => {
    expect(classifyUserAgent(UA[name])).toMatchObject({ bot: true, bot_kind: kind })
  })

  it('does not flag an Electron chat app a reader opened a link in', () => {
    expect(classifyUserAgent(UA.electronSlack)).toMatchObject({ bot: false, bot_kind: '' })
  })

  it('treats a missing user agent as a script, with device other', () => {
    expect(classifyUserAgent('')).toEqual({
      device: 'other',
      os: '',
      browser: '',
      bot: true,
      bot_kind: 'automation',
    })
  })

  it('uses "other" rather than desktop for a bot without a device type', () => {
    expect(classifyUserAgent(UA.googlebot).device).toBe('other')
  })

  it('fills device and OS gaps from client hints and spots headless Chrome by its brand', () => {
    const frozen = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
    expect(classifyUserAgent(frozen, { secChUaMobile: '?1', secChUaPlatform: '"Android"' })).toMatchObject({
      device: 'mobile',
      os: 'Android',
      bot: false,
    })
    expect(
      classifyUserAgent(UA.chromeWindows, { secChUa: '"Chromium";v="124", "HeadlessChrome";v="124"' }),
    ).toMatchObject({ bot: true, bot_kind: 'headless' })
  })

  it('keeps os and browser within the contract limit of 32 characters', () => {
    const long = `Mozilla/5.0 (Windows NT 10.0) ${'X'.repeat(5000)}/1.0 Chrome/124.0.0.0 Safari/537.36`
    const facts = classifyUserAgent(long, { secChUaPlatform: `"${'P'.repeat(40)}"` })
    expect(facts.os.length).toBeLessThanOrEqual(32)
    expect(facts.browser.length).toBeLessThanOrEqual(32)
  })
})

describe('createUserAgentClassifier', () => {
  it('returns the same answer from its cache, and keeps hints apart in the cache key', () => {
    const classify = createUserAgentClassifier({ cacheSize: 10 })
    const first = classify(UA.chromeWindows)
    expect(classify(UA.chromeWindows)).toBe(first)
    const hinted = classify(UA.chromeWindows, { secChUa: '"HeadlessChrome";v="124"' })
    expect(hinted.bot).toBe(true)
    expect(classify(UA.chromeWindows).bot).toBe(false)
  })

  it('evicts the least recently used entry when full', () => {
    const classify = createUserAgentClassifier({ cacheSize: 2 })
    const a = classify(UA.chromeWindows)
    const b = classify(UA.zaloIos)
    classify(UA.chromeWindows) // a is now the most recent
    classify(UA.curl) // evicts b
    expect(classify(UA.chromeWindows)).toBe(a)
    expect(classify(UA.zaloIos)).not.toBe(b)
    expect(classify(UA.zaloIos)).toEqual(b)
  })

  it('works with the cache turned off', () => {
    const classify = createUserAgentClassifier({ cacheSize: 0 })
    expect(classify(UA.coccocWindows).browser).toBe('Coc Coc')
  })
})

describe('createUserAgentClassifier with hostile input', () => {
  it('answers a 100 KB user agent quickly and identically to its first kilobyte', () => {
    const classify = createUserAgentClassifier({ cacheSize: 10 })
    const huge = `${UA.chromeAndroid} ${'a'.repeat(100_000)}`
    const started = performance.now()
    const facts = classify(huge)
    expect(performance.now() - started).toBeLessThan(500)
    expect(facts).toEqual(classify(huge.slice(0, 1024)))
  })
})
