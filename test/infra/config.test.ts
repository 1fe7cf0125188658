import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, readEnv } from '../../infra/config.ts'
import { ConfigError } from '../../infra/errors.ts'

describe('loadConfig', () => {
  it('defaults to embedded ClickHouse under the data dir and no Kafka', () => {
    const config = loadConfig({}, '/srv/nhip')
    expect(config.clickhouse).toEqual({ kind: 'embedded', path: '/srv/nhip/.nhip/data/clickhouse', database: 'nhip' })
    expect(config.kafka).toBeUndefined()
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8787, trustProxy: false })
  })

  it('reads brokers, topics and a ClickHouse server', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      KAFKA_TOPIC_PREFIX: 'prod.',
      KAFKA_EVENTS_PARTITIONS: '12',
      CLICKHOUSE_URL: 'https://ch.example.vn:8443',
      CLICKHOUSE_USER: 'nhip',
      CLICKHOUSE_PASSWORD: 's3cret',
    })
    expect(config.kafka?.brokers).toEqual(['k1:9092', 'k2:9092'])
    expect(config.kafka?.topics.events).toBe('prod.events')
    expect(config.kafka?.topics.eventsDlq).toBe('prod.events-dlq')
    expect(config.kafka?.topics.eventsPartitions).toBe(12)
    expect(config.clickhouse).toMatchObject({ kind: 'server', url: 'https://ch.example.vn:8443', username: 'nhip' })
  })

  it.each([
    [{ CLICKHOUSE_URL: 'notaurl' }, /CLICKHOUSE_URL: expected an http:\/\/ or https:\/\/ URL.*got "notaurl"/],
    [{ KAFKA_BROKERS: 'bad' }, /KAFKA_BROKERS: each broker must be host:port/],
    [{ NHIP_PORT: 'eighty' }, /NHIP_PORT: .*got "eighty"/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: .*got "loud"/],
    [{ CLICKHOUSE_DATABASE: 'nhip; DROP' }, /CLICKHOUSE_DATABASE: an identifier/],
    [{ KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set together/],
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('reports one message per variable', () => {
    try {
      loadConfig({ CLICKHOUSE_URL: 'notaurl' })
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message.match(/CLICKHOUSE_URL/g)).toHaveLength(1)
    }
  })
})

describe('readEnv', () => {
  it('reads .env under the real environment, and empty values count as unset', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nhip-env-'))
    writeFileSync(path.join(dir, '.env'), 'NHIP_PORT=9000\nLOG_LEVEL=debug\nKAFKA_BROKERS=k:1\n')
    const env = readEnv({ LOG_LEVEL: 'warn', KAFKA_BROKERS: '' }, dir)
    const config = loadConfig(env, dir)
    expect(config.http.port).toBe(9000)
    expect(config.logLevel).toBe('warn')
    expect(config.kafka).toBeUndefined()
  })
})
