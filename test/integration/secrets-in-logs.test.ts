// Secrets never reach the logs. The real CLI runs a full flow at LOG_LEVEL=debug with a distinct secret in
// every place one is configured: a Kafka broker that demands SASL/PLAIN (a second real broker started here,
// with a SASL listener), an SMTP server that demands AUTH, a metrics token, a site API key, a user's
// password, the session cookie, the admin SQL token, and a ClickHouse password (sent to a stand-in server
// that refuses it like ClickHouse does, since no ClickHouse server exists here: the embedded engine takes no
// password). Every line any process wrote is then searched for each secret, raw and encoded.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findFreePortBlock, type KafkaClusterHandle, startKafkaCluster } from '../../infra/kafka/broker.ts'

const NHIP = path.resolve('bin/nhip')
const root = mkdtempSync(path.join(os.tmpdir(), 'nhip-security-secrets-'))
const secret = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`

const S = {
  kafkaSasl: secret('kafkasasl'),
  smtp: secret('smtp'),
  metrics: secret('metrics'),
  clickhouse: secret('chpass'),
  userPassword: secret('userpw'),
  wrongPassword: secret('wrongpw'),
}
const SMTP_USER = 'mailer'
const CH_USER = 'nhip_service'

interface Output {
  what: string
  text: string
}
const outputs: Output[] = []
const children: ChildProcess[] = []

let sasl: KafkaClusterHandle | undefined
let saslBroker: string
let plainBroker: string
let smtp: SMTPServer
let smtpPort: number
const smtpAuth: Array<{ username: string; password: string }> = []
const mails: string[] = []

/** Runs the CLI to completion, keeping everything it printed. */
function nhip(what: string, args: string[], env: Record<string, string>, input?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(NHIP, args, { env: { ...process.env, ...env } })
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      outputs.push({ what: `${what} (stderr)`, text: stderr })
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(input)
  })
}

/** Every spelling of a secret that would give it away. */
function spellings(s: string): string[] {
  const b = Buffer.from(s)
  return [
    ...new Set([
      s,
      encodeURIComponent(s),
      b.toString('base64'),
      b.toString('base64').replace(/=+$/, ''),
      b.toString('base64url'),
      b.toString('hex'),
    ]),
  ]
}

function leaks(secrets: Record<string, string>, extra: Record<string, string[]> = {}): string[] {
  const found: string[] = []
  for (const [name, value] of Object.entries(secrets)) {
    for (const spelling of [...spellings(value), ...(extra[name] ?? [])]) {
      for (const o of outputs) if (o.text.includes(spelling)) found.push(`${name} in ${o.what}`)
    }
  }
  return [...new Set(found)]
}

beforeAll(async () => {
  // A broker with a SASL_PLAINTEXT listener (PLAIN, one user) besides the PLAINTEXT one the helper polls.
  const basePort = await findFreePortBlock(1)
  const controllerBasePort = await findFreePortBlock(1)
  const saslPort = await findFreePortBlock(1)
  sasl = await startKafkaCluster({
    dataDir: path.join(root, 'kafka'),
    brokers: 1,
    basePort,
    controllerBasePort,
    heapMb: 512,
    log: () => undefined,
    extraProps: {
      listeners: `PLAINTEXT://127.0.0.1:${basePort},CONTROLLER://127.0.0.1:${controllerBasePort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${basePort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'listener.security.protocol.map':
        'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_nhip="${S.kafkaSasl}";`,
    },
  })
  plainBroker = `127.0.0.1:${basePort}`
  saslBroker = `127.0.0.1:${saslPort}`

  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      smtpAuth.push({ username: auth.username ?? '', password: auth.password ?? '' })
      if (auth.username === SMTP_USER && auth.password === S.smtp) return callback(null, { user: SMTP_USER })
      return callback(new Error('Invalid username or password'))
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'))
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()))
  smtpPort = (smtp.server.address() as AddressInfo).port
})

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await sasl?.stop()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
  rmSync(root, { recursive: true, force: true })
})

describe('secrets never reach the logs', () => {
  it('the search finds a secret in any spelling (so a clean result means something)', () => {
    const planted = secret('planted')
    const b64 = Buffer.from(planted).toString('base64')
    for (const text of [
      `{"msg":"x","k":"${planted}"}`,
      `Basic ${b64}`,
      `{"v":"${encodeURIComponent(planted)}"}`,
    ]) {
      outputs.push({ what: 'planted', text })
      expect(leaks({ planted })).toEqual(['planted in planted'])
      outputs.pop()
    }
    expect(leaks({ planted })).toEqual([])
  })

  it('a full flow at debug level (Kafka SASL, SMTP auth, API key, metrics token, sign-in) logs none of them', async () => {
    const port = await findFreePortBlock(1)
    const base = `http://127.0.0.1:${port}`
    const env = {
      LOG_LEVEL: 'debug',
      NHIP_DATA_DIR: path.join(root, 'data'),
      NHIP_PORT: String(port),
      NHIP_METRICS_TOKEN: S.metrics,
      NHIP_SMTP_URL: `smtp://${SMTP_USER}:${encodeURIComponent(S.smtp)}@127.0.0.1:${smtpPort}`,
      NHIP_SMTP_FROM: 'Nhịp <nhip@example.vn>',
      NHIP_PUBLIC_URL: base,
      KAFKA_BROKERS: saslBroker,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'nhip',
      KAFKA_SASL_PASSWORD: S.kafkaSasl,
      KAFKA_TOPIC_PREFIX: 'secrets.',
      // Configured but unused: no CLICKHOUSE_URL, so the embedded engine runs (it takes no password).
      CLICKHOUSE_PASSWORD: S.clickhouse,
    }

    const site = await nhip(
      'sites add',
      ['sites', 'add', '--agency', 'lamdong', '--site', 'baolamdong', '--domain', 'baolamdong.example'],
      env,
    )
    expect(site.code, site.stderr).toBe(0)
    // The key is shown once on stdout on purpose; that output is not a log and is not searched.
    const apiKey = /API key \(shown once — store it now\): (\S+)/.exec(site.stdout)?.[1] ?? ''
    expect(apiKey.length).toBeGreaterThan(20)
    const user = await nhip(
      'users add',
      [
        'users',
        'add',
        '--username',
        'hoa',
        '--agency',
        'lamdong',
        '--email',
        'hoa@example.vn',
        '--password-stdin',
      ],
      env,
      `${S.userPassword}\n`,
    )
    expect(user.code, user.stderr).toBe(0)
    outputs.push({ what: 'users add (stdout)', text: user.stdout })

    // The service, Kafka mode through the SASL listener.
    const service = spawn(NHIP, ['start'], { env: { ...process.env, ...env } })
    children.push(service)
    let serviceOut = ''
    let serviceErr = ''
    service.stdout.on('data', (d: Buffer) => {
      serviceOut += d.toString()
    })
    service.stderr.on('data', (d: Buffer) => {
      serviceErr += d.toString()
    })
    const deadline = Date.now() + 90_000
    while (!serviceOut.includes('Nhịp is running') && Date.now() < deadline && service.exitCode === null)
      await new Promise((r) => setTimeout(r, 200))
    expect(serviceOut, serviceErr.slice(-2000)).toContain(`Nhịp is running at ${base}`)

    // Sign in (and fail once with another password).
    const login = await fetch(`${base}/app/login`)
    const loginCookie =
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith('nhip_login='))
        ?.split(';')[0] ?? ''
    const csrf = /name="csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? ''
    const signIn = (password: string) =>
      fetch(`${base}/app/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: loginCookie,
          'sec-fetch-site': 'same-origin',
        },
        body: new URLSearchParams({ username: 'hoa', password, csrf }).toString(),
      })
    expect((await signIn(S.wrongPassword)).status).toBe(401)
    const signedIn = await signIn(S.userPassword)
    expect(signedIn.status).toBe(303)
    const sessionToken = /nhip_session=([^;]+)/.exec(signedIn.headers.getSetCookie().join('\n'))?.[1] ?? ''
    expect(sessionToken.length).toBeGreaterThan(20)
    const reports = await fetch(`${base}/app/reports`, {
      headers: { cookie: `nhip_session=${sessionToken}` },
    })
    expect(reports.status).toBe(200)
    expect(reports.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/)

    // Events with the key; failing requests carrying the key; the browser endpoint.
    const now = Date.now()
    const event = (id = randomUUID()) => ({
      event_id: id,
      type: 'pageview',
      ts: now,
      url: 'https://baolamdong.example/tin/1',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile',
    })
    const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }
    const ok = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([event(), event()]),
    })
    expect(ok.status).toBe(202)
    const bad = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([{ ...event(), ts: 'yesterday' }]),
    })
    expect(bad.status).toBe(400)
    const malformed = await fetch(`${base}/v1/content`, {
      method: 'POST',
      headers: auth,
      body: `{"key": "${apiKey}"`,
    })
    expect(malformed.status).toBe(400)
    const offSite = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([{ ...event(), url: `https://evil.example/?k=${apiKey}` }]),
    })
    expect(offSite.status).toBe(403)
    const basic = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`x:${apiKey}`).toString('base64')}` },
      body: '[]',
    })
    expect(basic.status).toBe(401)
    const browser = await fetch(`${base}/e`, {
      method: 'POST',
      headers: { origin: 'https://baolamdong.example', 'content-type': 'text/plain' },
      body: JSON.stringify({
        site: 'baolamdong',
        events: [{ id: randomUUID(), t: 'pageview', ts: now, u: 'https://baolamdong.example/tin/2' }],
      }),
    })
    expect(browser.status).toBe(202)

    // Metrics with the token (and a wrong one), and the admin SQL token of the embedded engine.
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${S.metrics}` } })).status,
    ).toBe(200)
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${S.wrongPassword}` } })).status,
    ).toBe(401)
    const adminToken = readFileSync(path.join(env.NHIP_DATA_DIR, 'admin.token'), 'utf8').trim()
    const sql = await fetch(`${base}/admin/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT count() FROM nhip.sites', format: 'JSONEachRow' }),
    })
    expect(sql.status).toBe(200)

    service.kill('SIGTERM')
    await new Promise((resolve) =>
      service.exitCode !== null ? resolve(null) : service.once('exit', resolve),
    )
    outputs.push({ what: 'start (stderr)', text: serviceErr }, { what: 'start (stdout)', text: serviceOut })

    // A job run that mails its report through the SMTP server with the password.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date())
    const job = await nhip('jobs run', ['jobs', 'run', 'daily-report', '--date', day], env)
    expect(job.code, job.stderr.slice(-2000)).toBe(0)
    outputs.push({ what: 'jobs run (stdout)', text: job.stdout })

    // The secrets were really used: the broker accepts only the SASL password, the SMTP server checked its own.
    const wrong = new Kafka({
      brokers: [saslBroker],
      sasl: { mechanism: 'plain', username: 'nhip', password: 'wrong' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin()
    await expect(wrong.connect()).rejects.toThrow(/SASL|[Aa]uthentication/)
    const admin = new Kafka({ brokers: [plainBroker], logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    const topics = await admin.listTopics()
    await admin.disconnect()
    expect(topics).toEqual(
      expect.arrayContaining(['secrets.events', 'secrets.content', 'secrets.events-dlq']),
    )
    expect(smtpAuth).toContainEqual({ username: SMTP_USER, password: S.smtp })
    expect(mails.length).toBeGreaterThan(0)

    // The logs are real debug logs of that flow…
    const all = outputs.map((o) => o.text).join('\n')
    expect(all).toMatch(/"level":20/)
    for (const msg of ['signed in', 'sign-in failed', 'nhip started']) expect(all).toContain(`"msg":"${msg}"`)
    // …and hold no secret in any spelling.
    const found = leaks(
      { ...S, apiKey, sessionToken, adminToken },
      {
        smtp: [Buffer.from(`\0${SMTP_USER}\0${S.smtp}`).toString('base64')],
        kafkaSasl: [Buffer.from(`\0nhip\0${S.kafkaSasl}`).toString('base64')],
        apiKey: [Buffer.from(`x:${apiKey}`).toString('base64')],
      },
    )
    console.log(
      `searched ${outputs.length} outputs (${all.split('\n').length} lines) for ${Object.keys(S).length + 3} secrets: ${found.length ? found.join('; ') : 'none found'}`,
    )
    expect(found).toEqual([])
  })

  it('a ClickHouse password refused by the server is not in the logs (even with --debug stack traces)', async () => {
    const seen: string[] = []
    const fake = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ''), String(req.headers['x-clickhouse-key'] ?? ''))
      req.resume()
      if (req.url?.startsWith('/ping')) return res.end('Ok.\n')
      res.writeHead(516, { 'x-clickhouse-exception-code': '516', 'content-type': 'text/plain' })
      res.end(
        `Code: 516. DB::Exception: ${CH_USER}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n`,
      )
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', () => resolve()))
    const chPort = (fake.address() as AddressInfo).port
    const before = outputs.length
    try {
      for (const url of [
        `http://127.0.0.1:${chPort}`,
        `http://${CH_USER}:${encodeURIComponent(S.clickhouse)}@127.0.0.1:${chPort}`,
      ]) {
        const r = await nhip('start against a refusing ClickHouse', ['start', '--debug'], {
          LOG_LEVEL: 'debug',
          NHIP_DATA_DIR: path.join(root, 'data-ch'),
          NHIP_PORT: String(await findFreePortBlock(1)),
          CLICKHOUSE_URL: url,
          CLICKHOUSE_USER: CH_USER,
          CLICKHOUSE_PASSWORD: S.clickhouse,
        })
        outputs.push({ what: 'start against a refusing ClickHouse (stdout)', text: r.stdout })
        expect(r.code).not.toBe(0)
        expect(r.stderr).toMatch(/Authentication failed/)
      }
    } finally {
      await new Promise((resolve) => fake.close(resolve))
    }
    // The password was sent (so it was in the process), and is in none of the output.
    const sent = seen.some(
      (h) =>
        h.includes(S.clickhouse) || h.includes(Buffer.from(`${CH_USER}:${S.clickhouse}`).toString('base64')),
    )
    expect(sent).toBe(true)
    const mine = outputs.slice(before)
    expect(mine.map((o) => o.text).join('\n')).toMatch(/\n\s+at /)
    const found = mine.flatMap((o) =>
      [...spellings(S.clickhouse), Buffer.from(`${CH_USER}:${S.clickhouse}`).toString('base64')]
        .filter((s) => o.text.includes(s))
        .map(() => o.what),
    )
    expect(found).toEqual([])
  })
})
