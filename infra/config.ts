// Environment → typed configuration, parsed once at the composition root (bin/). Nothing else reads process.env.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import { z } from 'zod'
import { ConfigError } from './errors.ts'

const brokerList = z
  .string()
  .trim()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'each broker must be host:port'))
      .min(1, 'at least one host:port'),
  )

const port = z.coerce.number().int().min(0).max(65535)
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes')
const positiveInt = z.coerce.number().int().positive()

/** Every variable Nhịp reads, with defaults for the embedded single-machine set-up. */
export const EnvSchema = z.object({
  NHIP_DATA_DIR: z.string().min(1).default('.nhip/data'),
  NHIP_HOST: z.string().min(1).default('127.0.0.1'),
  NHIP_PORT: port.default(8787),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  NHIP_TRACKER_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9/_.-]+\.js$/, 'a path ending in .js, e.g. /s/p.js')
    .default('/s/p.js'),
  NHIP_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  NHIP_TRUST_PROXY: bool.default(false),
  /** HTTPS for the service itself (PEM files); both or neither. Behind a TLS-terminating proxy, leave unset. */
  NHIP_TLS_CERT_FILE: z.string().min(1).optional(),
  NHIP_TLS_KEY_FILE: z.string().min(1).optional(),
  NHIP_SPOOL_MAX_MB: positiveInt.default(1024),
  NHIP_TRANSFORM_GROUP: z.string().min(1).default('nhip-transform'),
  NHIP_BATCH_ROWS: positiveInt.default(20_000),
  NHIP_FLUSH_MS: positiveInt.default(500),
  /** Testing only: a transform worker SIGKILLs itself after this many writes, before committing. */
  NHIP_FAULT_CRASH_AFTER_WRITES: positiveInt.optional(),
  /** Testing only: while this file exists, a transform worker's ClickHouse writes fail (a simulated outage). */
  NHIP_FAULT_CLICKHOUSE_DOWN_FILE: z.string().min(1).optional(),
  NHIP_IP_RATE_PER_S: positiveInt.default(20),
  NHIP_SITE_RATE_PER_S: positiveInt.default(5000),

  /** Days to keep raw events and sessions (per-reader data); 0 keeps them forever. */
  NHIP_RETENTION_EVENTS_DAYS: z.coerce.number().int().min(0).max(36_500).default(400),
  /** Days to keep hourly rollups (counts only); 0 keeps them forever. */
  NHIP_RETENTION_ROLLUP_DAYS: z.coerce.number().int().min(0).max(36_500).default(1825),

  /** Report e-mails: all three or none. */
  NHIP_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
    .optional(),
  NHIP_SMTP_FROM: z.string().min(3).optional(),
  NHIP_PUBLIC_URL: z
    .string()
    .refine((u) => /^https?:\/\//.test(u) && URL.canParse(u), 'an http(s) URL')
    .optional(),
  NHIP_SMTP_INSECURE_TLS: bool.default(false),

  KAFKA_BROKERS: brokerList.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('nhip'),
  KAFKA_SSL: bool.default(false),
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_CONNECT_TIMEOUT_MS: positiveInt.default(5000),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ -')
    .default(''),
  KAFKA_EVENTS_PARTITIONS: positiveInt.default(6),
  KAFKA_CONTENT_PARTITIONS: positiveInt.default(1),
  KAFKA_REPLICATION_FACTOR: positiveInt.default(1),
  KAFKA_EVENTS_RETENTION_HOURS: positiveInt.default(168),
  KAFKA_DLQ_RETENTION_HOURS: positiveInt.default(720),

  CLICKHOUSE_URL: z
    .string()
    .refine(
      (u) => /^https?:\/\//.test(u) && URL.canParse(u),
      'expected an http:// or https:// URL such as http://127.0.0.1:8123',
    )
    .optional(),
  CLICKHOUSE_USER: z.string().min(1).default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier (letters, digits, underscore)')
    .default('nhip'),
  CLICKHOUSE_CA_FILE: z.string().min(1).optional(),
  CLICKHOUSE_CONNECT_TIMEOUT_MS: positiveInt.default(5000),
  /** A ClickHouse cluster name (remote_servers): migrations run ON CLUSTER with Replicated/Distributed tables. */
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a cluster name from remote_servers (letters, digits, underscore)')
    .optional(),
})

export type Env = z.infer<typeof EnvSchema>

/** The typed configuration every module receives a slice of. */
export interface Config {
  dataDir: string
  http: {
    host: string
    port: number
    trustProxy: boolean
    metricsToken?: string
    /** PEM files checked at load time (exist, parse, key matches certificate); read again at start. */
    tls?: { certFile: string; keyFile: string }
  }
  logLevel: Env['LOG_LEVEL']
  collector: { trackerPath: string; spoolMaxBytes: number; ipRatePerSec: number; siteRatePerSec: number }
  transform: {
    groupId: string
    batchRows: number
    flushMs: number
    crashAfterWrites?: number
    faultClickHouseDownFile?: string
  }
  retention: { eventsDays: number | null; rollupDays: number | null }
  email?: { smtpUrl: string; from: string; baseUrl: string; insecureTls: boolean }
  kafka:
    | {
        brokers: string[]
        clientId: string
        ssl: boolean
        sslCaFile?: string
        sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
        connectTimeoutMs: number
        topics: KafkaTopicsConfig
      }
    | undefined
  clickhouse: ClickHouseConfig
}

export interface KafkaTopicsConfig {
  events: string
  eventsDlq: string
  content: string
  eventsPartitions: number
  contentPartitions: number
  replicationFactor: number
  eventsRetentionMs: number
  dlqRetentionMs: number
}

export type ClickHouseConfig =
  | { kind: 'embedded'; path: string; database: string }
  | {
      kind: 'server'
      url: string
      username: string
      password: string
      database: string
      caFile?: string
      connectTimeoutMs: number
      /** Migrations run ON CLUSTER with Replicated and Distributed engines (see infra/clickhouse/cluster-sql.ts). */
      cluster?: string
    }

/** Variables whose value is a secret: an error names them but never shows the value. */
const SECRET_VARS = new Set(['NHIP_METRICS_TOKEN', 'KAFKA_SASL_PASSWORD', 'CLICKHOUSE_PASSWORD'])

/** What an error message may show of a variable's value: secrets hidden, URL passwords masked. */
function shownValue(name: string, raw: string): string {
  if (SECRET_VARS.has(name)) return `(hidden, ${raw.length} characters)`
  // smtp://user:password@host, https://user:password@clickhouse — keep the user, mask the password.
  const masked = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^@\s]*@/i, '$1:***@')
  return JSON.stringify(masked.length > 60 ? `${masked.slice(0, 60)}…` : masked)
}

/** Formats zod issues as `VARIABLE: expected …, got "…"` lines. */
function describeIssues(error: z.ZodError, env: Record<string, string | undefined>): string {
  const seen = new Set<string>()
  return error.issues
    .filter((issue) => {
      // One message per variable: the first problem is the one to fix.
      const name = String(issue.path[0] ?? '')
      if (seen.has(name)) return false
      seen.add(name)
      return true
    })
    .map((issue) => {
      const name = String(issue.path[0] ?? '(config)')
      const raw = env[name]
      const got = raw === undefined ? 'unset' : `got ${shownValue(name, raw)}`
      return `${name}: ${issue.message} (${got})`
    })
    .join('; ')
}

/**
 * Reads `.env` (if present in `cwd`) under the real environment: real variables win.
 * @example const env = readEnv(process.env, process.cwd())
 */
export function readEnv(
  processEnv: Record<string, string | undefined>,
  cwd: string,
): Record<string, string | undefined> {
  const file = path.join(cwd, '.env')
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {}
  // Empty strings count as unset, so `KAFKA_BROKERS= nhip start` means embedded mode.
  const merged: Record<string, string | undefined> = { ...fromFile, ...processEnv }
  for (const [k, v] of Object.entries(merged)) if (v === '') merged[k] = undefined
  return merged
}

/**
 * Checks the HTTPS files: both set, readable, a PEM certificate and a PEM private key that belong together.
 * Throws {@link ConfigError} naming the variable at fault.
 */
function checkTls(
  certVar: string | undefined,
  keyVar: string | undefined,
  cwd: string,
): { certFile: string; keyFile: string } | undefined {
  if (!certVar && !keyVar) return undefined
  if (!certVar || !keyVar) {
    throw new ConfigError(
      `invalid configuration: ${certVar ? 'NHIP_TLS_KEY_FILE' : 'NHIP_TLS_CERT_FILE'} is unset: NHIP_TLS_CERT_FILE and NHIP_TLS_KEY_FILE must be set together`,
    )
  }
  const read = (name: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new ConfigError(
        `invalid configuration: ${name}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`,
      )
    }
  }
  const certFile = path.resolve(cwd, certVar)
  const keyFile = path.resolve(cwd, keyVar)
  let cert: X509Certificate
  try {
    cert = new X509Certificate(read('NHIP_TLS_CERT_FILE', certFile))
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`invalid configuration: NHIP_TLS_CERT_FILE: ${certFile} is not a PEM certificate`)
  }
  let key: ReturnType<typeof createPrivateKey>
  try {
    key = createPrivateKey(read('NHIP_TLS_KEY_FILE', keyFile))
  } catch (err) {
    if (err instanceof ConfigError) throw err
    // The parser's message could quote key material: say only what is wrong.
    throw new ConfigError(
      `invalid configuration: NHIP_TLS_KEY_FILE: ${keyFile} is not an unencrypted PEM private key`,
    )
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ConfigError(
      `invalid configuration: NHIP_TLS_KEY_FILE: ${keyFile} is not the private key of the certificate in NHIP_TLS_CERT_FILE (${certFile})`,
    )
  }
  if (Date.parse(cert.validTo) < Date.now()) {
    throw new ConfigError(
      `invalid configuration: NHIP_TLS_CERT_FILE: the certificate in ${certFile} expired on ${cert.validTo}`,
    )
  }
  return { certFile, keyFile }
}

/**
 * A CA bundle variable: the file must exist and hold at least one PEM certificate. (The ClickHouse client
 * would otherwise skip a missing file and trust the system CAs instead, silently.)
 */
function checkCaFile(name: string, value: string | undefined, cwd: string): string | undefined {
  if (!value) return undefined
  const file = path.resolve(cwd, value)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError(
      `invalid configuration: ${name}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`,
    )
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  try {
    if (!pems.length) throw new Error('none')
    for (const pem of pems) new X509Certificate(pem)
  } catch {
    throw new ConfigError(`invalid configuration: ${name}: ${file} holds no valid PEM certificate`)
  }
  return file
}

/**
 * Parses the environment into a {@link Config}. Throws {@link ConfigError} naming each bad variable.
 * @example const config = loadConfig(readEnv(process.env, process.cwd()))
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error, env)}`)
  const e = parsed.data
  const saslParts = [e.KAFKA_SASL_MECHANISM, e.KAFKA_SASL_USERNAME, e.KAFKA_SASL_PASSWORD]
  if (saslParts.some(Boolean) && !saslParts.every(Boolean)) {
    throw new ConfigError(
      'invalid configuration: KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set together',
    )
  }
  if (e.NHIP_SMTP_URL && (!e.NHIP_SMTP_FROM || !e.NHIP_PUBLIC_URL)) {
    throw new ConfigError('invalid configuration: NHIP_SMTP_URL needs NHIP_SMTP_FROM and NHIP_PUBLIC_URL too')
  }
  if (e.CLICKHOUSE_CLUSTER && !e.CLICKHOUSE_URL) {
    throw new ConfigError(
      'invalid configuration: CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL (a cluster is a ClickHouse server set-up)',
    )
  }
  const tls = checkTls(e.NHIP_TLS_CERT_FILE, e.NHIP_TLS_KEY_FILE, cwd)
  if (e.KAFKA_SSL_CA_FILE && !e.KAFKA_SSL) {
    throw new ConfigError(
      'invalid configuration: KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true (the CA would be ignored)',
    )
  }
  const kafkaCaFile = checkCaFile('KAFKA_SSL_CA_FILE', e.KAFKA_SSL_CA_FILE, cwd)
  const clickhouseCaFile = checkCaFile('CLICKHOUSE_CA_FILE', e.CLICKHOUSE_CA_FILE, cwd)
  if (clickhouseCaFile && !e.CLICKHOUSE_URL?.startsWith('https://')) {
    throw new ConfigError(
      'invalid configuration: CLICKHOUSE_CA_FILE is set but CLICKHOUSE_URL is not https:// (the CA would be ignored)',
    )
  }
  const dataDir = path.resolve(cwd, e.NHIP_DATA_DIR)
  const prefix = e.KAFKA_TOPIC_PREFIX
  const hour = 3_600_000
  return {
    dataDir,
    http: {
      host: e.NHIP_HOST,
      port: e.NHIP_PORT,
      trustProxy: e.NHIP_TRUST_PROXY,
      ...(e.NHIP_METRICS_TOKEN ? { metricsToken: e.NHIP_METRICS_TOKEN } : {}),
      ...(tls ? { tls } : {}),
    },
    logLevel: e.LOG_LEVEL,
    collector: {
      trackerPath: e.NHIP_TRACKER_PATH,
      spoolMaxBytes: e.NHIP_SPOOL_MAX_MB * 1_048_576,
      ipRatePerSec: e.NHIP_IP_RATE_PER_S,
      siteRatePerSec: e.NHIP_SITE_RATE_PER_S,
    },
    transform: {
      groupId: e.NHIP_TRANSFORM_GROUP,
      batchRows: e.NHIP_BATCH_ROWS,
      flushMs: e.NHIP_FLUSH_MS,
      ...(e.NHIP_FAULT_CRASH_AFTER_WRITES ? { crashAfterWrites: e.NHIP_FAULT_CRASH_AFTER_WRITES } : {}),
      ...(e.NHIP_FAULT_CLICKHOUSE_DOWN_FILE
        ? { faultClickHouseDownFile: path.resolve(cwd, e.NHIP_FAULT_CLICKHOUSE_DOWN_FILE) }
        : {}),
    },
    kafka: e.KAFKA_BROKERS
      ? {
          brokers: e.KAFKA_BROKERS,
          clientId: e.KAFKA_CLIENT_ID,
          ssl: e.KAFKA_SSL,
          ...(kafkaCaFile ? { sslCaFile: kafkaCaFile } : {}),
          ...(e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD
            ? {
                sasl: {
                  mechanism: e.KAFKA_SASL_MECHANISM,
                  username: e.KAFKA_SASL_USERNAME,
                  password: e.KAFKA_SASL_PASSWORD,
                },
              }
            : {}),
          connectTimeoutMs: e.KAFKA_CONNECT_TIMEOUT_MS,
          topics: {
            events: `${prefix}events`,
            eventsDlq: `${prefix}events-dlq`,
            content: `${prefix}content`,
            eventsPartitions: e.KAFKA_EVENTS_PARTITIONS,
            contentPartitions: e.KAFKA_CONTENT_PARTITIONS,
            replicationFactor: e.KAFKA_REPLICATION_FACTOR,
            eventsRetentionMs: e.KAFKA_EVENTS_RETENTION_HOURS * hour,
            dlqRetentionMs: e.KAFKA_DLQ_RETENTION_HOURS * hour,
          },
        }
      : undefined,
    ...(e.NHIP_SMTP_URL && e.NHIP_SMTP_FROM && e.NHIP_PUBLIC_URL
      ? {
          email: {
            smtpUrl: e.NHIP_SMTP_URL,
            from: e.NHIP_SMTP_FROM,
            baseUrl: e.NHIP_PUBLIC_URL,
            insecureTls: e.NHIP_SMTP_INSECURE_TLS,
          },
        }
      : {}),
    retention: {
      eventsDays: e.NHIP_RETENTION_EVENTS_DAYS || null,
      rollupDays: e.NHIP_RETENTION_ROLLUP_DAYS || null,
    },
    clickhouse: e.CLICKHOUSE_URL
      ? {
          kind: 'server',
          url: e.CLICKHOUSE_URL,
          username: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
          ...(clickhouseCaFile ? { caFile: clickhouseCaFile } : {}),
          connectTimeoutMs: e.CLICKHOUSE_CONNECT_TIMEOUT_MS,
          ...(e.CLICKHOUSE_CLUSTER ? { cluster: e.CLICKHOUSE_CLUSTER } : {}),
        }
      : { kind: 'embedded', path: path.join(dataDir, 'clickhouse'), database: e.CLICKHOUSE_DATABASE },
  }
}
