// Drill: the (only) Kafka broker is SIGKILLed under traffic and restarted 20 s later. The collector keeps
// answering 202 by spooling to disk, drains the spool once the broker is back, and the transform worker
// resumes from its committed offsets: every acknowledged event is in ClickHouse exactly once.
//
//   npx tsx bench/chaos/broker-restart.ts
import { runDrill, sleep } from './lib.ts'

await runDrill('broker-restart', 'Kafka broker SIGKILL + restart', { brokers: 1 }, async (d) => {
  const load = d.startLoad(300)
  await d.phase('steady', 15_000)

  const pid = d.kafka.nodes[0]?.pid
  await d.kafka.kill(1, 'SIGKILL')
  d.note(`broker pid ${pid} SIGKILLed at ${load.stats.sent} events sent`)
  const acceptedAtKill = load.stats.accepted
  await d.phase('broker down', 20_000)
  const health = await d.collectorHealth()
  d.check(
    'collector keeps accepting while the broker is down',
    load.stats.accepted > acceptedAtKill && (health?.spool?.records ?? 0) > 0,
    `${load.stats.accepted - acceptedAtKill} events acknowledged during the outage, spool ${JSON.stringify(health?.spool)}`,
  )

  await d.kafka.restart(1)
  d.note(`broker restarted as pid ${d.kafka.nodes[0]?.pid}`)
  await d.phase('recovered', 20_000)
  await sleep(0)
})
