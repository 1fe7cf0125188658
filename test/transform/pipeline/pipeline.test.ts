import { describe, expect, it } from 'vitest'
import type { Processor } from '../../../transform/outcome.ts'
import { createEventPipeline, type EnrichedEvent } from '../../../transform/pipeline/index.ts'
import { createSessionizer, createSessionStore } from '../../../transform/pipeline/steps/sessionize.ts'
import type { EventRow } from '../../../transform/writer.ts'
import { aMessage, MORNING } from '../builders.ts'

/** Columns of `events` in infra/clickhouse/migrations/0003_events.sql, minus `day` (ClickHouse computes it). */
const EVENTS_COLUMNS = [
  'event_id',
  'schema_version',
  'type',
  'name',
  'ts',
  'received_at',
  'agency_id',
  'site_id',
  'url',
  'path',
  'title',
  'article_id',
  'section',
  'referrer',
  'referrer_host',
  'referrer_class',
  'referrer_source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'visitor_id',
  'consented',
  'session_id',
  'session_page',
  'engaged_ms',
  'scroll_pct',
  'props',
  'device',
  'os',
  'browser',
  'is_bot',
  'bot_kind',
  'country',
  'province',
]

const newPipeline = () =>
  createEventPipeline({
    siteHosts: (siteId) => (siteId === 'baolamdong' ? ['baolamdong.vn', 'www.baolamdong.vn'] : []),
    sessionizer: createSessionizer(),
    sessions: createSessionStore(1000),
  })

function okRow(result: ReturnType<ReturnType<typeof newPipeline>>): EnrichedEvent {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.kind}: ${result.reason}`)
  return result.value
}

describe('createEventPipeline', () => {
  it('turns a Kafka message into a complete events row', () => {
    const row = okRow(
      newPipeline()(
        aMessage({
          url: 'https://baolamdong.vn/xa-hoi/da-lat-123.html?utm_source=zalo&utm_medium=oa#binh-luan',
          referrer: 'https://chat.zalo.me/?session=abc',
          props: { author_slug: 'nguyen-van-a' },
        }),
      ),
    )
    expect(Object.keys(row).sort()).toEqual([...EVENTS_COLUMNS].sort())
    expect(row).toMatchObject({
      schema_version: 1,
      type: 'pageview',
      ts: MORNING,
      received_at: MORNING + 150,
      path: '/xa-hoi/da-lat-123.html',
      referrer: 'https://chat.zalo.me/',
      referrer_host: 'chat.zalo.me',
      referrer_class: 'campaign',
      referrer_source: 'zalo',
      utm_source: 'zalo',
      utm_medium: 'oa',
      session_page: 1,
      device: 'mobile',
      browser: 'Zalo',
      is_bot: false,
      bot_kind: '',
      country: 'VN',
      province: 'Lâm Đồng',
      props: { author_slug: 'nguyen-van-a' },
    })
    expect(row.session_id).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it("carries one reader's session across pageviews, and sees internal navigation", () => {
    const pipeline = newPipeline()
    const first = okRow(pipeline(aMessage({ referrer: 'https://www.google.com.vn/' })))
    const second = okRow(
      pipeline(
        aMessage({
          ts: MORNING + 60_000,
          url: 'https://baolamdong.vn/b.html',
          referrer: 'https://baolamdong.vn/a.html',
        }),
      ),
    )
    expect(second.session_id).toBe(first.session_id)
    expect(second.session_page).toBe(2)
    expect(first).toMatchObject({ referrer_class: 'search', referrer_source: 'google' })
    expect(second).toMatchObject({ referrer_class: 'internal', referrer_source: '' })
  })

  it('flags bots and keeps them', () => {
    const row = okRow(newPipeline()(aMessage({ client: { bot: false, bot_kind: 'datacenter' } })))
    expect(row).toMatchObject({ is_bot: true, bot_kind: 'datacenter' })
  })

  it.each([
    [Buffer.from('{"v":1,'), /^invalid JSON at position 7/],
    [Buffer.from('{"v":3}'), /^unsupported schema version 3$/],
    [aMessage({ site_id: 'Bao Lam Dong' }), /^invalid event: site_id: /],
    [null, /^empty message/],
  ])('sends bad input to the DLQ with a reason (%#)', (bytes, reason) => {
    const result = newPipeline()(bytes)
    expect(result.kind).toBe('dlq')
    expect(result.kind === 'dlq' && result.reason).toMatch(reason)
  })

  it("fits the consumer's Processor<EventRow> slot", () => {
    const processor: Processor<EventRow> = newPipeline()
    expect(typeof processor).toBe('function')
  })
})
