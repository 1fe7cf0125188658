// kafkajs client factory: brokers, TLS and SASL from config, kafkajs logs routed into our structured logger.
import { readFileSync } from 'node:fs'
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs'
import type { Config } from '../config.ts'
import { KafkaUnavailableError, errorMessage } from '../errors.ts'
import type { Logger } from '../logger.ts'

export type KafkaSettings = NonNullable<Config['kafka']>

// kafkajs reports every failed connection attempt as ERROR even though it retries them; the failures
// that matter reach our code as exceptions and are logged there. So its ERROR becomes our warn.
function toPinoLevel(level: KafkaLogLevel): 'warn' | 'info' | 'debug' {
  switch (level) {
    case KafkaLogLevel.ERROR:
    case KafkaLogLevel.NOTHING:
    case KafkaLogLevel.WARN:
      return 'warn'
    case KafkaLogLevel.INFO:
      return 'info'
    default:
      return 'debug'
  }
}

/**
 * Creates a kafkajs client for the configured cluster.
 * @example const kafka = createKafka(config.kafka, log)
 */
export function createKafka(cfg: KafkaSettings, log: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  const klog = log.child({ component: 'kafkajs' })
  const sasl: SASLOptions | undefined = cfg.sasl
    ? ({ mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password: cfg.sasl.password } as SASLOptions)
    : undefined
  return new Kafka({
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    connectionTimeout: cfg.connectTimeoutMs,
    ssl: cfg.ssl ? (cfg.sslCaFile ? { ca: [readFileSync(cfg.sslCaFile, 'utf8')] } : true) : false,
    ...(sasl ? { sasl } : {}),
    // kafkajs INFO is chatty (every group join); WARN+ reaches our log, the rest at debug.
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry
        klog[toPinoLevel(level)](rest, String(message))
      },
    ...overrides,
  })
}

/**
 * Checks that the cluster answers within `timeoutMs`; throws {@link KafkaUnavailableError} with the brokers named.
 * @example await checkKafka(config.kafka, log, 10_000)
 */
export async function checkKafka(cfg: KafkaSettings, log: Logger, timeoutMs = 10_000): Promise<{ brokers: number }> {
  const kafka = createKafka(cfg, log, {
    retry: { retries: 2, initialRetryTime: 250, maxRetryTime: 2000 },
    logLevel: KafkaLogLevel.NOTHING,
  })
  const admin = kafka.admin()
  let timer: NodeJS.Timeout | undefined
  try {
    const answer = (async () => {
      await admin.connect()
      return admin.describeCluster()
    })()
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    const cluster = await Promise.race([answer, deadline])
    return { brokers: cluster.brokers.length }
  } catch (err) {
    throw new KafkaUnavailableError(`cannot reach Kafka at ${cfg.brokers.join(',')}: ${errorMessage(err)}`, err)
  } finally {
    clearTimeout(timer)
    await admin.disconnect().catch(() => undefined)
  }
}
