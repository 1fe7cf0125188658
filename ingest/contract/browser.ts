// What the browser tracker sends to `POST /e`: short keys keep the tracker and the payload small.
import { z } from 'zod'
import { EventType, HttpUrl, HttpUrlOrEmpty, Id, IdOrEmpty, LIMITS, Props, Text } from './event.ts'

/** Most events one browser batch may carry. */
export const BROWSER_BATCH_MAX = 50

/** One tracker event (keys are short on purpose: they travel from every reader's phone). */
export const BrowserEvent = z.object({
  /** event_id, a UUID made by the tracker so retries dedupe */
  id: z.uuid(),
  /** type */
  t: EventType,
  /** custom / paywall / subscribe name, e.g. `paywall_shown` */
  n: Text(LIMITS.nameLength).optional(),
  /** epoch ms on the reader's clock */
  ts: z.number().int().nonnegative(),
  /** page URL */
  u: HttpUrl,
  /** referrer URL */
  r: HttpUrlOrEmpty.optional(),
  /** page title */
  ti: Text(LIMITS.titleLength).optional(),
  /** article id, section, author, published time (epoch ms) read from the page */
  a: IdOrEmpty.optional(),
  s: Text(LIMITS.nameLength).optional(),
  au: Text(LIMITS.nameLength * 2).optional(),
  pt: z.number().int().nonnegative().optional(),
  /** engaged milliseconds since the previous engagement event of this page */
  e: z.number().int().min(0).max(LIMITS.engagedMsMax).optional(),
  /** max scroll depth, percent */
  sc: z.number().int().min(0).max(100).optional(),
  /** custom properties */
  p: Props.optional(),
})
export type BrowserEvent = z.infer<typeof BrowserEvent>

export const BrowserBatch = z.object({
  /** site id the snippet was configured with */
  site: Id,
  /** consent given on this site: the tracker may then send its first-party id */
  c: z.boolean().optional(),
  /** consented first-party visitor id (random, localStorage), only with c = true */
  vid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/, '16-64 URL-safe characters')
    .optional(),
  events: z
    .array(BrowserEvent)
    .min(1)
    .max(BROWSER_BATCH_MAX, `at most ${BROWSER_BATCH_MAX} events per batch`),
})
export type BrowserBatch = z.infer<typeof BrowserBatch>
