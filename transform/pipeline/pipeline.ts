// The event pipeline: Kafka bytes → parse → validate → bot filter → referrer → sessionize → one flat row
// of the ClickHouse `events` table. Each step returns an outcome; the first non-ok outcome stops the run.
import type { EventMessage } from '../../ingest/contract/index.ts'
import { ok, type StepResult } from './outcome.ts'
import { type BotFilterOptions, type BotFlagged, type BotKind, botKindOf } from './steps/bot-filter.ts'
import { createParseStep, type ParseStepOptions } from './steps/parse.ts'
import { createReferrerClassifier, pathOf, type ReferrerClass, type ReferrerFacts } from './steps/referrer.ts'
import {
  createSessionAssigner,
  createSessionStore,
  type SessionAssignment,
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
  return eventRow(e, e, e.is_bot, e.bot_kind, pathOf(e.url), e)
}

/** The one place that lists the row's fields: the message, its bot verdict, referrer facts, path and session. */
function eventRow(
  e: EventMessage,
  r: ReferrerFacts,
  is_bot: boolean,
  bot_kind: BotKind,
  path: string,
  s: Pick<SessionAssignment, 'session_id' | 'session_page'>,
): EnrichedEvent {
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
    path,
    title: e.title,
    article_id: e.article_id,
    section: e.section,
    referrer: r.referrer_clean,
    referrer_host: r.referrer_host,
    referrer_class: r.referrer_class,
    referrer_source: r.referrer_source,
    utm_source: r.utm_source,
    utm_medium: r.utm_medium,
    utm_campaign: r.utm_campaign,
    utm_content: r.utm_content,
    utm_term: r.utm_term,
    visitor_id: e.visitor_id,
    consented: e.consented,
    session_id: s.session_id,
    session_page: s.session_page,
    engaged_ms: e.engaged_ms,
    scroll_pct: e.scroll_pct,
    props: e.props,
    device: e.client.device,
    os: e.client.os,
    browser: e.client.browser,
    is_bot,
    bot_kind,
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

/** From an event already in contract shape (parsed and validated) to its row. */
export type MessagePipeline = (event: EventMessage) => StepResult<EnrichedEvent>

export type EventPipeline = ((bytes: Buffer | null) => StepResult<EnrichedEvent>) & {
  /**
   * The same pipeline entered after parse and validate, sharing its session state: for trusted in-process
   * producers whose events are contract objects already (the simulator's bulk back-fill).
   */
  fromMessage: MessagePipeline
}

/**
 * Builds the pipeline. It is stateful only through the session store; everything else is pure.
 * @example
 * const pipeline = createEventPipeline({ siteHosts: (id) => sites.hosts(id), sessionizer: createSessionizer() })
 * const outcome = pipeline(message.value) // ok(row) | drop(reason) | dlq(reason)
 */
export function createEventPipeline(deps: EventPipelineDeps): EventPipeline {
  const parse = createParseStep(deps.parse)
  const validate = createValidateStep()
  const fromMessage = createMessagePipeline(deps)
  const pipeline = (bytes: Buffer | null): StepResult<EnrichedEvent> => {
    const json = parse(bytes)
    if (json.kind !== 'ok') return json
    const event = validate(json.value)
    if (event.kind !== 'ok') return event
    return fromMessage(event.value)
  }
  return Object.assign(pipeline, { fromMessage })
}

/**
 * The steps after validation — bot filter, referrer, sessionize — fused: the same decisions as the step
 * functions (botKindOf, classifyReferrer, the session assigner), with one object built per event instead of a
 * copy per step, and the referrer facts and path of a page remembered across its events.
 */
function createMessagePipeline(deps: EventPipelineDeps): MessagePipeline {
  const maxHeartbeat = deps.botFilter?.maxHeartbeatEngagedMs
  const classify = createReferrerClassifier()
  const assign = createSessionAssigner({
    sessionizer: deps.sessionizer,
    store: deps.sessions ?? createSessionStore(200_000),
  })
  return (e) => {
    const bot_kind = botKindOf(e, maxHeartbeat)
    const page = classify(e.site_id, e.url, e.referrer, deps.siteHosts(e.site_id))
    const r = page.facts
    const s = assign({
      site_id: e.site_id,
      visitor_id: e.visitor_id,
      ts: e.ts,
      type: e.type,
      url: e.url,
      referrer_class: r.referrer_class,
    })
    return ok(eventRow(e, r, bot_kind !== '', bot_kind, page.path, s))
  }
}
