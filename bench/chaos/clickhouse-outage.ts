// Drill: ClickHouse unavailable for 30 s under traffic. Embedded mode (chDB in the worker process): the
// worker's writes fail through the NHIP_FAULT_CLICKHOUSE_DOWN_FILE fault hook while the file exists. The
// worker must hold its partitions without committing (lag grows, committed offsets stay put), keep its group
// membership (heartbeats), and catch up once ClickHouse is back. Server mode (connection refused) is not
// drilled: there is no ClickHouse server on this machine (Debian's 18.16 is not a target).
//
//   npx tsx bench/chaos/clickhouse-outage.ts
import fs from 'node:fs'
import path from 'node:path'
import { runDrill, sleep } from './lib.ts'

const downFile = (dir: string) => path.join(dir, 'clickhouse-down')

await runDrill(
  'clickhouse-outage',
  'ClickHouse unavailable for 30 s (embedded: writer fails via fault hook)',
  {
    workerEnv: {
      NHIP_FAULT_CLICKHOUSE_DOWN_FILE: path.join(
        process.env.NHIP_CHAOS_DIR ?? '/tmp/chaos-data',
        `clickhouse-outage-${process.pid}`,
        'clickhouse-down',
      ),
    },
  },
  async (d) => {
    d.note('server mode (connection refused) not drilled: no ClickHouse server exists on this machine')
    const load = d.startLoad(300)
    await d.phase('steady', 15_000)

    fs.writeFileSync(downFile(d.dir), 'down\n')
    d.note(`ClickHouse down (fault file ${downFile(d.dir)}) at ${load.stats.sent} events sent`)
    // A chunk written just before the switch may still be committing.
    await sleep(3000)
    const committedAtStart = await d.committed()
    const lagAtStart = await d.lag()
    await d.phase('ClickHouse down', 30_000)
    const committedAtEnd = await d.committed()
    const lagAtEnd = await d.lag()
    d.check(
      'worker commits nothing while ClickHouse is down',
      committedAtEnd === committedAtStart,
      `committed offsets ${committedAtStart} → ${committedAtEnd}`,
    )
    d.check(
      'lag grows while ClickHouse is down',
      lagAtEnd > lagAtStart + 3000,
      `lag ${lagAtStart} → ${lagAtEnd}`,
    )
    const { groups } = await d.admin.describeGroups(['nhip-transform-chaos'])
    d.check(
      'worker keeps its group membership (heartbeats while holding)',
      d.worker?.running() === true && groups[0]?.state === 'Stable' && (groups[0]?.members.length ?? 0) === 1,
      `worker running ${d.worker?.running()}, group ${groups[0]?.state} with ${groups[0]?.members.length} member(s)`,
    )
    const log = fs.readFileSync(d.worker?.logFile ?? '', 'utf8')
    const holds = log.split('\n').filter((l) => l.includes('holding the partition without committing')).length
    d.check(
      'worker logs the outage (warn, retrying)',
      holds > 0,
      `${holds} "holding the partition without committing" warnings`,
    )

    fs.rmSync(downFile(d.dir))
    d.note('ClickHouse back')
    const caughtUp = await d.waitFor('lag back under 1 000', async () => (await d.lag()) < 1000, 120_000)
    d.check('worker catches up after the outage', caughtUp, `lag ${await d.lag()}`)
    await d.phase('recovered', 10_000)
  },
)
