// Drill: a transform worker is killed mid-batch twice in a row — each time right after its ClickHouse write
// and before the offset commit (NHIP_FAULT_CRASH_AFTER_WRITES, the worst moment) — and then a third worker is
// SIGKILLed from outside while busy. The next worker replays the uncommitted chunks; the writer skips the ids
// already stored. Every acknowledged event is in ClickHouse exactly once and the rollups agree.
//
//   npx tsx bench/chaos/worker-crash.ts
import { runDrill } from './lib.ts'

async function workerMetric(port: number, outcome: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const m = new RegExp(
    `nhip_transform_rows_total\\{topic="chaos\\.events",outcome="${outcome}"\\} (\\d+)`,
  ).exec(text)
  return Number(m?.[1] ?? 0)
}

await runDrill(
  'worker-crash',
  'transform worker killed mid-batch twice in a row (+ one external SIGKILL)',
  { brokers: 1, firstWorkerEnv: { NHIP_FAULT_CRASH_AFTER_WRITES: '5' }, firstWorkerDetached: true },
  async (d) => {
    const load = d.startLoad(300)
    const first = d.worker
    const end1 = await first?.exited
    d.check(
      'worker #1 killed itself after a write, before its commit',
      end1?.signal === 'SIGKILL',
      `exit ${JSON.stringify(end1)}; lag ${await d.lag()}`,
    )

    const second = await d.startWorker({ NHIP_FAULT_CRASH_AFTER_WRITES: '3' }, false)
    const end2 = await second.exited
    d.check(
      'worker #2 killed itself too (twice in a row)',
      end2.signal === 'SIGKILL',
      `exit ${JSON.stringify(end2)}; lag ${await d.lag()}`,
    )

    const third = await d.startWorker()
    await d.phase('worker #3 catching up', 15_000)
    const replayed = await workerMetric(d.workerPort, 'duplicate')
    d.check(
      'the replayed chunks were recognised as already stored',
      replayed > 0,
      `worker #3 skipped ${replayed} already-stored events`,
    )
    await third.kill()
    d.note(`worker #3 SIGKILLed from outside at ${load.stats.sent} events sent`)

    await d.startWorker()
    await d.phase('worker #4', 15_000)
  },
)
