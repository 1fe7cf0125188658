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
  .command('serve')
  .description('run only the collector (Kafka mode: events to Kafka; embedded: with the in-process pipeline)')
  .action(async () => startCommand(createContext('nhip-collector'), { role: 'collector' }))

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
