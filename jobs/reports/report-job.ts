// The daily and weekly report jobs: for every agency with live sites, read the period's numbers, render one
// HTML report (Vietnamese unless all its sites are English), write it atomically, record it in `reports`
// with the run id, and e-mail the agency's users when SMTP is configured.
import { createHash } from 'node:crypto'
import path from 'node:path'
import { z } from 'zod'
import { errorMessage } from '../../infra/errors.ts'
import { writeFileAtomic } from '../atomic-file.ts'
import type { JobContext, JobDefinition, KeyFigures } from '../job.ts'
import { agencyLanguage, listReportSites, loadReportData, reportPeriod, type SiteInfo } from './data.ts'
import { type EmailSettings, reportRecipients, sendReportEmail } from './email.ts'
import { createFormatter } from './format.ts'
import type { ReportKind } from './i18n.ts'
import { insertReports, type ReportRecord } from './reports-table.ts'
import { renderReport } from './render.ts'

/** Default schedules (Vietnam time): daily at 06:00, weekly on Monday at 07:00. */
export const REPORT_SCHEDULES: Record<ReportKind, string> = { daily: '0 6 * * *', weekly: '0 7 * * 1' }

/** Where the service keeps a report: `<dataDir>/reports/<agency>/<kind>-<date>.<lang>.html`. */
export function reportPath(
  dataDir: string,
  r: { agency: string; kind: ReportKind; day: string; lang: string },
): string {
  return path.join(path.resolve(dataDir), 'reports', r.agency, `${r.kind}-${r.day}.${r.lang}.html`)
}

/** The web app address of a report (see web/). */
export function reportUrlPath(r: { agency: string; kind: ReportKind; day: string; lang: string }): string {
  return `/app/reports/${encodeURIComponent(r.agency)}/${r.kind}-${r.day}.${r.lang}.html`
}

const Options = z.object({
  /** Export directory (`--out DIR`): files go there flat as `<agency>-<kind>-<date>.<lang>.html`, unrecorded. */
  outDir: z.string().min(1).optional(),
  /** Only this agency. */
  agency: z.string().min(1).optional(),
  email: z
    .object({
      smtpUrl: z.string(),
      from: z.string(),
      baseUrl: z.string(),
      insecureTls: z.boolean().optional(),
    })
    .optional(),
})

function agencyName(sites: SiteInfo[], agency: string): string {
  return sites.length === 1 && sites[0]?.name ? sites[0].name : agency
}

async function runReports(kind: ReportKind, ctx: JobContext): Promise<KeyFigures> {
  const opts = Options.parse(ctx.options)
  const period = reportPeriod(kind, ctx.day)
  const sites = await listReportSites(ctx.ch, opts.agency)
  const agencies = [...new Set(sites.map((s) => s.agency_id))].sort()
  const records: ReportRecord[] = []
  const emails: Array<() => Promise<number>> = []
  let withData = 0
  let insights = 0
  let bytes = 0
  for (const [i, agency] of agencies.entries()) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    const own = sites.filter((s) => s.agency_id === agency)
    const lang = agencyLanguage(own)
    const name = agencyName(own, agency)
    const t0 = performance.now()
    const data = await loadReportData(ctx.ch, { agency, sites: own, period })
    const rendered = await renderReport(data, { lang, agencyName: name, generatedAt: ctx.now() })
    const file = opts.outDir
      ? path.join(path.resolve(opts.outDir), `${agency}-${kind}-${ctx.day}.${lang}.html`)
      : reportPath(ctx.dataDir, { agency, kind, day: ctx.day, lang })
    await writeFileAtomic(file, rendered.html)
    const size = Buffer.byteLength(rendered.html)
    bytes += size
    if (rendered.hasData) withData++
    insights += rendered.insights.length
    records.push({
      agency_id: agency,
      site_id: '',
      kind,
      period_start: period.from,
      period_end: period.to,
      lang,
      path: file,
      bytes: size,
      sha256: createHash('sha256').update(rendered.html).digest('hex'),
      has_data: rendered.hasData,
      headline: rendered.headline,
      job: ctx.job,
      run_id: ctx.runId,
      created_at: ctx.now(),
    })
    ctx.progress(`${kind} report ${i + 1}/${agencies.length}: ${agency} (${lang}) → ${file}`, {
      agency,
      lang,
      pageviews: rendered.headline.pageviews,
      insights: rendered.insights.length,
      ms: Math.round(performance.now() - t0),
    })
    const email = opts.email
    if (email && !opts.outDir) {
      const f = createFormatter(lang)
      emails.push(async () =>
        sendReportEmail(email as EmailSettings, await reportRecipients(ctx.ch, agency), {
          agency,
          agencyName: name,
          kind,
          lang,
          periodText: kind === 'daily' ? f.date(period.to) : f.range(period.from, period.to),
          hasData: rendered.hasData,
          headline: rendered.headline,
          insights: rendered.insights,
          urlPath: reportUrlPath({ agency, kind, day: ctx.day, lang }),
        }),
      )
    }
  }
  // Exports (--out) are files for someone else; only reports kept in the data dir are listed in the web app.
  if (!opts.outDir) await insertReports(ctx.ch, records)
  // The reports are written and recorded: an SMTP problem is counted and logged, it does not redo them.
  let sent = 0
  let failed = 0
  for (const send of emails) {
    try {
      sent += await send()
    } catch (err) {
      failed++
      ctx.log.error({ err: errorMessage(err) }, 'report e-mail failed')
    }
  }
  return {
    agencies: agencies.length,
    reports: records.length,
    reports_with_data: withData,
    insights,
    bytes,
    emails_sent: sent,
    emails_failed: failed,
  }
}

/**
 * The `daily-report` or `weekly-report` job definition.
 * @example registry.registerJob(createReportJob('daily'))
 */
export function createReportJob(kind: ReportKind): JobDefinition {
  return {
    name: `${kind}-report`,
    schedule: REPORT_SCHEDULES[kind],
    description:
      kind === 'daily'
        ? 'insight report of yesterday for every agency (HTML, Vietnamese or English)'
        : 'insight report of the last 7 days (Monday to Sunday) for every agency',
    catchUp: kind === 'daily' ? 7 : 4,
    run: (ctx) => runReports(kind, ctx),
  }
}
