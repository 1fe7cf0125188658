// The event pipeline: Kafka bytes → parse → validate → bot filter → referrer → sessionize → one flat row
// of the ClickHouse `events` table. Each step returns an outcome; the first non-ok outcome stops the run.
import type { EventMessage } from '../../ingest/contract/index.ts'
import { ok, type StepResult } from './outcome.ts'
import {
  type BotFilterOptions,
  type BotFlagged,
  type BotKind,
  createBotFilterStep,
} from './steps/bot-filter.ts'
import { createParseStep, type ParseStepOptions } from './steps/parse.ts'
import { createReferrerStep, type ReferrerClass, type ReferrerFacts } from './steps/referrer.ts'
import {
  createSessionizeStep,
  createSessionStore,
  type Sessionized,
  type Sessionizer,
  type SessionStore,
} from './steps/sessionize.ts'
import { createValidateStep } from './steps/validate.ts'

/**
 * One row of `events` (infra/clickhouse/migrations/0003_events.sql), minus the `day` column ClickHouse
 * derives. Timestamps are epoch ms; the writer formats them.
 */
export interface EnrichedEvent {
  event_id: string
  schema_version: number
  type: EventMessage['type']
  name: string
  ts: number
  received_at: number
  agency_id: string
  site_id: string
  url: string
  path: string
  title: string
  article_id: string
  section: string
  /** Referring URL without its query string. */
  referrer: string
  referrer_host: string
  referrer_class: ReferrerClass
  referrer_source: string
  utm_source: string
  utm_medium: string
  utm_campaign: string
  utm_content: string
  utm_term: string
  visitor_id: string
  consented: boolean
  session_id: string
  session_page: number
  engaged_ms: number
  scroll_pct: number
  props: Record<string, string>
  device: EventMessage['client']['device']
  os: string
  browser: string
  is_bot: boolean
  bot_kind: BotKind
  country: string
  province: string
}

/** What the steps have built up by the end of the pipeline. */
export type PipelineEvent = Sessionized<BotFlagged<EventMessage> & ReferrerFacts>

/** Flattens a fully enriched event into an `events` row. */
export function toEventRow(e: PipelineEvent): EnrichedEvent {
  return {
    event_id: e.event_id,
    schema_version: e.v,
    type: e.type,
    name: e.name,
    ts: e.ts,
    received_at: e.received_at,
    agency_id: e.agency_id,
    site_id: e.site_id,
    url: e.url,
    path: pathOf(e.url),
    title: e.title,
    article_id: e.article_id,
    section: e.section,
    referrer: e.referrer_clean,
    referrer_host: e.referrer_host,
    referrer_class: e.referrer_class,
    referrer_source: e.referrer_source,
    utm_source: e.utm_source,
    utm_medium: e.utm_medium,
    utm_campaign: e.utm_campaign,
    utm_content: e.utm_content,
    utm_term: e.utm_term,
    visitor_id: e.visitor_id,
    consented: e.consented,
    session_id: e.session_id,
    session_page: e.session_page,
    engaged_ms: e.engaged_ms,
    scroll_pct: e.scroll_pct,
    props: e.props,
    device: e.client.device,
    os: e.client.os,
    browser: e.client.browser,
    is_bot: e.is_bot,
    bot_kind: e.bot_kind,
    country: e.client.country,
    province: e.client.province,
  }
}

export interface EventPipelineDeps {
  /** The site's own hosts, for telling internal navigation from referrals. */
  siteHosts: (siteId: string) => readonly string[]
  sessionizer: Sessionizer
  /** Session states; default an in-memory LRU of 200 000 visitors. */
  sessions?: SessionStore
  parse?: ParseStepOptions
  botFilter?: BotFilterOptions
}

export type EventPipeline = (bytes: Buffer | null) => StepResult<EnrichedEvent>

/**
 * Builds the pipeline. It is stateful only through the session store; everything else is pure.
 * @example
 * const pipeline = createEventPipeline({ siteHosts: (id) => sites.hosts(id), sessionizer: createSessionizer() })
 * const outcome = pipeline(message.value) // ok(row) | drop(reason) | dlq(reason)
 */
export function createEventPipeline(deps: EventPipelineDeps): EventPipeline {
  const parse = createParseStep(deps.parse)
  const validate = createValidateStep()
  const flagBots = createBotFilterStep<EventMessage>(deps.botFilter)
  const referrer = createReferrerStep<BotFlagged<EventMessage>>({ siteHosts: deps.siteHosts })
  const sessionize = createSessionizeStep<BotFlagged<EventMessage> & ReferrerFacts>({
    sessionizer: deps.sessionizer,
    store: deps.sessions ?? createSessionStore(200_000),
  })
  return (bytes) => {
    const json = parse(bytes)
    if (json.kind !== 'ok') return json
    const event = validate(json.value)
    if (event.kind !== 'ok') return event
    const flagged = flagBots(event.value)
    if (flagged.kind !== 'ok') return flagged
    const referred = referrer(flagged.value)
    if (referred.kind !== 'ok') return referred
    const sessioned = sessionize(referred.value)
    if (sessioned.kind !== 'ok') return sessioned
    return ok(toEventRow(sessioned.value))
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}
