// The back-fill driver with two deliveries in flight (`nhip simulate --direct`): the next batch is handed over
// while the previous write is still pending, never more than two at once, every record exactly once, and a
// failed delivery still stops the back-fill.
import { describe, expect, it } from 'vitest'
import { backfill, type SimRecord } from '../../bench/simulator/backfill.ts'
import { Simulation } from '../../bench/simulator/simulate.ts'

/** A delivery that settles only when the test releases it. */
function gatedDeliveries() {
  const calls: Array<{ records: SimRecord[]; release: (err?: Error) => void }> = []
  let pending = 0
  let maxPending = 0
  const deliver = (records: SimRecord[]) =>
    new Promise<void>((resolve, reject) => {
      pending++
      maxPending = Math.max(maxPending, pending)
      calls.push({
        records,
        release: (err) => {
          pending--
          if (err) reject(err)
          else resolve()
        },
      })
    })
  return { calls, deliver, maxPending: () => maxPending }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('back-fill driver with inFlight 2', () => {
  it('hands over the next batch before the previous one settles, keeps at most two pending, delivers everything once', async () => {
    const sim = new Simulation({ seed: 5, startDay: '2026-11-01', days: 1, scale: 0.1 })
    const gate = gatedDeliveries()
    const run = backfill({
      simulation: sim,
      deliver: gate.deliver,
      topics: { events: 'ev', content: 'ct' },
      batchRecords: 500,
      inFlight: 2,
    })
    let done = false
    void run.then(() => {
      done = true
    })
    // Release the oldest pending delivery once the driver has handed over the next one (two pending), or when
    // nothing new comes for a while (the driver is waiting on it: the last batch, or a day's flush). The driver
    // yields to the event loop between simulated hours, so building a batch takes many turns.
    let released = 0
    let idleTicks = 0
    while (!done) {
      await tick()
      const pendingNow = gate.calls.length - released
      idleTicks = pendingNow === 1 ? idleTicks + 1 : 0
      if (pendingNow >= 2 || idleTicks > 20) {
        gate.calls[released++]?.release()
        idleTicks = 0
      }
    }
    const result = await run
    expect(gate.maxPending()).toBe(2)
    expect(result.batches).toBe(gate.calls.length)
    const events = gate.calls.flatMap((c) => c.records).filter((r) => r.topic === 'ev')
    expect(events.length).toBe(sim.groundTruth().totals.events)
    expect(new Set(events.map((r) => r.value.toString('utf8'))).size).toBe(events.length)
  }, 60_000)

  it('rejects with the error of a failed delivery even when the next one is already pending', async () => {
    const sim = new Simulation({ seed: 5, startDay: '2026-11-01', days: 1, scale: 0.1 })
    let calls = 0
    await expect(
      backfill({
        simulation: sim,
        deliver: async () => {
          calls++
          if (calls === 2) throw new Error('ClickHouse went away')
          await tick()
        },
        topics: { events: 'ev', content: 'ct' },
        batchRecords: 500,
        inFlight: 2,
      }),
    ).rejects.toThrow('ClickHouse went away')
    expect(calls).toBeLessThanOrEqual(3)
  }, 60_000)
})
