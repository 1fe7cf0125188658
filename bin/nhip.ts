// The one CLI: parses argv, builds config once, runs one command, turns errors into one readable line.
import { Command } from 'commander'
import { clickHouseErrorType } from '../infra/clickhouse/client.ts'
import { AppError, errorMessage } from '../infra/errors.ts'
import { kafkaTopicsCommand } from './commands/kafka-topics.ts'
import { migrateCommand } from './commands/migrate.ts'
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
