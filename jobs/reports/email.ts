// Optional e-mail of each report: a short summary (headline numbers, top highlights) and a link to the
// full report in the web app, sent over SMTP with nodemailer to the agency's users who have an address.
import nodemailer from 'nodemailer'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { createFormatter } from './format.ts'
import { escapeHtml } from './html.ts'
import { type Lang, messages, type ReportKind } from './i18n.ts'
import type { Insight } from './insights.ts'

export interface EmailSettings {
  /** SMTP URL, e.g. `smtp://user:pass@mail.example.vn:587` or `smtps://…`. */
  smtpUrl: string
  from: string
  /** Public address of the web app, e.g. `https://nhip.lamdong.gov.vn` (links go to `/app/reports/…`). */
  baseUrl: string
  /** Accept self-signed certificates (local test servers only). */
  insecureTls?: boolean
}

export interface ReportEmail {
  agency: string
  agencyName: string
  kind: ReportKind
  lang: Lang
  periodText: string
  hasData: boolean
  headline: { pageviews: number; readers: number; engaged_ms: number; read_complete_rate: number }
  insights: Insight[]
  /** Path of the report under the web app, e.g. `/app/reports/lamdong/daily-2026-03-01.vi.html`. */
  urlPath: string
}

/** Agency users (not disabled) that have an e-mail address. */
export async function reportRecipients(ch: ClickHouse, agency: string): Promise<string[]> {
  const rs = await ch.client.query({
    query: `SELECT DISTINCT email FROM ${ch.database}.users FINAL
            WHERE agency_id = {agency:String} AND disabled = 0 AND email != '' ORDER BY email`,
    query_params: { agency },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ email: string }>()).map((r) => r.email)
}

/** Subject, plain text and HTML of a report e-mail (pure). */
export function composeReportEmail(
  e: ReportEmail,
  baseUrl: string,
): { subject: string; text: string; html: string } {
  const m = messages(e.lang)
  const f = createFormatter(e.lang)
  const url = new URL(e.urlPath, baseUrl).toString()
  const lines = e.hasData
    ? [
        `${m.metric.pageviews}: ${f.int(e.headline.pageviews)}`,
        `${e.kind === 'weekly' ? m.readersWeekly : m.metric.readers}: ${f.int(e.headline.readers)}`,
        `${m.metric.engaged}: ${f.duration(e.headline.engaged_ms)}`,
        `${m.metric.readComplete}: ${f.pct(e.headline.read_complete_rate)}`,
        ...e.insights.slice(0, 3).map((i) => `• ${i.text}`),
      ]
    : [m.emailNoData]
  const intro = m.emailIntro(e.kind, e.agencyName, e.periodText)
  const text = [intro, '', ...lines, '', `${m.emailLink}: ${url}`, ''].join('\n')
  const html = `<!doctype html><html lang="${e.lang}"><body style="font-family:sans-serif">
<p>${escapeHtml(intro)}</p><ul>${lines.map((l) => `<li>${escapeHtml(l.replace(/^• /, ''))}</li>`).join('')}</ul>
<p><a href="${escapeHtml(url)}">${escapeHtml(m.emailLink)}</a></p></body></html>`
  return {
    subject: m.emailSubject(e.kind, e.agencyName, e.periodText),
    text: text.normalize('NFC'),
    html: html.normalize('NFC'),
  }
}

/**
 * Sends one report e-mail to its recipients; resolves to how many were accepted.
 * @example await sendReportEmail(settings, ['bientap@baolamdong.vn'], email)
 */
export async function sendReportEmail(
  settings: EmailSettings,
  to: string[],
  e: ReportEmail,
): Promise<number> {
  if (!to.length) return 0
  const u = new URL(settings.smtpUrl)
  const secure = u.protocol === 'smtps:'
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username
      ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
      : {}),
    ...(settings.insecureTls ? { tls: { rejectUnauthorized: false } } : {}),
  })
  try {
    const msg = composeReportEmail(e, settings.baseUrl)
    const info = await transport.sendMail({
      from: settings.from,
      to,
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
    })
    return info.accepted.length
  } finally {
    transport.close()
  }
}
