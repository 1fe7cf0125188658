// Every ```sql block of docs/analysts.md runs on the real engine against a generated fortnight of
// reading (relative to now, so "yesterday" has data) and returns rows.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertArticles, type ArticleRowInput } from '../../infra/clickhouse/tables/index.ts'
import { freshClickHouse, rows, type TestClickHouse } from '../support/clickhouse.ts'

const DOC = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/analysts.md')

/** The SQL blocks of a Markdown file, with the heading they sit under. */
function sqlBlocks(markdown: string): Array<{ heading: string; sql: string }> {
  const blocks: Array<{ heading: string; sql: string }> = []
  let heading = '(top)'
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '')
    if (line.trim() === '```sql') {
      const body: string[] = []
      for (i++; i < lines.length && lines[i]?.trim() !== '```'; i++) body.push(lines[i] ?? '')
      blocks.push({ heading, sql: body.join('\n').trim().replace(/;$/, '') })
    }
  }
  return blocks
}

const AGENCY_OF: Record<string, string> = {
  baolamdong: 'lamdong',
  lamdongtv: 'lamdong',
  baokhanhhoa: 'khanhhoa',
}
const VN_OFFSET_MS = 7 * 3_600_000
const HOUR = 3_600_000
const DAY = 24 * HOUR

interface EventSpec {
  ts: number
  type?: string
  name?: string
  site?: string
  article?: string
  section?: string
  visitor?: string
  session?: string
  ref?: readonly [cls: string, source: string]
  device?: string
  engagedMs?: number
  scrollPct?: number
  bot?: boolean
  province?: string
}

/** One `events` row as the writer inserts it (timestamps as UTC 'YYYY-MM-DD HH:MM:SS.mmm'). */
function anEvent(e: EventSpec): Record<string, unknown> {
  const site = e.site ?? 'baolamdong'
  const ts = new Date(e.ts).toISOString().replace('T', ' ').replace('Z', '')
  const article = e.article ?? ''
  return {
    event_id: randomUUID(),
    schema_version: 1,
    type: e.type ?? 'pageview',
    name: e.name ?? '',
    ts,
    received_at: ts,
    agency_id: AGENCY_OF[site] ?? 'lamdong',
    site_id: site,
    url: `https://${site}.vn/${article}`,
    path: `/${article}`,
    article_id: article,
    section: e.section ?? '',
    referrer_class: e.ref?.[0] ?? '',
    referrer_source: e.ref?.[1] ?? '',
    visitor_id: e.visitor ?? 'visitor-1',
    session_id: e.session ?? 'session-1',
    engaged_ms: e.engagedMs ?? 0,
    scroll_pct: e.scrollPct ?? 0,
    device: e.device ?? 'desktop',
    is_bot: e.bot ? 1 : 0,
    country: e.province ? 'VN' : '',
    province: e.province ?? '',
  }
}

interface ArticleSpec {
  site: string
  id: string
  section: string
  author: string
  paywalled: boolean
  /** Average engaged seconds a read gets: "clickbait" gets almost none. */
  engagedS: number
  /** Readers a day. */
  readers: number
}
const ARTICLES: ArticleSpec[] = [
  {
    site: 'baolamdong',
    id: 'da-lat-mua-hoa',
    section: 'Thời sự',
    author: 'Nguyễn Văn An',
    paywalled: false,
    engagedS: 40,
    readers: 6,
  },
  {
    site: 'baolamdong',
    id: 'gia-ca-phe',
    section: 'Kinh tế',
    author: 'Trần Thị Bình',
    paywalled: true,
    engagedS: 70,
    readers: 6,
  },
  {
    site: 'baolamdong',
    id: 'sao-viet-gay-soc',
    section: 'Giải trí',
    author: 'Lê Minh',
    paywalled: false,
    engagedS: 1,
    readers: 12,
  },
  {
    site: 'lamdongtv',
    id: 'ban-tin-18h',
    section: 'Video',
    author: 'Phòng Thời sự',
    paywalled: false,
    engagedS: 90,
    readers: 4,
  },
  {
    site: 'baokhanhhoa',
    id: 'bien-nha-trang',
    section: 'Du lịch',
    author: 'Phạm Hải',
    paywalled: false,
    engagedS: 30,
    readers: 6,
  },
]
const REFERRERS = [
  ['search', 'google'],
  ['messaging', 'zalo'],
  ['aggregator', 'baomoi'],
  ['social', 'facebook'],
  ['direct', ''],
  ['search', 'coccoc'],
  ['messaging', 'zalo'],
  ['aggregator', 'baomoi'],
] as const
const PROVINCES = ['Lâm Đồng', 'Khánh Hòa', 'TP Hồ Chí Minh', 'Hà Nội', '']

/** Midnight of the Vietnam day `daysAgo` days before today, as a UTC instant. */
function vietnamMidnight(daysAgo: number): number {
  const todayVn = new Date(Date.now() + VN_OFFSET_MS).toISOString().slice(0, 10)
  return Date.parse(`${todayVn}T00:00:00Z`) - VN_OFFSET_MS - daysAgo * DAY
}

/** Fourteen days of reading on three sites, some readers going on to a second page, and a crawler. */
function aFortnight(): { events: Array<Record<string, unknown>>; articles: ArticleRowInput[] } {
  const events: Array<Record<string, unknown>> = []
  const articles: ArticleRowInput[] = []
  ARTICLES.forEach((a, ai) => {
    const published = vietnamMidnight(14) + (6 + ai * 3) * HOUR
    articles.push({
      agency_id: AGENCY_OF[a.site] ?? 'lamdong',
      site_id: a.site,
      article_id: a.id,
      url: `https://${a.site}.vn/${a.id}`,
      title: a.id.replaceAll('-', ' '),
      section: a.section,
      author: a.author,
      tags: [a.section.toLowerCase()],
      published_at: published,
      updated_at: published,
      paywalled: a.paywalled,
      word_count: 600 + ai * 100,
      source: 'cms',
    })
    for (let d = 1; d <= 14; d++) {
      for (let r = 0; r < a.readers; r++) {
        const n = d * 6 + r
        const ts = vietnamMidnight(d) + ((7 + r * 3 + ai) % 24) * HOUR + r * 60_000
        const page = {
          site: a.site,
          article: a.id,
          section: a.section,
          visitor: `v-${d}-${ai}-${r}`,
          session: `s-${d}-${ai}-${r}`,
          ref: REFERRERS[n % REFERRERS.length],
          device: r % 3 === 0 ? 'desktop' : 'mobile',
          province: PROVINCES[n % PROVINCES.length],
        }
        events.push(anEvent({ ...page, ts }))
        const engaged = a.engagedS * 1000 * (0.5 + (r % 3) / 2)
        for (let k = 1; k * 10_000 <= engaged + 9_999; k++) {
          events.push(
            anEvent({
              ...page,
              type: 'engagement',
              ts: ts + k * 10_000,
              engagedMs: Math.min(10_000, engaged - (k - 1) * 10_000),
            }),
          )
        }
        for (const m of [25, 50, 75, 100].slice(0, 1 + (r % 4)))
          events.push(anEvent({ ...page, type: 'scroll', scrollPct: m, ts: ts + m * 100 }))
        if (a.engagedS > 10 && r % 2 === 0)
          events.push(anEvent({ ...page, type: 'read_complete', ts: ts + 60_000 }))
        if (a.paywalled) {
          events.push(anEvent({ ...page, type: 'paywall', name: 'paywall_shown', ts: ts + 5_000 }))
          if (r < 3)
            events.push(anEvent({ ...page, type: 'subscribe', name: 'subscribe_start', ts: ts + 20_000 }))
          if (r < 1)
            events.push(anEvent({ ...page, type: 'subscribe', name: 'subscribe_complete', ts: ts + 90_000 }))
        }
        // Every other reader goes on to the site's home page (a second pageview in the session).
        if (r % 2 === 1)
          events.push(
            anEvent({ ...page, article: '', section: '', ref: ['internal', a.site], ts: ts + 120_000 }),
          )
      }
      // A crawler visits every article every day: it must change no answer.
      events.push(
        anEvent({
          site: a.site,
          article: a.id,
          section: a.section,
          visitor: 'crawler',
          session: `bot-${d}`,
          bot: true,
          ts: vietnamMidnight(d) + 3 * HOUR,
        }),
      )
    }
  })
  return { events, articles }
}

let t: TestClickHouse
beforeAll(async () => {
  t = await freshClickHouse()
  const { events, articles } = aFortnight()
  for (let i = 0; i < events.length; i += 500) {
    await t.ch.client.insert({
      table: 'nhip.events',
      format: 'JSONEachRow',
      values: events.slice(i, i + 500),
    })
  }
  await insertArticles(t.ch, articles)
}, 120_000)
afterAll(async () => t?.cleanup())

const blocks = sqlBlocks(readFileSync(DOC, 'utf8'))

describe('docs/analysts.md', () => {
  it('has at least ten example questions in SQL', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10)
  })

  it.each(blocks.map((b) => [b.heading, b.sql] as const))('runs and answers: %s', async (_heading, sql) => {
    const got = await rows(t.ch, sql)
    expect(got.length).toBeGreaterThan(0)
  })

  it('finds the clickbait article in question 10', async () => {
    const q10 = blocks.find((b) => b.heading.startsWith('10.'))
    expect(q10).toBeDefined()
    const got = await rows<{ article_id: string }>(t.ch, q10?.sql ?? '')
    expect(got.map((r) => r.article_id)).toEqual(['sao-viet-gay-soc'])
  })
})
