import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createSessionizer,
  createSessionizeStep,
  createSessionStore,
  type SessionEvent,
  type SessionState,
  sessionId,
} from '../../../../transform/pipeline/steps/sessionize.ts'

const MIN = 60_000
const T0 = Date.UTC(2025, 2, 10, 1, 0, 0) // 08:00 in Vietnam
const sessionizer = createSessionizer()

const ev = (
  ts: number,
  type: SessionEvent['type'] = 'pageview',
  url = `https://baolamdong.vn/p${ts}`,
): SessionEvent => ({
  site_id: 'baolamdong',
  visitor_id: 'visitor-1',
  ts,
  type,
  url,
  referrer_class: 'search',
})

/** Runs events through the sessionizer in the given order, as the consumer does. */
function run(events: SessionEvent[], s = sessionizer) {
  let state: SessionState | undefined
  return events.map((e) => {
    const a = s.assign(e, state)
    state = a.newState
    return a
  })
}

describe('createSessionizer', () => {
  it('keeps events within 30 minutes of each other in one session and numbers the pages', () => {
    const out = run([ev(T0), ev(T0 + 10 * MIN, 'engagement'), ev(T0 + 20 * MIN), ev(T0 + 45 * MIN)])
    expect(new Set(out.map((a) => a.session_id)).size).toBe(1)
    expect(out.map((a) => a.session_page)).toEqual([1, 1, 2, 3])
    expect(
      out.every(
        (a) => a.landing_url === `https://baolamdong.vn/p${T0}` && a.entry_referrer_class === 'search',
      ),
    ).toBe(true)
  })

  it('starts a new session after more than 30 minutes of inactivity', () => {
    const out = run([ev(T0), ev(T0 + 30 * MIN), ev(T0 + 61 * MIN)])
    expect(out[0]?.session_id).toBe(out[1]?.session_id)
    expect(out[2]?.session_id).not.toBe(out[1]?.session_id)
    expect(out[2]?.session_page).toBe(1)
    expect(out[2]?.landing_url).toBe(`https://baolamdong.vn/p${T0 + 61 * MIN}`)
  })

  it('starts a new session at Vietnam midnight even within 30 minutes', () => {
    const beforeMidnight = Date.UTC(2025, 2, 10, 16, 55) // 23:55 in Vietnam
    const out = run([ev(beforeMidnight), ev(beforeMidnight + 10 * MIN)])
    expect(out[1]?.session_id).not.toBe(out[0]?.session_id)
  })

  it('does not split at UTC midnight, which is 07:00 in Vietnam', () => {
    const beforeUtcMidnight = Date.UTC(2025, 2, 10, 23, 55)
    const out = run([ev(beforeUtcMidnight), ev(beforeUtcMidnight + 10 * MIN)])
    expect(out[1]?.session_id).toBe(out[0]?.session_id)
  })

  it('gives non-pageview events the current page number (0 before any pageview)', () => {
    const out = run([
      ev(T0, 'engagement'),
      ev(T0 + MIN),
      ev(T0 + 2 * MIN, 'scroll'),
      ev(T0 + 3 * MIN, 'read_complete'),
    ])
    expect(out.map((a) => a.session_page)).toEqual([0, 1, 1, 1])
  })

  it('gives the same session ids when the same events are replayed', () => {
    const events = [ev(T0), ev(T0 + 5 * MIN), ev(T0 + 50 * MIN), ev(T0 + 55 * MIN, 'engagement')]
    const first = run(events).map((a) => a.session_id)
    const replay = run(events, createSessionizer()).map((a) => a.session_id)
    expect(replay).toEqual(first)
    expect(new Set(first).size).toBe(2)
  })

  it('separates visitors and sites in the session id', () => {
    const a = sessionizer.assign(ev(T0), undefined)
    const b = sessionizer.assign({ ...ev(T0), visitor_id: 'visitor-2' }, undefined)
    const c = sessionizer.assign({ ...ev(T0), site_id: 'baodanang' }, undefined)
    expect(new Set([a.session_id, b.session_id, c.session_id]).size).toBe(3)
  })

  describe('events arriving out of order', () => {
    it('puts an event a few seconds older than the last one into the current session', () => {
      const out = run([ev(T0), ev(T0 + 60_000), ev(T0 + 55_000, 'engagement')])
      expect(new Set(out.map((a) => a.session_id)).size).toBe(1)
    })

    it('puts an event a few seconds before the session start into that session', () => {
      const out = run([ev(T0), ev(T0 - 5_000, 'engagement')])
      expect(out[1]?.session_id).toBe(out[0]?.session_id)
    })

    it('puts a late event of the previous session back into it, without disturbing the current one', () => {
      const out = run([ev(T0), ev(T0 + 60 * MIN), ev(T0 + 2 * MIN, 'engagement'), ev(T0 + 61 * MIN)])
      expect(out[2]?.session_id).toBe(out[0]?.session_id)
      expect(out[3]?.session_id).toBe(out[1]?.session_id)
      expect(out[3]?.session_page).toBe(2)
    })

    it('gives a very late, unrelated event a session of its own and keeps the state', () => {
      const out = run([ev(T0), ev(T0 + 60 * MIN), ev(T0 + 120 * MIN), ev(T0 - 300 * MIN), ev(T0 + 121 * MIN)])
      expect(new Set(out.map((a) => a.session_id)).size).toBe(4)
      expect(out[4]?.session_id).toBe(out[2]?.session_id)
    })
  })

  it('honours a custom inactivity window and time zone', () => {
    const s = createSessionizer({ inactivityMs: 5 * MIN, timeZone: 'UTC' })
    const out = run([ev(T0), ev(T0 + 6 * MIN)], s)
    expect(out[1]?.session_id).not.toBe(out[0]?.session_id)
    const utcMidnight = Date.UTC(2025, 2, 10, 23, 58)
    const around = run([ev(utcMidnight), ev(utcMidnight + 3 * MIN)], s)
    expect(around[1]?.session_id).not.toBe(around[0]?.session_id)
  })

  it('keeps state as plain JSON', () => {
    const a = sessionizer.assign(ev(T0), undefined)
    expect(JSON.parse(JSON.stringify(a.newState))).toEqual(a.newState)
  })
})

describe('createSessionStore', () => {
  it('evicts the least recently used visitor when full', () => {
    const store = createSessionStore(2)
    const state = sessionizer.assign(ev(T0), undefined).newState
    store.set('s:a', state)
    store.set('s:b', state)
    store.get('s:a')
    store.set('s:c', state)
    expect(store.get('s:a')).toBeDefined()
    expect(store.get('s:b')).toBeUndefined()
    expect(store.size).toBe(2)
  })
})

describe('createSessionizeStep', () => {
  it('keeps one state per site and visitor', () => {
    const step = createSessionizeStep({ sessionizer, store: createSessionStore(10) })
    const a1 = step(ev(T0))
    const b1 = step({ ...ev(T0 + MIN), visitor_id: 'visitor-2' })
    const a2 = step(ev(T0 + 2 * MIN))
    if (a1.kind !== 'ok' || b1.kind !== 'ok' || a2.kind !== 'ok') throw new Error('sessionize never rejects')
    expect(a2.value.session_id).toBe(a1.value.session_id)
    expect(a2.value.session_page).toBe(2)
    expect(b1.value.session_id).not.toBe(a1.value.session_id)
  })
})

describe('sessionId', () => {
  it('is base64url(sha256(site ‖ visitor ‖ start)) cut to 22 characters: the same id across versions', () => {
    const expected = createHash('sha256')
      .update('a1\u0000v-123\u00001795478400000')
      .digest('base64url')
      .slice(0, 22)
    expect(sessionId('a1', 'v-123', 1_795_478_400_000)).toBe(expected)
    expect(sessionId('a1', 'v-123', 1_795_478_400_000)).toHaveLength(22)
    expect(sessionId('a1', 'v-123', 1_795_478_400_001)).not.toBe(expected)
  })
})
