// `npm run demo`: the whole platform on embedded defaults with a simulated province's press group —
// 14 days back-filled, the nightly jobs run once, live traffic streaming, and what to open printed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { AGENCIES, runLive } from '../../bench/simulator/index.ts'
import { createUser, findUser } from '../../web/users.ts'
import { type Context, openMigrated } from '../context.ts'
import { jobsRunCommand } from './jobs.ts'
import { simulateCommand } from './simulate.ts'
import { startCommand } from './start.ts'

const SEED = 7
const DAYS = 14

function vietnamYesterday(): string {
  return new Date(Date.now() + 7 * 3_600_000 - 86_400_000).toISOString().slice(0, 10)
}

/** Demo passwords are printed on purpose: this is a local demo, never a production set-up. */
function demoPassword(agency: string): string {
  return `demo-${agency}-2026`
}

export async function demoCommand(ctx: Context): Promise<void> {
  const { config } = ctx
  if (config.kafka) process.stderr.write('demo: KAFKA_BROKERS is set — the demo uses it (events go through Kafka).\n')
  const yesterday = vietnamYesterday()
  const marker = path.join(config.dataDir, 'demo.json')
  const done = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { endDay?: string }) : {}

  // 1. History: 14 days ending yesterday (skipped when this data dir already has them).
  if (done.endDay !== yesterday) {
    process.stderr.write(`demo: back-filling ${DAYS} days of simulated traffic ending ${yesterday}…\n`)
    await simulateCommand(ctx, { seed: String(SEED), days: String(DAYS), scale: '1', batch: '20000', live: false, rate: '1' })
  } else process.stderr.write(`demo: ${DAYS} days already back-filled in ${config.dataDir}\n`)

  // 2. Demo accounts, one editor per agency.
  const ch = await openMigrated(ctx, 'nhip demo')
  const accounts: Array<{ username: string; password: string; agency: string }> = []
  try {
    for (const a of AGENCIES) {
      const username = `editor-${a.agency_id}`
      const password = demoPassword(a.agency_id)
      if (!(await findUser(ch, username))) await createUser(ch, { username, agency_id: a.agency_id, role: 'editor', password })
      accounts.push({ username, password, agency: a.agency_id })
    }
  } finally {
    await ch.close()
  }

  // 3. The nightly jobs once, now (reports for yesterday; models as they are registered).
  if (done.endDay !== yesterday) {
    process.stderr.write('demo: running the nightly jobs once…\n')
    await jobsRunCommand(ctx, 'daily-report', { date: yesterday })
    writeFileSync(marker, JSON.stringify({ endDay: yesterday, seed: SEED, days: DAYS }))
  }

  // 4. The service, with live traffic from the simulator once it listens.
  const live = new AbortController()
  await startCommand(ctx, {
    role: 'all',
    quiet: true,
    onListening: (address) => {
      const first = accounts[0]
      process.stdout.write(
        [
          '',
          `Nhịp demo is running at ${address}`,
          '',
          `  Reports (web app):  ${address}/app/`,
          ...accounts.map((a) => `      sign in as ${a.username} / ${a.password}   (agency ${a.agency})`),
          `  Collector:          ${address}/e   (tracker at ${address}${config.collector.trackerPath}); live traffic is streaming to it`,
          `  Health / metrics:   ${address}/healthz   ${address}/metrics`,
          '  SQL while it runs:  npx nhip sql "SELECT site_id, count() AS views FROM nhip.events WHERE type = \'pageview\' GROUP BY site_id"',
          `                      npx nhip sql "SELECT * FROM nhip.v_article_daily WHERE day = '${yesterday}' ORDER BY pageviews DESC LIMIT 10"`,
          `  Reports on disk:    ${path.join(config.dataDir, 'reports')}`,
          first ? `  Sample report:      ${address}/app/  → ${first.agency}, daily ${yesterday}` : '',
          '',
          '  Stop with Ctrl-C.',
          '',
        ].join('\n'),
      )
      void runLive({ url: address, rate: 20, seed: SEED + 1, signal: live.signal }).catch((err: unknown) =>
        ctx.log.warn({ err }, 'demo live traffic stopped'),
      )
    },
  })
  live.abort()
}
