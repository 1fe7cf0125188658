// The event contract shared by ingest and transform: what travels on the Kafka `events` topic (versioned).
// The raw IP and user agent never appear here: the collector derives coarse fields from them at the edge.
import { z } from 'zod'

/** Bumped when a field changes meaning; transform rejects versions it does not know (to the DLQ). */
export const EVENT_SCHEMA_VERSION = 1

export const EVENT_TYPES = [
  'pageview',
  'engagement',
  'scroll',
  'read_complete',
  'click',
  'custom',
  'paywall',
  'subscribe',
  // The recommendation block (ingest/tracker/widget.ts): shown (≥ 50 % visible, once per fill) and clicked.
  // Props: source_article, source (model | precomputed | fallback), model_version, placement, plus
  // items + count (impression) or rec_article + position (1-based, click).
  'rec_impression',
  'rec_click',
] as const
export const EventType = z.enum(EVENT_TYPES)
export type EventType = z.infer<typeof EventType>

/** Limits that every edge enforces, in one place. */
export const LIMITS = {
  idLength: 64,
  urlLength: 2048,
  titleLength: 512,
  nameLength: 64,
  propsCount: 20,
  propKeyLength: 64,
  propValueLength: 256,
  tagsCount: 30,
  /** A day of engaged time is the most one page can honestly accumulate. */
  engagedMsMax: 86_400_000,
} as const

/** Agency, site and article identifiers: lower-case slug characters only (they end up in SQL filters and URLs). */
const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/
const ID_MESSAGE = 'lower-case letters, digits, dot, underscore or dash'
export const Id = z.string().min(1).max(LIMITS.idLength).regex(ID_PATTERN, ID_MESSAGE)

/** An {@link Id} or the empty string (a page that is not an article); one schema, not a union (see HttpUrlOrEmpty). */
export const IdOrEmpty = z
  .string()
  .max(LIMITS.idLength)
  .refine((s) => s === '' || ID_PATTERN.test(s), `${ID_MESSAGE}, or empty`)

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/

/**
 * Free text from readers' pages: any Unicode except control characters, normalised to NFC. The normalisation
 * is an `overwrite` (a check that rewrites the value in place), not a `transform`: the same output at about a
 * third of the cost of a transform's pipe, which every event's four text fields paid (contract validation ran at
 * ~9 µs per event, the largest step of the transform worker).
 */
export const Text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARACTERS.test(s), 'must not contain control characters')
    .overwrite((s) => s.normalize('NFC'))

const isHttpUrl = (u: string): boolean => /^https?:\/\//i.test(u) && URL.canParse(u)

export const HttpUrl = z.string().max(LIMITS.urlLength).refine(isHttpUrl, 'must be an absolute http(s) URL')

/**
 * An http(s) URL or the empty string (no referrer). One schema, not a union of two: a union tries the URL
 * first and builds an issue for every empty referrer before the empty literal matches.
 */
export const HttpUrlOrEmpty = z
  .string()
  .max(LIMITS.urlLength)
  .refine((u) => u === '' || isHttpUrl(u), 'must be an absolute http(s) URL or empty')

export const Props = z
  .record(z.string().min(1).max(LIMITS.propKeyLength), Text(LIMITS.propValueLength))
  .refine((p) => Object.keys(p).length <= LIMITS.propsCount, `at most ${LIMITS.propsCount} properties`)

/** Coarse facts the collector derived from the request; the raw IP and UA stay in the collector. */
export const ClientFacts = z.object({
  device: z.enum(['mobile', 'tablet', 'desktop', 'tv', 'other']),
  os: z.string().max(32),
  browser: z.string().max(32),
  /** Known bot/crawler by user agent, or a headless browser. */
  bot: z.boolean(),
  bot_kind: z.enum(['', 'crawler', 'headless', 'datacenter', 'automation']),
  country: z.string().max(2).describe('ISO 3166-1 alpha-2, empty when unknown'),
  province: z.string().max(64).describe('Vietnamese province name, empty outside Vietnam or when unknown'),
})
export type ClientFacts = z.infer<typeof ClientFacts>

/** One reader event as the collector accepted it: the value of a Kafka `events` message. */
export const EventMessage = z.object({
  v: z.literal(EVENT_SCHEMA_VERSION),
  event_id: z.uuid(),
  type: EventType,
  name: Text(LIMITS.nameLength).default(''),
  /** Epoch milliseconds, reader's clock (checked against a window at the collector). */
  ts: z.number().int().nonnegative(),
  /** Epoch milliseconds when the collector accepted it. */
  received_at: z.number().int().nonnegative(),
  agency_id: Id,
  site_id: Id,
  url: HttpUrl,
  referrer: HttpUrlOrEmpty.default(''),
  title: Text(LIMITS.titleLength).default(''),
  article_id: IdOrEmpty.default(''),
  section: Text(LIMITS.nameLength).default(''),
  author: Text(LIMITS.nameLength * 2).default(''),
  /** Article publication time, epoch ms, when the page says it. */
  published_at: z.number().int().nonnegative().nullable().default(null),
  /** Cookieless daily keyed hash, or a consented first-party id. */
  visitor_id: z.string().min(8).max(LIMITS.idLength),
  consented: z.boolean(),
  engaged_ms: z.number().int().min(0).max(LIMITS.engagedMsMax).default(0),
  scroll_pct: z.number().int().min(0).max(100).default(0),
  props: Props.default({}),
  client: ClientFacts,
})
export type EventMessage = z.infer<typeof EventMessage>
export type EventMessageInput = z.input<typeof EventMessage>

/** Kafka key: one reader's events on one site stay in one partition, so they stay ordered. */
export function eventKey(e: Pick<EventMessage, 'site_id' | 'visitor_id'>): string {
  return `${e.site_id}:${e.visitor_id}`
}
