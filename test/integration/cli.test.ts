// The `nhip` CLI as an operator runs it: real processes, real engine, real broker.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { findFreePortBlock } from '../../infra/kafka/broker.ts'

const NHIP = path.resolve('bin/nhip')

function nhip(args: string[], env: Record<string, string>) {
  const started = Date.now()
  const r = spawnSync(NHIP, args, { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 60_000 })
  return { ...r, ms: Date.now() - started }
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

describe('nhip CLI', () => {
  it('lists its commands', () => {
    const r = nhip(['--help'], {})
    expect(r.status).toBe(0)
    for (const cmd of ['start', 'migrate', 'kafka:topics', 'sql']) expect(r.stdout).toContain(cmd)
  })

  it.each([
    [{ KAFKA_BROKERS: 'bad:1' }, /^nhip: cannot reach Kafka at bad:1: /],
    [{ CLICKHOUSE_URL: 'notaurl' }, /^nhip: invalid configuration: CLICKHOUSE_URL: expected an http/],
    [{ CLICKHOUSE_URL: 'http://127.0.0.1:1' }, /^nhip: cannot reach ClickHouse at http:\/\/127.0.0.1:1\/: /],
  ])('start with %o fails with one readable line and no stack trace', (env, message) => {
    const r = nhip(['start'], { NHIP_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'nhip-cli-')), ...env })
    console.log(`nhip start ${JSON.stringify(env)} → exit ${r.status} in ${r.ms} ms: ${r.stderr.trim()}`)
    expect(r.status).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    const debug = nhip(['start', '--debug'], { NHIP_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'nhip-cli-')), ...env })
    expect(debug.stderr).toMatch(/\n\s+at /)
  })

  it('migrate twice: the second run applies nothing', () => {
    const env = { NHIP_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'nhip-cli-')) }
    const first = nhip(['migrate'], env)
    expect(first.status).toBe(0)
    expect(first.stdout).toMatch(/applied 0003_events.sql/)
    const second = nhip(['migrate'], env)
    expect(second.status).toBe(0)
    expect(second.stdout).toMatch(/^Nothing to apply: all \d+ migrations already applied/)
  })

  it('start (embedded ClickHouse + real Kafka) serves /healthz, creates topics, and stops on SIGTERM', async () => {
    const port = await findFreePortBlock(1)
    const brokers = inject('kafkaBrokers').join(',')
    const child = spawn(NHIP, ['start'], {
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        NHIP_PORT: String(port),
        NHIP_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'nhip-cli-')),
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: 'cli-test.',
      },
    })
    children.push(child)
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    let logs = ''
    child.stderr?.on('data', (d: Buffer) => {
      logs += d.toString()
    })
    const deadline = Date.now() + 60_000
    while (!out.includes('Nhịp is running') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(out).toContain(`Nhịp is running at http://127.0.0.1:${port}`)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { clickhouse: { ok: true } } })
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).toContain('nhip_process_resident_memory_bytes')
    // Every log line is structured JSON.
    for (const line of logs.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
    expect(logs).toContain('kafka topics ready')

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
