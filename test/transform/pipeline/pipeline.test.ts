import { describe, expect, it } from 'vitest'
import type { Processor } from '../../../transform/outcome.ts'
import { createEventPipeline, type EnrichedEvent } from '../../../transform/pipeline/index.ts'
import { createSessionizer, createSessionStore } from '../../../transform/pipeline/steps/sessionize.ts'
import { EVENT_COLUMNS, type EventRow } from '../../../transform/writer.ts'
import { aMessage, MORNING } from '../builders.ts'

// The `events` columns the writer inserts (`day` is computed by ClickHouse), its own bookkeeping column aside:
// what the pipeline must fill.
const EVENTS_COLUMNS = EVENT_COLUMNS.filter((c) => c !== 'ingest_token')

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
