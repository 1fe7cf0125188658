// Drill: the collector is SIGKILLed while its spool holds events (Kafka down, so accepted events wait on
// disk), and restarted while Kafka is still down: it must come back up, keep accepting into the spool, and
// drain everything in order once the broker returns. Every event acknowledged before the crash (and after)
// is in ClickHouse exactly once.
//
//   npx tsx bench/chaos/collector-crash.ts
import { runDrill } from './lib.ts'

await runDrill(
  'collector-crash',
  'collector SIGKILL with a non-empty spool, restarted while Kafka is down',
  { brokers: 1 },
  async (d) => {
    const load = d.startLoad(300)
    await d.phase('steady', 10_000)

    await d.kafka.kill(1, 'SIGKILL')
    d.note(`broker SIGKILLed at ${load.stats.sent} events sent: the collector spools`)
    await d.phase('broker down, spooling', 20_000)
    const before = await d.collectorHealth()
    const spooled = before?.spool?.records ?? 0
    d.check('spool is non-empty before the crash', spooled > 0, `spool ${JSON.stringify(before?.spool)}`)

    await d.collector?.kill()
    d.note(`collector SIGKILLed with ${spooled} records in its spool`)
    await d.phase('collector down', 5_000)

    // Kafka is still down: a restarted collector must serve (and spool) anyway.
    const restarted = await d.startCollector().then(
      () => true,
      (err: unknown) => {
        d.note(
          `collector restart with Kafka down failed: ${err instanceof Error ? err.message : String(err)}`,
        )
        return false
      },
    )
    d.check(
      'collector restarts while Kafka is still down',
      restarted,
      restarted ? 'serving' : 'did not start',
    )
    if (restarted) {
      const after = await d.collectorHealth()
      d.check(
        'restarted collector recovered the spool',
        (after?.spool?.records ?? 0) >= spooled,
        `spool after restart ${JSON.stringify(after?.spool)} (≥ ${spooled} before the crash)`,
      )
      const acceptedAtRestart = load.stats.accepted
      await d.phase('restarted, Kafka still down', 10_000)
      d.check(
        'restarted collector accepts into the spool',
        load.stats.accepted > acceptedAtRestart,
        `${load.stats.accepted - acceptedAtRestart} events acknowledged`,
      )
    }

    await d.kafka.restart(1)
    d.note(`broker restarted as pid ${d.kafka.nodes[0]?.pid}`)
    if (!restarted) await d.startCollector()
    await d.phase('recovered', 20_000)
  },
)
