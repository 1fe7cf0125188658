// Drill: the spool fills up (NHIP_SPOOL_MAX_MB=1, Kafka down). The collector must answer 503 with
// Retry-After — never crash, never acknowledge what it could not store — and, once Kafka is back, drain the
// spool and accept the tracker's retries (same event ids). Every acknowledged event is in ClickHouse exactly once.
//
//   npx tsx bench/chaos/spool-full.ts
import { runDrill } from './lib.ts'

await runDrill(
  'spool-full',
  'spool full (1 MiB) while Kafka is down → 503, no crash',
  { brokers: 1, collectorEnv: { NHIP_SPOOL_MAX_MB: '1' } },
  async (d) => {
    const load = d.startLoad(300)
    await d.phase('steady', 10_000)

    await d.kafka.kill(1, 'SIGKILL')
    d.note(`broker SIGKILLed at ${load.stats.sent} events sent: the 1 MiB spool fills`)
    await d.phase('broker down', 25_000)
    const refused = load.count('503')
    const health = await d.collectorHealth()
    d.check(
      'collector answers 503 when the spool is full',
      refused > 0,
      `${refused} answers 503 (Retry-After honoured, capped at 5 s)`,
    )
    d.check(
      'collector still running and answering /healthz',
      d.collector?.running() === true && health !== undefined,
      `running ${d.collector?.running()}, healthz ${JSON.stringify(health)}`,
    )
    d.check(
      'no 500s',
      Object.keys(load.stats.statuses).every((s) => s === '202' || s === '503' || s === 'network'),
      JSON.stringify(load.stats.statuses),
    )

    await d.kafka.restart(1)
    d.note(`broker restarted as pid ${d.kafka.nodes[0]?.pid}`)
    await d.phase('recovered', 20_000)
    d.check('collector never crashed', d.collector?.running() === true, `collector pid ${d.collector?.pid}`)
  },
)
