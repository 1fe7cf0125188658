// The one CLI: parses argv, builds config once, runs one command, turns errors into one readable line.
import { Command } from 'commander'
import { clickHouseErrorType } from '../infra/clickhouse/client.ts'
import { AppError, errorMessage } from '../infra/errors.ts'
import { kafkaTopicsCommand } from './commands/kafka-topics.ts'
import { migrateCommand } from './commands/migrate.ts'
import { sitesAddCommand, sitesListCommand, sitesRotateKeyCommand } from './commands/sites.ts'
import { accessCommand } from './commands/access.ts'
import { privacyEraseCommand } from './commands/privacy.ts'
import { sqlCommand } from './commands/sql.ts'
import { startCommand } from './commands/start.ts'
import { serveCommand } from './commands/serve.ts'
import { simulateCommand, type SimulateFlagsInput } from './commands/simulate.ts'
import { jobsHistoryCommand, jobsListCommand, jobsRunCommand } from './commands/jobs.ts'
import { usersAddCommand } from './commands/users.ts'
import { recsEvalCommand, type RecsEvalFlags } from './commands/recs.ts'
import { forecastEvalCommand, type ForecastEvalFlags } from './commands/forecast.ts'
import { demoCommand } from './commands/demo.ts'
import { createContext } from './context.ts'

const program = new Command()
program
  .name('nhip')
  .description('Nhịp — self-hosted audience analytics with AI-assisted insights for news agencies')
  .option('--debug', 'print stack traces on errors')
  .showHelpAfterError()

program
  .command('start')
  .description('run the platform: ClickHouse (migrated), Kafka topics when KAFKA_BROKERS is set, the HTTP service')
  .action(async () => startCommand(createContext('nhip')))

program
  .command('demo')
  .description('the whole platform with a simulated press group: 14 days back-filled, jobs run, live traffic')
  .action(async () => demoCommand(createContext('nhip-demo')))

program
  .command('serve')
  .description('run only the collector (Kafka mode: events to Kafka; embedded: with the in-process pipeline)')
  .action(async () => serveCommand(createContext('nhip-collector')))

program
  .command('transform')
  .description('run only a transform worker of the consumer group (needs KAFKA_BROKERS)')
  .action(async () => startCommand(createContext('nhip-transform'), { role: 'transform' }))

program
  .command('migrate')
  .description('apply pending ClickHouse migrations (also done automatically at start)')
  .action(async () => migrateCommand(createContext('nhip-migrate')))

program
  .command('kafka:topics')
  .description('create or grow the Kafka topics (events, events-dlq, content) from config')
  .action(async () => kafkaTopicsCommand(createContext('nhip-kafka')))

program
  .command('sql')
  .description('run one SQL query against ClickHouse and print the result')
  .argument('<query>', 'the SQL to run')
  .option('-f, --format <format>', 'table, csv, tsv or json', 'table')
  .action(async (query: string, opts: { format: string }) => sqlCommand(createContext('nhip-sql'), query, opts))

program
  .command('simulate')
  .description('simulated audience of a province press group: back-fill days into the platform, or live traffic to a collector')
  .option('--seed <n>', 'random seed: the same seed gives the same simulation and ground truth', '7')
  .option('--days <n>', 'days to back-fill, ending on --end-day', '14')
  .option('--end-day <YYYY-MM-DD>', 'last back-filled day, Vietnam time (default: yesterday)')
  .option('--scale <x>', 'audience size; 1 is about 30-40k events a day', '1')
  .option('--truth <file>', 'ground-truth file (default: <NHIP_DATA_DIR>/simulator/ground-truth-seed<S>.json)')
  .option('--batch <n>', 'records per write (default 10000; 100000 with --direct; at most 2000 to Kafka)')
  .option('--direct', 'bulk back-fill: in-process pipeline and writer even with KAFKA_BROKERS, 100k-record writes')
  .option('--live', 'send tracker batches to a running collector (POST /e) instead of back-filling')
  .option('--rate <n>', 'live: events per second', '50')
  .option('--url <url>', 'live: collector URL (default: http://NHIP_HOST:NHIP_PORT)')
  .option('--duration <s>', 'live: stop after this many seconds (default: Ctrl-C)')
  .option('--forwarded-for', 'live: send X-Forwarded-For per visitor (the collector needs NHIP_TRUST_PROXY=1)')
  .action(async (opts: SimulateFlagsInput) => simulateCommand(createContext('nhip-simulate'), opts))

const sites = program.command('sites').description('register sites and manage their API keys')
sites
  .command('add')
  .description('register a site of an agency; prints its API key once')
  .requiredOption('--agency <id>', 'agency id, e.g. lamdong-news')
  .requiredOption('--site <id>', 'site id, e.g. baolamdong')
  .requiredOption('--domain <host...>', 'host names browser events may come from (subdomains included)')
  .option('--name <name>', 'display name')
  .option('--language <vi|en>', 'language of reports for this site', 'vi')
  .action(async (opts: { agency: string; site: string; domain: string[]; name?: string; language?: string }) =>
    sitesAddCommand(createContext('nhip-sites'), opts),
  )
sites
  .command('list')
  .description('list registered sites')
  .action(async () => sitesListCommand(createContext('nhip-sites')))
sites
  .command('rotate-key')
  .description('replace a site API key (the old one stops working)')
  .argument('<site>', 'site id')
  .action(async (site: string) => sitesRotateKeyCommand(createContext('nhip-sites'), site))

program
  .command('privacy')
  .description("readers' data rights")
  .command('erase')
  .description("delete every row carrying a reader's visitor id (events, sessions, recommendations) and audit it")
  .requiredOption('--visitor <id>', 'the visitor id (consented first-party id, or a cookieless daily id)')
  .option('--site <id>', 'only on this site')
  .action(async (opts: { visitor: string; site?: string }) => privacyEraseCommand(createContext('nhip-privacy'), opts))

const access = program.command('access').description('analyst access on a ClickHouse server: roles, grants, row policies')
access
  .command('agency')
  .description("role analyst_<agency> that sees only that agency's rows")
  .requiredOption('--agency <id>', 'agency id')
  .option('--print', 'print the SQL instead of applying it')
  .action(async (opts: { agency: string; print?: boolean }) => accessCommand(createContext('nhip-access'), opts))
access
  .command('platform')
  .description('role nhip_platform that sees every row (grant it to the service user first)')
  .option('--print', 'print the SQL instead of applying it')
  .action(async (opts: { print?: boolean }) => accessCommand(createContext('nhip-access'), { ...opts, platform: true }))

const jobs = program.command('jobs').description('scheduled jobs: reports, housekeeping, models (also run by nhip start)')
jobs
  .command('list')
  .description('list the jobs, their schedules (Vietnam time), next and last runs')
  .action(async () => jobsListCommand(createContext('nhip-jobs')))
jobs
  .command('run')
  .description('run a job now (recorded and leased like a scheduled run); non-zero exit when it fails')
  .argument('<name>', 'job name, e.g. daily-report')
  .option('--date <YYYY-MM-DD>', 'the Vietnam day the run is about (default: yesterday)')
  .option('--out <dir>', 'write report files into this directory instead of the data dir (not listed in the web app)')
  .option('--retries <n>', 'retries after a failure (5 s apart)', '0')
  .action(async (name: string, opts: { date?: string; out?: string; retries?: string }) => jobsRunCommand(createContext('nhip-jobs'), name, opts))
jobs
  .command('history')
  .description('recent runs with their status, key figures or error')
  .option('--job <name>', 'only this job')
  .option('--limit <n>', 'how many runs', '30')
  .action(async (opts: { job?: string; limit?: string }) => jobsHistoryCommand(createContext('nhip-jobs'), opts))

const users = program.command('users').description('web app accounts (one agency each)')
users
  .command('add')
  .description('add a user; the password is read from stdin (--password-stdin) or generated and printed once')
  .requiredOption('--username <name>', 'sign-in name')
  .requiredOption('--agency <id>', 'the agency whose reports the user sees')
  .option('--role <role>', 'admin, editor or analyst', 'editor')
  .option('--email <address>', 'receives report e-mails when SMTP is configured')
  .option('--password-stdin', 'read the password from standard input')
  .action(async (opts: { username: string; agency: string; role: string; email?: string; passwordStdin?: boolean }) =>
    usersAddCommand(createContext('nhip-users'), opts),
  )

const recs = program.command('recs').description('article recommendations: offline evaluation and the model registry')
recs
  .command('eval')
  .description('train the recommender and compare it with baselines on a time split of a reads CSV (user,item,timestamp)')
  .requiredOption('--interactions <file>', 'CSV with columns user,item,timestamp (ISO-8601 or Unix seconds)')
  .option('--items <file>', 'CSV with item,title[,tags,section,published] (content features; without it no cold start)')
  .option('--json', 'print one JSON object { split, methods, served }')
  .option('--test-days <n>', 'the last N days are the test period', '1')
  .option('--max-queries <n>', 'sample at most this many test reads', '20000')
  .option('--epochs <n>', 'training epochs', '2')
  .option('--tolerance <x>', 'the model serves only if its recall@10 is within this of the best baseline', '0.005')
  .option('--skip-bad-rows', 'leave out bad CSV rows (each is reported) instead of stopping')
  .option('--backend <name>', 'TF.js backend: tensorflow, wasm or cpu (default: best available)')
  .option('--registry <dir>', 'also publish the trained model as a new version there (promoted only if not worse)')
  .action(async (opts: RecsEvalFlags) => recsEvalCommand(createContext('nhip-recs'), opts))

const forecast = program.command('forecast').description('traffic forecasts: backtests of the model against baselines')
forecast
  .command('eval')
  .description('rolling-origin backtest of the forecast model and the baselines on a CSV of daily or hourly values')
  .requiredOption('--csv <file>', 'CSV with a header row')
  .requiredOption('--date-col <name>', 'column with ISO dates (YYYY-MM-DD) or date-times')
  .requiredOption('--value-col <name>', 'column with the numeric values')
  .option('--series-col <name>', 'column naming the series (default: the whole file is one series)')
  .requiredOption('--horizon <n>', 'steps ahead to forecast (days or hours)')
  .option('--freq <daily|hourly>', 'step of the series', 'daily')
  .option('--folds <k>', 'scored folds (the last k × horizon steps)', '3')
  .option('--holidays <vn|none>', 'Vietnamese public-holiday features', 'vn')
  .option('--align <clock|end>', 'fold origins at one instant (clock) or counted from each series end (end, for unrelated series)', 'clock')
  .option('--fill <interpolate|zero>', 'how gaps between observations are filled', 'interpolate')
  .option('--ensemble <n>', 'networks averaged in the model', '3')
  .option('--no-model', 'baselines only (no TF.js)')
  .option('--backend <name>', 'TF.js backend: tensorflow, wasm or cpu (default: NHIP_TF_BACKEND, else best available)')
  .option('--json', 'print one JSON object { folds, methods, served, … }')
  .action(async (opts: ForecastEvalFlags) => forecastEvalCommand(createContext('nhip-forecast'), opts))

try {
  await program.parseAsync(process.argv)
} catch (err) {
  const debug = program.opts<{ debug?: boolean }>().debug === true || process.argv.includes('--debug')
  const prefix =
    err instanceof AppError
      ? ''
      : clickHouseErrorType(err)
        ? `ClickHouse ${clickHouseErrorType(err)}: `
        : 'unexpected error: '
  process.stderr.write(`nhip: ${prefix}${errorMessage(err)}\n`)
  if (debug && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`)
  process.exitCode = 1
}
