// `npm run demo`: the whole platform on embedded defaults with a simulated province's press group —
// 14 days back-filled, the nightly jobs run once, live traffic streaming, and what to open printed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { AGENCIES, runLive } from '../../bench/simulator/index.ts'
import { readServiceFile } from '../../infra/admin-sql.ts'
import { AppError, errorMessage } from '../../infra/errors.ts'
import { runJobThroughService } from '../../jobs/admin-route.ts'
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

/** Model jobs in the order their outputs feed each other, then the report that shows them. */
const NIGHTLY = ['forecast-train', 'forecast', 'recommendations', 'daily-report'] as const

async function runNightlyJobs(ctx: Context, day: string): Promise<void> {
  const service = readServiceFile(ctx.config.dataDir)
  if (!service) throw new AppError('DEMO', 'the service did not publish its admin address')
  for (const [i, job] of NIGHTLY.entries()) {
    const step = `demo: nightly job ${i + 1}/${NIGHTLY.length} ${job}`
    process.stderr.write(`${step}…\n`)
    const started = Date.now()
    const outcome = await runJobThroughService(service, { job, day, attempts: 1 }, (message) =>
      process.stderr.write(`${step}: ${message}\n`),
    )
    if (outcome.status === 'failed') throw new AppError('JOB_FAILED', `${job}: ${outcome.error}`)
    process.stderr.write(`${step} ${outcome.status} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
  }
  process.stderr.write(
    'demo: nightly jobs done — reload the report to see forecasts and recommendation click-through\n',
  )
}

export async function demoCommand(ctx: Context): Promise<void> {
  const { config } = ctx
  if (config.kafka)
    process.stderr.write('demo: KAFKA_BROKERS is set — the demo uses it (events go through Kafka).\n')
  const yesterday = vietnamYesterday()
  const marker = path.join(config.dataDir, 'demo.json')
  const done = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { endDay?: string }) : {}

  // 1. History: 14 days ending yesterday (skipped when this data dir already has them).
  if (done.endDay !== yesterday) {
    process.stderr.write(`demo: back-filling ${DAYS} days of simulated traffic ending ${yesterday}…\n`)
    // Embedded: the bulk back-fill (contract objects straight into the pipeline and writer, the same rows as
    // the bytes path). With Kafka configured the events go through Kafka, as the platform's would.
    await simulateCommand(ctx, {
      seed: String(SEED),
      days: String(DAYS),
      scale: '1',
      ...(config.kafka ? { batch: '20000' } : { direct: true }),
      live: false,
      rate: '1',
    })
  } else process.stderr.write(`demo: ${DAYS} days already back-filled in ${config.dataDir}\n`)

  // 2. Demo accounts, one editor per agency; yesterday's most read article for the sample curl.
  const ch = await openMigrated(ctx, 'nhip demo')
  const accounts: Array<{ username: string; password: string; agency: string }> = []
  let sample: { site_id: string; article_id: string } | undefined
  try {
    for (const a of AGENCIES) {
      const username = `editor-${a.agency_id}`
      const password = demoPassword(a.agency_id)
      if (!(await findUser(ch, username)))
        await createUser(ch, { username, agency_id: a.agency_id, role: 'editor', password })
      accounts.push({ username, password, agency: a.agency_id })
    }
    const rs = await ch.client.query({
      query: `SELECT site_id, article_id FROM ${ch.database}.events
              WHERE day = {day:Date} AND type = 'pageview' AND article_id != '' AND is_bot = 0
              GROUP BY site_id, article_id ORDER BY count() DESC LIMIT 1`,
      query_params: { day: yesterday },
      format: 'JSONEachRow',
    })
    sample = (await rs.json<{ site_id: string; article_id: string }>())[0]
  } finally {
    await ch.close()
  }

  // 3. Yesterday's report now, so the report URL works the moment the service is up.
  const fresh = done.endDay !== yesterday
  if (fresh) {
    process.stderr.write("demo: writing yesterday's reports…\n")
    await jobsRunCommand(ctx, 'daily-report', { date: yesterday })
  }

  // 4. The service, with live traffic from the simulator once it listens.
  const live = new AbortController()
  await startCommand(ctx, {
    role: 'all',
    quiet: true,
    onListening: (address) => {
      const first = accounts[0]
      const recsUrl = sample
        ? `${address}/v1/recommendations?site=${sample.site_id}&article=${encodeURIComponent(sample.article_id)}&k=5`
        : `${address}/v1/recommendations?site=SITE&article=ARTICLE&k=5`
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
          `  Recommendations:    curl '${recsUrl}'`,
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
      // 5. The nightly model jobs once, inside the running service (it holds the embedded engine), then the
      //    report again so it shows forecasts and recommendation click-through. The URLs above work meanwhile.
      if (fresh)
        void runNightlyJobs(ctx, yesterday)
          .then(() => writeFileSync(marker, JSON.stringify({ endDay: yesterday, seed: SEED, days: DAYS })))
          .catch((err: unknown) => {
            process.stderr.write(
              `demo: a nightly job failed: ${errorMessage(err)} (see: npx nhip jobs history)\n`,
            )
          })
    },
  })
  live.abort()
}
