// Security settings: HTTPS files checked at load time with errors naming the variable, secrets never
// echoed in configuration errors, and the ClickHouse cluster name.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../infra/config.ts'
import { ConfigError } from '../../infra/errors.ts'

const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-config-security-'))
const file = (name: string) => path.join(dir, name)

function selfSigned(prefix: string, days = 2): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      file(`${prefix}key.pem`),
      '-out',
      file(`${prefix}cert.pem`),
      '-days',
      String(days),
      '-subj',
      '/CN=localhost',
    ],
    { stdio: 'pipe' },
  )
}

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, dir)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`)
}

beforeAll(() => {
  selfSigned('a-')
  selfSigned('b-')
  writeFileSync(file('garbage.pem'), 'not a certificate\n')
})

describe('NHIP_TLS_CERT_FILE / NHIP_TLS_KEY_FILE', () => {
  it('accepts a certificate with its key (paths relative to the working directory)', () => {
    const config = loadConfig({ NHIP_TLS_CERT_FILE: 'a-cert.pem', NHIP_TLS_KEY_FILE: 'a-key.pem' }, dir)
    expect(config.http.tls).toEqual({ certFile: file('a-cert.pem'), keyFile: file('a-key.pem') })
    expect(loadConfig({}, dir).http.tls).toBeUndefined()
  })

  it.each([
    [
      { NHIP_TLS_CERT_FILE: 'a-cert.pem' },
      /NHIP_TLS_KEY_FILE is unset: NHIP_TLS_CERT_FILE and NHIP_TLS_KEY_FILE must be set together/,
    ],
    [{ NHIP_TLS_KEY_FILE: 'a-key.pem' }, /NHIP_TLS_CERT_FILE is unset/],
    [
      { NHIP_TLS_CERT_FILE: 'missing.pem', NHIP_TLS_KEY_FILE: 'a-key.pem' },
      /NHIP_TLS_CERT_FILE: cannot read .*missing\.pem \(no such file\)/,
    ],
    [
      { NHIP_TLS_CERT_FILE: 'a-cert.pem', NHIP_TLS_KEY_FILE: 'missing.pem' },
      /NHIP_TLS_KEY_FILE: cannot read .*missing\.pem/,
    ],
    [
      { NHIP_TLS_CERT_FILE: 'garbage.pem', NHIP_TLS_KEY_FILE: 'a-key.pem' },
      /NHIP_TLS_CERT_FILE: .*garbage\.pem is not a PEM certificate/,
    ],
    [
      { NHIP_TLS_CERT_FILE: 'a-cert.pem', NHIP_TLS_KEY_FILE: 'garbage.pem' },
      /NHIP_TLS_KEY_FILE: .*garbage\.pem is not an unencrypted PEM private key/,
    ],
    [
      { NHIP_TLS_CERT_FILE: 'a-key.pem', NHIP_TLS_KEY_FILE: 'a-cert.pem' },
      /NHIP_TLS_CERT_FILE: .*a-key\.pem is not a PEM certificate/,
    ],
    [
      { NHIP_TLS_CERT_FILE: 'a-cert.pem', NHIP_TLS_KEY_FILE: 'b-key.pem' },
      /NHIP_TLS_KEY_FILE: .*b-key\.pem is not the private key of the certificate in NHIP_TLS_CERT_FILE/,
    ],
  ])('rejects %o naming the variable', (env, message) => {
    expect(configError(env)).toMatch(message)
  })
})

describe('CA bundles (KAFKA_SSL_CA_FILE, CLICKHOUSE_CA_FILE)', () => {
  it('accepts a PEM certificate file and resolves its path', () => {
    const config = loadConfig(
      {
        KAFKA_BROKERS: 'k1:9093',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: 'a-cert.pem',
        CLICKHOUSE_URL: 'https://ch.example.vn:8443',
        CLICKHOUSE_CA_FILE: 'b-cert.pem',
      },
      dir,
    )
    expect(config.kafka?.sslCaFile).toBe(file('a-cert.pem'))
    expect(config.clickhouse).toMatchObject({ caFile: file('b-cert.pem') })
  })

  it.each([
    [
      { CLICKHOUSE_URL: 'https://ch.example.vn', CLICKHOUSE_CA_FILE: 'missing.pem' },
      /CLICKHOUSE_CA_FILE: cannot read .*missing\.pem \(no such file\)/,
    ],
    [
      { CLICKHOUSE_URL: 'https://ch.example.vn', CLICKHOUSE_CA_FILE: 'garbage.pem' },
      /CLICKHOUSE_CA_FILE: .*garbage\.pem holds no valid PEM certificate/,
    ],
    [
      { CLICKHOUSE_URL: 'http://ch.example.vn', CLICKHOUSE_CA_FILE: 'a-cert.pem' },
      /CLICKHOUSE_CA_FILE is set but CLICKHOUSE_URL is not https/,
    ],
    [
      { KAFKA_BROKERS: 'k1:9093', KAFKA_SSL_CA_FILE: 'a-cert.pem' },
      /KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true/,
    ],
    [
      { KAFKA_BROKERS: 'k1:9093', KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: 'a-key.pem' },
      /KAFKA_SSL_CA_FILE: .*a-key\.pem holds no valid PEM certificate/,
    ],
  ])('rejects %o naming the variable', (env, message) => {
    expect(configError(env)).toMatch(message)
  })
})

describe('configuration errors never show a secret', () => {
  it.each([
    [
      'NHIP_METRICS_TOKEN',
      { NHIP_METRICS_TOKEN: 'short-s3cret' },
      'short-s3cret',
      /NHIP_METRICS_TOKEN: at least 16 characters \(got \(hidden, 12 characters\)\)/,
    ],
    [
      'NHIP_SMTP_URL',
      { NHIP_SMTP_URL: 'smpt://mailer:Pa55-smtp@mail.example.vn' },
      'Pa55-smtp',
      /NHIP_SMTP_URL: .*got "smpt:\/\/mailer:\*\*\*@mail\.example\.vn"/,
    ],
    [
      'CLICKHOUSE_URL',
      { CLICKHOUSE_URL: 'ftp://nhip:Ch-pass@ch.example.vn' },
      'Ch-pass',
      /CLICKHOUSE_URL: .*got "ftp:\/\/nhip:\*\*\*@ch\.example\.vn"/,
    ],
  ])('%s', (_name, env, secret, message) => {
    const msg = configError(env)
    expect(msg).toMatch(message)
    expect(msg).not.toContain(secret)
  })
})

describe('CLICKHOUSE_CLUSTER', () => {
  it('is kept with a ClickHouse server and refused without one', () => {
    const config = loadConfig(
      { CLICKHOUSE_URL: 'https://ch1.example.vn:8443', CLICKHOUSE_CLUSTER: 'province' },
      dir,
    )
    expect(config.clickhouse).toMatchObject({ kind: 'server', cluster: 'province' })
    expect(configError({ CLICKHOUSE_CLUSTER: 'province' })).toMatch(/CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL/)
    expect(configError({ CLICKHOUSE_URL: 'https://ch1.example.vn', CLICKHOUSE_CLUSTER: 'a b' })).toMatch(
      /CLICKHOUSE_CLUSTER: a cluster name/,
    )
  })
})
