// The pipeline's trusted entry (`fromMessage`, used by `nhip simulate --direct`) against its ordinary entry
// (Kafka bytes → parse → validate → …): over a simulated day, and over hand-made events whose referrers, UTM tags,
// bot verdicts and session boundaries the memoised referrer facts and the fused steps must get right.
import { describe, expect, it } from 'vitest'
import { SITES } from '../../../bench/simulator/catalog.ts'
import { Simulation } from '../../../bench/simulator/simulate.ts'
import { EventMessage } from '../../../ingest/contract/index.ts'
import {
  type BotFlagged,
  createBotFilterStep,
  createEventPipeline,
  createReferrerStep,
  createSessionizer,
  createSessionizeStep,
  createSessionStore,
  type EnrichedEvent,
  type ReferrerFacts,
  type StepResult,
  toEventRow,
} from '../../../transform/pipeline/index.ts'
import { anEvent, MORNING } from '../builders.ts'

const hosts = new Map(SITES.map((s) => [s.site_id, [s.domain]]))
const siteHosts = (id: string) => hosts.get(id) ?? ['baolamdong.vn']
/** A page served from a host no site lists (an AMP cache), so only the site's hosts can make it internal. */
const AMP_PAGE = 'https://amp.example.vn/da-lat'
const newPipeline = () => createEventPipeline({ siteHosts, sessionizer: createSessionizer() })

function okRow(r: StepResult<EnrichedEvent>): EnrichedEvent {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${r.kind}: ${r.reason}`)
  return r.value
}

/** The pipeline as it was composed step by step (parse/validate aside): every step copying the event. */
function stepByStep() {
  const flag = createBotFilterStep()
  const referrer = createReferrerStep<BotFlagged<EventMessage>>({ siteHosts })
  const sessionize = createSessionizeStep<BotFlagged<EventMessage> & ReferrerFacts>({
    sessionizer: createSessionizer(),
    store: createSessionStore(200_000),
  })
  return (e: EventMessage): EnrichedEvent => {
    const f = flag(e)
    if (f.kind !== 'ok') throw new Error(f.reason)
    const r = referrer(f.value)
    if (r.kind !== 'ok') throw new Error(r.reason)
    const s = sessionize(r.value)
    if (s.kind !== 'ok') throw new Error(s.reason)
    return toEventRow(s.value)
  }
}

describe('event pipeline: the trusted entry equals the bytes entry', () => {
  it('gives the same row, column for column, for every event of a simulated day', () => {
    const sim = new Simulation({ seed: 13, startDay: '2026-11-21', days: 1, scale: 0.4 })
    const viaBytes = newPipeline()
    const viaMessage = newPipeline()
    const reference = stepByStep()
    let n = 0
    let sessions = 0
    for (const hour of sim.hours()) {
      for (const e of hour.events) {
        const a = okRow(viaBytes(Buffer.from(JSON.stringify(e))))
        const b = okRow(viaMessage.fromMessage(e))
        expect(b).toEqual(a)
        expect(Object.keys(b)).toEqual(Object.keys(a))
        expect(reference(EventMessage.parse(e))).toEqual(a)
        if (a.session_page === 1 && e.type === 'pageview') sessions++
        n++
      }
    }
    expect(n).toBeGreaterThan(5000)
    expect(sessions).toBeGreaterThan(200)
  }, 120_000)

  it('agrees on referrers, UTM tags, internal hosts, bots and session breaks, and both entries share sessions', () => {
    const events = [
      anEvent({ ts: MORNING, referrer: 'https://l.facebook.com/l.php?u=x' }),
      anEvent({ ts: MORNING + 1000, type: 'engagement', engaged_ms: 15_000 }),
      anEvent({ ts: MORNING + 2000, url: 'https://baolamdong.vn/a?utm_source=zalo&utm_medium=oa' }),
      anEvent({ ts: MORNING + 3000, url: AMP_PAGE, referrer: 'https://www.baolamdong.vn/trang-chu' }),
      anEvent({ ts: MORNING + 4000, referrer: 'https://www.google.com.vn/' }),
      anEvent({ ts: MORNING + 5000, url: 'https://baolamdong.vn/b?zarsrc=30' }),
      anEvent({ ts: MORNING + 6000, type: 'engagement', engaged_ms: 7_200_000 }),
      // The same page URL and referrer on another site: that site's own hosts decide what is internal.
      anEvent({
        ts: MORNING + 7000,
        site_id: 'langbiang',
        url: AMP_PAGE,
        referrer: 'https://www.baolamdong.vn/trang-chu',
      }),
      anEvent({ ts: MORNING + 40 * 60_000 }),
      anEvent({ ts: MORNING + 41 * 60_000, url: 'not a url' }),
    ]
    const a = newPipeline()
    const b = newPipeline()
    events.forEach((e, i) => {
      const bytes = Buffer.from(JSON.stringify(e))
      const parsed = EventMessage.safeParse(e)
      if (!parsed.success) {
        // Not contract-valid: the bytes entry dead-letters it; the trusted entry is never handed such events.
        expect(a(bytes).kind).toBe('dlq')
        expect(b(bytes).kind).toBe('dlq')
        return
      }
      // Alternate the entries of `b`: the session state is one, whichever entry an event comes in by.
      const rowA = okRow(a(bytes))
      const rowB = okRow(i % 2 ? b.fromMessage(parsed.data) : b(bytes))
      expect(rowB).toEqual(rowA)
    })
    const rows = events
      .map((e) => EventMessage.safeParse(e))
      .filter((p) => p.success)
      .map((p) => okRow(newPipeline().fromMessage(p.data)))
    expect(rows.map((r) => r.referrer_class)).toEqual([
      'social',
      'direct',
      'campaign',
      'internal',
      'search',
      'messaging',
      'direct',
      'other',
      'direct',
    ])
    expect(rows[6]?.bot_kind).toBe('automation')
  })
})
