// The back-fill driver in `messages` mode (`nhip simulate --direct`): the same records in the same batches as the
// bytes mode, with each event handed over as the contract object itself instead of its JSON.
import { describe, expect, it } from 'vitest'
import { backfill, type SimMessageRecord, type SimRecord } from '../../bench/simulator/backfill.ts'
import { Simulation } from '../../bench/simulator/simulate.ts'
import { EventMessage } from '../../ingest/contract/index.ts'

const options = () => ({
  simulation: new Simulation({ seed: 9, startDay: '2026-11-03', days: 1, scale: 0.15 }),
  topics: { events: 'ev', content: 'ct' },
  batchRecords: 1500,
})

describe('back-fill driver with messages', () => {
  it('delivers the same events, keys and batches as the bytes mode, as contract objects that validate to themselves', async () => {
    const bytes: SimRecord[][] = []
    const objects: SimMessageRecord[][] = []
    const a = await backfill({ ...options(), deliver: async (r) => void bytes.push(r) })
    const b = await backfill({ ...options(), messages: true, deliver: async (r) => void objects.push(r) })
    expect(b).toMatchObject({ events: a.events, articles: a.articles, batches: a.batches })
    expect(objects.map((batch) => batch.length)).toEqual(bytes.map((batch) => batch.length))
    const flatBytes = bytes.flat()
    const flatObjects = objects.flat()
    let events = 0
    flatObjects.forEach((r, i) => {
      const ref = flatBytes[i] as SimRecord
      expect([r.topic, r.key]).toEqual([ref.topic, ref.key])
      if (r.topic === 'ct') {
        // Articles keep their bytes: they take the content path as ever.
        expect(r.value?.equals(ref.value)).toBe(true)
        expect(r.message).toBeUndefined()
        return
      }
      events++
      expect(r.value).toBeNull()
      expect(JSON.stringify(r.message)).toBe(ref.value.toString('utf8'))
      // What the trusted entry skips would change nothing: validation gives the object back as it is.
      expect(EventMessage.parse(JSON.parse(ref.value.toString('utf8')))).toEqual(r.message)
    })
    expect(events).toBe(a.events)
    expect(events).toBeGreaterThan(1000)
  }, 120_000)
})
