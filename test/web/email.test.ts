// Report e-mails through a real SMTP conversation with a local smtp-server started by the test.
import { mkdtempSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../infra/logger.ts'
import { createJobScheduler } from '../../jobs/index.ts'
import { composeReportEmail } from '../../jobs/reports/email.ts'
import { createUser } from '../../web/users.ts'
import { freshClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { insertSite } from '../jobs/fixtures.ts'

interface Received {
  from: string
  to: string[]
  raw: string
}

const received: Received[] = []
let server: SMTPServer
let port: number
let t: TestClickHouse

/** Decodes quoted-printable bodies and RFC 2047 encoded words, enough to read what was sent. */
function decode(raw: string): string {
  const hexBytes = (m: string) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8')
  const words = raw.replace(
    /=\?UTF-8\?([BQ])\?([^?]*)\?=(\r?\n?[ \t]*(?==\?UTF-8\?))?/gi,
    (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : text.replace(/_/g, ' ').replace(/((?:=[0-9A-F]{2})+)/g, hexBytes),
  )
  return words.replace(/=\r?\n/g, '').replace(/((?:=[0-9A-F]{2})+)/g, hexBytes)
}

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  port = (server.server.address() as AddressInfo).port
  t = await freshClickHouse()
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await t?.cleanup()
})

describe('report e-mail', () => {
  it('composes a short summary with an escaped HTML part and a link', () => {
    const msg = composeReportEmail(
      {
        agency: 'lamdong',
        agencyName: 'Báo <Lâm Đồng>',
        kind: 'daily',
        lang: 'vi',
        periodText: 'Chủ Nhật, 1 tháng 3, 2026',
        hasData: true,
        headline: { pageviews: 12345, readers: 6789, engaged_ms: 3_600_000, read_complete_rate: 0.31 },
        insights: [
          {
            kind: 'section',
            text: 'Du lịch +35% lượt đọc so với hôm trước, chủ yếu từ Zalo',
            evidence: '',
            score: 5,
            p: 0,
          },
        ],
        urlPath: '/app/reports/lamdong/daily-2026-03-01.vi.html',
      },
      'https://nhip.example.vn',
    )
    expect(msg.subject).toBe('[Nhịp] Báo cáo ngày Báo <Lâm Đồng> – Chủ Nhật, 1 tháng 3, 2026')
    expect(msg.text).toContain('Lượt đọc: 12.345')
    expect(msg.text).toContain('• Du lịch +35% lượt đọc so với hôm trước, chủ yếu từ Zalo')
    expect(msg.text).toContain('https://nhip.example.vn/app/reports/lamdong/daily-2026-03-01.vi.html')
    expect(msg.html).toContain('Báo &lt;Lâm Đồng&gt;')
  })

  it('is sent over SMTP to the agency users with an address when the report job runs', async () => {
    await insertSite(t.ch, { agency_id: 'lamdong', site_id: 'baolamdong', name: 'Báo Lâm Đồng' })
    await insertSite(t.ch, { agency_id: 'other', site_id: 'other', name: 'Other' })
    await createUser(t.ch, {
      username: 'hoa',
      agency_id: 'lamdong',
      role: 'editor',
      email: 'hoa@baolamdong.vn',
      password: 'một mật khẩu dài',
    })
    await createUser(t.ch, {
      username: 'an',
      agency_id: 'lamdong',
      role: 'analyst',
      password: 'một mật khẩu dài',
    })
    await createUser(t.ch, {
      username: 'bich',
      agency_id: 'other',
      role: 'editor',
      email: 'b@other.vn',
      password: 'một mật khẩu dài',
    })
    const log = createLogger({ level: 'silent' })
    const scheduler = createJobScheduler({
      ch: t.ch,
      log,
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'nhip-email-')),
      lease: { settleMs: 0 },
      jobOptions: {
        email: {
          smtpUrl: `smtp://127.0.0.1:${port}`,
          from: 'Nhịp <nhip@localhost>',
          baseUrl: 'http://127.0.0.1:8787',
        },
      },
    })
    const outcome = await scheduler.runJob('daily-report', { day: '2026-03-01' })
    expect(outcome).toMatchObject({
      status: 'succeeded',
      keyFigures: { reports: 2, emails_sent: 2, emails_failed: 0 },
    })
    const toHoa = received.find((m) => m.to.includes('hoa@baolamdong.vn'))
    expect(toHoa?.to).toEqual(['hoa@baolamdong.vn'])
    expect(toHoa?.from).toBe('nhip@localhost')
    const text = decode(toHoa?.raw ?? '')
    expect(text).toContain('Subject: [Nhịp] Báo cáo ngày Báo Lâm Đồng – Chủ Nhật, 1 tháng 3, 2026')
    expect(text).toContain('Báo cáo ngày của Báo Lâm Đồng')
    expect(text).toContain('Chưa có dữ liệu cho kỳ này.')
    expect(text).toContain('http://127.0.0.1:8787/app/reports/lamdong/daily-2026-03-01.vi.html')
    expect(received.find((m) => m.to.includes('b@other.vn'))).toBeDefined()
  })
})
