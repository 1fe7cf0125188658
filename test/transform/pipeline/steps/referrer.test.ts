import { describe, expect, it } from 'vitest'
import { classifyReferrer } from '../../../../transform/pipeline/steps/referrer.ts'

const PAGE = 'https://baolamdong.vn/xa-hoi/da-lat-123.html'
const SITE = ['baolamdong.vn']
const classify = (referrer: string, url = PAGE, siteHosts: readonly string[] = SITE) =>
  classifyReferrer({ url, referrer, siteHosts })

describe('classifyReferrer: class and source by referring host', () => {
  it.each([
    // search
    ['https://www.google.com/', 'search', 'google', 'google.com'],
    ['https://www.google.com.vn/', 'search', 'google', 'google.com.vn'],
    ['https://google.co.uk/search?q=da+lat', 'search', 'google', 'google.co.uk'],
    ['https://coccoc.com/search?query=%C4%91%C3%A0+l%E1%BA%A1t', 'search', 'coccoc', 'coccoc.com'],
    ['https://search.coccoc.com/', 'search', 'coccoc', 'search.coccoc.com'],
    ['https://www.bing.com/', 'search', 'bing', 'bing.com'],
    ['https://vn.search.yahoo.com/', 'search', 'yahoo', 'vn.search.yahoo.com'],
    ['https://duckduckgo.com/', 'search', 'duckduckgo', 'duckduckgo.com'],
    ['https://yandex.ru/search/', 'search', 'yandex', 'yandex.ru'],
    // social
    ['https://m.facebook.com/', 'social', 'facebook', 'm.facebook.com'],
    ['https://l.facebook.com/l.php?u=x', 'social', 'facebook', 'l.facebook.com'],
    ['https://lm.facebook.com/', 'social', 'facebook', 'lm.facebook.com'],
    ['https://www.facebook.com/', 'social', 'facebook', 'facebook.com'],
    ['https://fb.com/', 'social', 'facebook', 'fb.com'],
    ['https://l.instagram.com/', 'social', 'instagram', 'l.instagram.com'],
    ['https://m.youtube.com/', 'social', 'youtube', 'm.youtube.com'],
    ['https://www.tiktok.com/', 'social', 'tiktok', 'tiktok.com'],
    ['https://t.co/abc', 'social', 'twitter', 't.co'],
    ['https://x.com/', 'social', 'twitter', 'x.com'],
    ['https://www.linkedin.com/', 'social', 'linkedin', 'linkedin.com'],
    ['https://www.threads.net/', 'social', 'threads', 'threads.net'],
    // messaging
    ['https://zalo.me/', 'messaging', 'zalo', 'zalo.me'],
    ['https://chat.zalo.me/', 'messaging', 'zalo', 'chat.zalo.me'],
    ['https://h5.zaloapp.com/', 'messaging', 'zalo', 'h5.zaloapp.com'],
    ['https://m.me/', 'messaging', 'messenger', 'm.me'],
    ['https://www.messenger.com/', 'messaging', 'messenger', 'messenger.com'],
    ['https://t.me/somechannel', 'messaging', 'telegram', 't.me'],
    ['https://invite.viber.com/', 'messaging', 'viber', 'invite.viber.com'],
    // aggregators
    ['https://baomoi.com/', 'aggregator', 'baomoi', 'baomoi.com'],
    ['https://m.baomoi.com/tin-moi.epi', 'aggregator', 'baomoi', 'm.baomoi.com'],
    ['https://news.google.com/', 'aggregator', 'googlenews', 'news.google.com'],
    ['https://www.msn.com/vi-vn/', 'aggregator', 'msn', 'msn.com'],
    ['https://flipboard.com/', 'aggregator', 'flipboard', 'flipboard.com'],
    ['https://vn.news.yahoo.com/', 'aggregator', 'yahoonews', 'vn.news.yahoo.com'],
    // other
    ['https://vnexpress.net/abc', 'other', '', 'vnexpress.net'],
    ['https://mail.google.com/', 'other', '', 'mail.google.com'],
    ['https://notfacebook.com/', 'other', '', 'notfacebook.com'],
  ] as const)('%s → %s/%s', (referrer, referrer_class, referrer_source, referrer_host) => {
    expect(classify(referrer)).toMatchObject({ referrer_class, referrer_source, referrer_host })
  })
})

describe('classifyReferrer: direct, internal and campaign', () => {
  it('is direct without a referrer', () => {
    expect(classify('')).toMatchObject({
      referrer_class: 'direct',
      referrer_source: '',
      referrer_host: '',
      referrer_clean: '',
    })
  })

  it.each([
    ['https://baolamdong.vn/', SITE],
    ['https://www.baolamdong.vn/the-thao', SITE],
    ['https://m.baolamdong.vn/', SITE],
    ['https://baolamdong.vn/', ['www.baolamdong.vn']],
    ['https://baolamdong.vn/', []], // the page's own host always counts
  ])('is internal from %s (site hosts %j)', (referrer, hosts) => {
    expect(classify(referrer, PAGE, hosts)).toMatchObject({ referrer_class: 'internal', referrer_source: '' })
  })

  it('is not internal from a host that merely ends with the site name', () => {
    expect(classify('https://fakebaolamdong.vn/')).toMatchObject({ referrer_class: 'other' })
  })

  it('lets UTM tags win over the referring host, naming the source from utm_source', () => {
    const facts = classify(
      'https://l.facebook.com/',
      `${PAGE}?utm_source=Zalo&utm_medium=Social&utm_campaign=Tết 2025`,
    )
    expect(facts).toMatchObject({
      referrer_class: 'campaign',
      referrer_source: 'zalo',
      referrer_host: 'l.facebook.com',
      utm_source: 'zalo',
      utm_medium: 'social',
      utm_campaign: 'Tết 2025',
    })
  })

  it.each([
    ['?utm_source=fb', 'https://l.facebook.com/', 'facebook'],
    ['?utm_source=newsletter', 'https://l.facebook.com/', 'facebook'], // unknown utm_source: the host decides
    ['?utm_source=newsletter&utm_medium=email', '', ''],
    ['?utm_medium=push', '', ''],
    ['?utm_source=coc_coc', '', 'coccoc'],
    ['?utm_source=www.baomoi.com', '', 'baomoi'],
  ])('campaign %s from %j has source %j', (query, referrer, source) => {
    expect(classify(referrer, `${PAGE}${query}`)).toMatchObject({
      referrer_class: 'campaign',
      referrer_source: source,
    })
  })

  it('recovers Zalo and Facebook in-app opens that send no referrer, from zarsrc and fbclid', () => {
    expect(classify('', `${PAGE}?zarsrc=30`)).toMatchObject({
      referrer_class: 'messaging',
      referrer_source: 'zalo',
    })
    expect(classify('', `${PAGE}?fbclid=IwAR0abc`)).toMatchObject({
      referrer_class: 'social',
      referrer_source: 'facebook',
    })
    // A referrer, when present, is better evidence than a click id copied along with the link.
    expect(classify('https://www.google.com/', `${PAGE}?zarsrc=30`)).toMatchObject({
      referrer_source: 'google',
    })
  })

  it('keeps all five UTM fields, trimmed and capped', () => {
    const facts = classify(
      '',
      `${PAGE}?utm_source=zalo&utm_medium=oa&utm_campaign=bau-cu&utm_content=banner&utm_term=${'x'.repeat(400)}`,
    )
    expect(facts).toMatchObject({
      utm_source: 'zalo',
      utm_medium: 'oa',
      utm_campaign: 'bau-cu',
      utm_content: 'banner',
    })
    expect(facts.utm_term).toHaveLength(256)
  })
})

describe('classifyReferrer: referrer_clean', () => {
  it('drops query, fragment and credentials', () => {
    expect(
      classify('https://user:secret@www.google.com:8443/search?q=so+dien+thoai#top').referrer_clean,
    ).toBe('https://www.google.com:8443/search')
  })

  it('treats an unparseable referrer as other, without throwing', () => {
    expect(classify('not a url')).toMatchObject({
      referrer_class: 'other',
      referrer_host: '',
      referrer_clean: '',
    })
  })
})
