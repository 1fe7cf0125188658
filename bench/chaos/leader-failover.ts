// Drill: a 3-node KRaft cluster from the same Maven jars, topics with replication factor 3 and
// min.insync.replicas=2, under traffic.
//  1. The leader of an events partition (not the consumer group's coordinator) is SIGKILLed for 30 s: the
//     collector keeps producing (acks=-1 is satisfied by the two remaining in-sync replicas) and the worker
//     keeps consuming and committing while the node is down; then the node is restarted.
//  2. The group coordinator (leader of __consumer_offsets, also an events partition leader) is SIGKILLed: the
//     producers must continue; how long the worker stalls before committing again is measured and reported
//     (kafkajs keeps retrying the dead coordinator, then rejoins the group), then the node is restarted.
// Every acknowledged event is in ClickHouse exactly once.
//
//   npx tsx bench/chaos/leader-failover.ts
import { type Drill, runDrill, sleep } from './lib.ts'

interface Leaders {
  /** Events partition → leader node. */
  partitions: Array<{ partitionId: number; leader: number; replicas: number[]; isr: number[] }>
  coordinator: number | undefined
}

async function leaders(d: Drill): Promise<Leaders> {
  const meta = await d.admin.fetchTopicMetadata({ topics: ['chaos.events', '__consumer_offsets'] })
  const events = meta.topics.find((t) => t.name === 'chaos.events')?.partitions ?? []
  const offsets = meta.topics.find((t) => t.name === '__consumer_offsets')?.partitions ?? []
  return {
    partitions: events.map((p) => ({
      partitionId: p.partitionId,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
    })),
    coordinator: offsets.find((p) => p.partitionId === 0)?.leader,
  }
}

const describe = (l: Leaders) =>
  `${l.partitions.map((p) => `p${p.partitionId}: leader ${p.leader}, isr [${p.isr}]`).join('; ')}; coordinator ${l.coordinator}`

await runDrill(
  'leader-failover',
  '3-broker KRaft cluster, RF 3, min ISR 2: a partition leader, then the group coordinator, SIGKILLed',
  { brokers: 3 },
  async (d) => {
    const load = d.startLoad(300)
    await d.phase('steady', 15_000)

    const before = await leaders(d)
    d.check(
      'events topic replicated to 3 brokers',
      before.partitions.length > 0 &&
        before.partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3),
      describe(before),
    )
    const { resources } = await d.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: 'chaos.events', configNames: ['min.insync.replicas'] }],
    })
    const minIsr = resources[0]?.configEntries.find(
      (c) => c.configName === 'min.insync.replicas',
    )?.configValue
    d.check('min.insync.replicas = 2', minIsr === '2', `chaos.events min.insync.replicas=${minIsr}`)

    // 1. A partition leader that is not the coordinator.
    const victim =
      before.partitions.find((p) => p.leader !== before.coordinator)?.leader ??
      before.partitions[0]?.leader ??
      1
    const acceptedAtKill = load.stats.accepted
    const committedAtKill = await d.committed()
    await d.kafka.kill(victim, 'SIGKILL')
    d.note(
      `node ${victim} (partition leader, not the coordinator) SIGKILLed at ${load.stats.sent} events sent`,
    )
    await d.phase('leader down', 30_000)
    const during = await leaders(d)
    d.check(
      'leadership moved off the killed node',
      during.partitions.every((p) => p.leader !== victim && p.leader >= 0),
      describe(during),
    )
    const health = await d.collectorHealth()
    d.check(
      'producers continue: events acknowledged and delivered to Kafka while the leader is down',
      load.stats.accepted > acceptedAtKill + 3000 && (health?.spool?.records ?? -1) === 0,
      `${load.stats.accepted - acceptedAtKill} events acknowledged during the 30 s outage; spool now ${JSON.stringify(health?.spool)}`,
    )
    const committedNow = await d.committed()
    d.check(
      'consumers continue: offsets committed while the leader is down',
      committedNow > committedAtKill + 3000,
      `committed offsets ${committedAtKill} → ${committedNow}`,
    )
    await d.kafka.restart(victim)
    d.note(`node ${victim} restarted as pid ${d.kafka.nodes.find((n) => n.id === victim)?.pid}`)
    await d.phase('node back', 10_000)

    // 2. The group coordinator.
    const now = await leaders(d)
    const coordinator = now.coordinator ?? 1
    const acceptedAtKill2 = load.stats.accepted
    const committedAtKill2 = await d.committed()
    const killedAt = Date.now()
    await d.kafka.kill(coordinator, 'SIGKILL')
    d.note(`node ${coordinator} (group coordinator; ${describe(now)}) SIGKILLed`)
    let resumedS: number | undefined
    while (Date.now() - killedAt < 60_000) {
      await sleep(1000)
      if ((await d.committed().catch(() => committedAtKill2)) > committedAtKill2) {
        resumedS = (Date.now() - killedAt) / 1000
        break
      }
    }
    d.note(
      resumedS === undefined
        ? 'worker did not commit within 60 s of the coordinator kill (resumes once the node is back)'
        : `worker committed again ${resumedS.toFixed(0)} s after the coordinator kill, with the node still down`,
    )
    d.metric('coordinator_kill_commit_stall_s', resumedS ?? 60)
    const acceptedDuring = load.stats.accepted - acceptedAtKill2
    d.check(
      'producers continue while the coordinator is down',
      acceptedDuring > 3000,
      `${acceptedDuring} events acknowledged in ${((Date.now() - killedAt) / 1000).toFixed(0)} s`,
    )
    await d.kafka.restart(coordinator)
    d.note(`node ${coordinator} restarted as pid ${d.kafka.nodes.find((n) => n.id === coordinator)?.pid}`)
    await d.phase('node back', 10_000)
  },
)
