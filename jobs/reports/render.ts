// One self-contained HTML file per report: inline CSS (screen and print), inline SVG charts, no script,
// no external resource. Every reader- or CMS-supplied string goes through the escaping `html` template.

import { addDays } from '../vietnam-time.ts'
import { barSpec, renderSvg, type SeriesPoint, timelineSpec } from './charts.ts'
import type { ReportData, Totals } from './data.ts'
import { forecastHeadline, forecastSection } from './forecast-section.ts'
import { createFormatter, type Formatter } from './format.ts'
import { html, type SafeHtml, trusted } from './html.ts'
import { type Lang, type Messages, messages, sourceLabel } from './i18n.ts'
import {
  buildInsights,
  comparable,
  explainCount as explainCountBase,
  explainRate as explainRateBase,
  type HeadlineChange,
  type Insight,
  risingArticles,
} from './insights.ts'

export interface RenderedReport {
  html: string
  hasData: boolean
  insights: Insight[]
  headline: { pageviews: number; readers: number; engaged_ms: number; read_complete_rate: number }
}

export interface RenderOptions {
  lang: Lang
  agencyName: string
  generatedAt: Date
}

const CSS = `
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--accent:#0f766e;--up:#047857;--down:#b91c1c;--bg:#f9fafb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px;background:#fff}
header{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:20px}
header .brand{color:var(--accent);font-weight:700;letter-spacing:.04em}
h1{font-size:26px;margin:4px 0}
h2{font-size:19px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:16px 0 6px}
.meta{color:var(--muted);font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px}
.card .label{color:var(--muted);font-size:13px}
.card .value{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
.card .cmp{font-size:13px}
.card .why{font-size:12px;color:var(--muted);margin-top:4px}
.up{color:var(--up)}.down{color:var(--down)}
table{width:100%;border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{padding:5px 6px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
ol.insights{padding-left:20px}
ol.insights li{margin:6px 0}
.evidence{display:block;color:var(--muted);font-size:12px}
.note{color:var(--muted);font-size:12px}
.nodata{border:2px dashed var(--line);border-radius:8px;padding:24px;text-align:center;margin:24px 0}
.nodata strong{font-size:20px;display:block;margin-bottom:6px}
figure{margin:8px 0 16px}
figure svg{max-width:100%;height:auto}
figcaption{font-size:13px;font-weight:600;margin-bottom:4px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:16px}
.grid2>*{min-width:0}
footer{margin-top:32px;border-top:1px solid var(--line);padding-top:10px;color:var(--muted);font-size:12px}
@page{size:A4;margin:14mm}
@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
 section,figure,table,.card{break-inside:avoid}h2{break-after:avoid}.grid2{grid-template-columns:1fr 1fr}}
`

function rate(x: number, n: number): number | null {
  return n > 0 ? x / n : null
}

function changeCell(f: Formatter, cur: number, prev: number): SafeHtml {
  if (prev === 0) return html`<td class="n">–</td>`
  const c = cur / prev - 1
  return html`<td class="n ${c > 0 ? 'up' : c < 0 ? 'down' : ''}">${f.change(c)}</td>`
}

function card(
  key: string,
  label: string,
  value: string,
  prev: string,
  change: HeadlineChange,
  help: string,
  f: Formatter,
  m: Messages,
  forecast?: string,
  changeText?: string,
): SafeHtml {
  const c = change.comparison.change
  const cls = change.comparison.significant ? (c !== null && c > 0 ? 'up' : 'down') : ''
  return html`<div class="card">
    <div class="label" title="${help}">${label}</div>
    <div class="value" data-metric="${key}">${value}</div>
    <div class="cmp">${m.lastPeriod}: ${prev} · <span class="${cls}">${m.change}: ${changeText ?? (c === null ? '–' : f.change(c))}</span>${
      forecast ? html` · ${m.forecast}: ${forecast}` : ''
    }</div>
    <div class="why">${change.explanation}</div>
  </div>`
}

async function figure(caption: string, spec: Record<string, unknown>, lang: Lang): Promise<SafeHtml> {
  const svg = await renderSvg(spec, lang)
  return html`<figure><figcaption>${caption}</figcaption>${trusted(svg)}</figure>`
}

function headline(
  data: ReportData,
  m: Messages,
  f: Formatter,
): { cards: SafeHtml; figures: RenderedReport['headline'] } {
  const prevLabel = m.previousPeriod[data.period.kind]
  // With a partly empty previous period every card says why it does not compare.
  const incomplete = comparable(data)
    ? undefined
    : m.incompletePrevious(data.coverage.previous, data.coverage.days)
  const explainCount = (l: Messages, fm: Formatter, p: string, a: number, b: number): HeadlineChange => {
    const e = explainCountBase(l, fm, p, a, b)
    return incomplete ? { comparison: { ...e.comparison, significant: false }, explanation: incomplete } : e
  }
  const explainRate = (
    l: Messages,
    fm: Formatter,
    p: string,
    ...n: [number, number, number, number]
  ): HeadlineChange => {
    const e = explainRateBase(l, fm, p, ...n)
    return incomplete ? { comparison: { ...e.comparison, significant: false }, explanation: incomplete } : e
  }
  const cur = data.current
  const prev = data.previous
  const fc = data.forecast
  const vsForecast = (value: number, forecast: number | undefined) =>
    forecast === undefined
      ? undefined
      : `${f.int(forecast)} (${f.change(forecast > 0 ? value / forecast - 1 : null)})`
  const engagedMin = (t: Totals) => Math.round(t.engagedMs / 60_000)
  const rcCur = rate(cur.readCompletes, cur.articleViews)
  const rcPrev = rate(prev.readCompletes, prev.articleViews)
  const cards = html`<div class="cards">
    ${card('pageviews', m.metric.pageviews, f.int(cur.pageviews), f.int(prev.pageviews), explainCount(m, f, prevLabel, prev.pageviews, cur.pageviews), m.metricHelp.pageviews, f, m, vsForecast(cur.pageviews, fc?.pageviews))}
    ${card(
      'readers',
      data.period.kind === 'weekly' ? m.readersWeekly : m.metric.readers,
      f.int(cur.readers),
      f.int(prev.readers),
      explainCount(m, f, prevLabel, prev.readers, cur.readers),
      m.metricHelp.readers,
      f,
      m,
      vsForecast(cur.readers, fc?.readers),
    )}
    ${card('engaged', m.metric.engaged, f.duration(cur.engagedMs), f.duration(prev.engagedMs), explainCount(m, f, prevLabel, engagedMin(prev), engagedMin(cur)), m.metricHelp.engaged, f, m)}
    ${card(
      'read_complete_rate',
      m.metric.readComplete,
      f.pct(rcCur),
      f.pct(rcPrev),
      explainRate(
        m,
        f,
        prevLabel,
        prev.readCompletes,
        prev.articleViews,
        cur.readCompletes,
        cur.articleViews,
      ),
      m.metricHelp.readComplete,
      f,
      m,
      undefined,
      rcCur === null || rcPrev === null
        ? '–'
        : m.points(`${rcCur >= rcPrev ? '+' : '−'}${f.num(Math.abs(rcCur - rcPrev) * 100)}`),
    )}
  </div>`
  return {
    cards,
    figures: {
      pageviews: cur.pageviews,
      readers: cur.readers,
      engaged_ms: cur.engagedMs,
      read_complete_rate: rcCur ?? 0,
    },
  }
}

function articleTable(rows: ReportData['articles'], m: Messages, f: Formatter, multiSite: boolean): SafeHtml {
  return html`<table>
    <thead><tr><th>#</th><th>${m.col.title}</th>${multiSite ? html`<th>${m.col.site}</th>` : ''}<th>${m.col.section}</th>
      <th class="n">${m.col.views}</th><th class="n">${m.col.change}</th><th class="n">${m.col.engaged}</th>
      <th class="n">${m.col.engagedPerView}</th><th class="n">${m.col.readComplete}</th></tr></thead>
    <tbody>${rows.map(
      (
        a,
        i,
      ) => html`<tr><td class="n">${i + 1}</td><td>${a.title || m.untitled}</td>${multiSite ? html`<td>${a.site_id}</td>` : ''}
        <td>${a.section || m.unknownSection}</td><td class="n">${f.int(a.pageviews)}</td>${changeCell(f, a.pageviews, a.prevPageviews)}
        <td class="n">${f.duration(a.engagedMs)}</td><td class="n">${f.seconds(a.pageviews ? a.engagedMs / 1000 / a.pageviews : null)}</td>
        <td class="n">${f.pct(rate(a.readCompletes, a.pageviews))}</td></tr>`,
    )}</tbody></table>`
}

function authorRows(data: ReportData) {
  const by = new Map<
    string,
    { author: string; articles: number; pageviews: number; engagedMs: number; readCompletes: number }
  >()
  for (const a of data.articles) {
    if (!a.author || a.pageviews === 0) continue
    const r = by.get(a.author) ?? {
      author: a.author,
      articles: 0,
      pageviews: 0,
      engagedMs: 0,
      readCompletes: 0,
    }
    r.articles += 1
    r.pageviews += a.pageviews
    r.engagedMs += a.engagedMs
    r.readCompletes += a.readCompletes
    by.set(a.author, r)
  }
  return [...by.values()].sort((a, b) => b.pageviews - a.pageviews).slice(0, 10)
}

function sourceTables(data: ReportData, m: Messages, f: Formatter) {
  const total = data.current.pageviews || data.sources.reduce((s, r) => s + r.pageviews, 0)
  const prevTotal = data.previous.pageviews || data.sources.reduce((s, r) => s + r.prevPageviews, 0)
  const classes = new Map<string, { cur: number; prev: number }>()
  const sources = new Map<string, { cls: string; cur: number; prev: number }>()
  for (const r of data.sources) {
    const c = classes.get(r.referrerClass) ?? { cur: 0, prev: 0 }
    c.cur += r.pageviews
    c.prev += r.prevPageviews
    classes.set(r.referrerClass, c)
    if (!r.source) continue
    const s = sources.get(r.source) ?? { cls: r.referrerClass, cur: 0, prev: 0 }
    s.cur += r.pageviews
    s.prev += r.prevPageviews
    sources.set(r.source, s)
  }
  const classRows = [...classes].sort((a, b) => b[1].cur - a[1].cur)
  const sourceRows = [...sources]
    .filter(([, s]) => s.cur > 0)
    .sort((a, b) => b[1].cur - a[1].cur)
    .slice(0, 10)
  const share = (n: number, d: number) => (d > 0 ? n / d : null)
  const domesticCur = ['zalo', 'baomoi', 'coccoc'].reduce((s, k) => s + (sources.get(k)?.cur ?? 0), 0)
  const domesticPrev = ['zalo', 'baomoi', 'coccoc'].reduce((s, k) => s + (sources.get(k)?.prev ?? 0), 0)
  const social = classes.get('social') ?? { cur: 0, prev: 0 }
  const summary = html`<div class="cards">
    <div class="card"><div class="label">${m.domestic}</div><div class="value">${f.pct(share(domesticCur, total))}</div>
      <div class="cmp">${m.lastPeriod}: ${f.pct(share(domesticPrev, prevTotal))}</div>
      <div class="why">${m.domesticNote} ${['zalo', 'baomoi', 'coccoc']
        .map((k) => `${sourceLabel(m, k)} ${f.pct(share(sources.get(k)?.cur ?? 0, total))}`)
        .join(' · ')}</div></div>
    <div class="card"><div class="label">${m.social}</div><div class="value">${f.pct(share(social.cur, total))}</div>
      <div class="cmp">${m.lastPeriod}: ${f.pct(share(social.prev, prevTotal))}</div></div>
  </div>`
  const classTable = html`<table><thead><tr><th>${m.col.source}</th><th class="n">${m.col.views}</th><th class="n">${m.col.share}</th>
      <th class="n">${m.col.change}</th></tr></thead><tbody>${classRows.map(
        ([cls, c]) => html`<tr><td>${m.referrerClass[cls] ?? cls}</td><td class="n">${f.int(c.cur)}</td>
          <td class="n">${f.pct(share(c.cur, total))}</td>${changeCell(f, c.cur, c.prev)}</tr>`,
      )}</tbody></table>`
  const sourceTable = html`<table><thead><tr><th>${m.col.source}</th><th class="n">${m.col.views}</th><th class="n">${m.col.share}</th>
      <th class="n">${m.col.change}</th></tr></thead><tbody>${sourceRows.map(
        ([src, s]) => html`<tr><td>${sourceLabel(m, src, s.cls)}</td><td class="n">${f.int(s.cur)}</td>
          <td class="n">${f.pct(share(s.cur, total))}</td>${changeCell(f, s.cur, s.prev)}</tr>`,
      )}</tbody></table>`
  const chartRows = classRows
    .filter(([, c]) => c.cur > 0)
    .map(([cls, c]) => ({ label: m.referrerClass[cls] ?? cls, value: total ? c.cur / total : 0 }))
  return { summary, classTable, sourceTable, chartRows }
}

/** A rate's change in percentage points, or '–' when either side has no base. */
function pointsChange(m: Messages, f: Formatter, cur: number | null, prev: number | null): string {
  return cur === null || prev === null
    ? '–'
    : m.points(`${cur >= prev ? '+' : '−'}${f.num(Math.abs(cur - prev) * 100)}`)
}

/**
 * The recommendation block's click-through: headline cards (impressions, clicks, click-through vs the previous
 * period, with the same significance rules as the headline), then per site, by source and the most-clicked
 * recommended articles. A clear line instead when no block was shown in the period.
 */
function recommendationSection(data: ReportData, m: Messages, f: Formatter, multiSite: boolean): SafeHtml {
  const recs = data.recommendations
  const sum = (pick: (r: (typeof recs.bySite)[number]) => number) =>
    recs.bySite.reduce((s, r) => s + pick(r), 0)
  const cur = { impressions: sum((r) => r.current.impressions), clicks: sum((r) => r.current.clicks) }
  const prev = { impressions: sum((r) => r.previous.impressions), clicks: sum((r) => r.previous.clicks) }
  if (cur.impressions === 0)
    return html`<section data-recs><h2>${m.recs}</h2><p class="note" data-recs-nodata>${m.noRecs} ${m.noRecsHint}</p></section>`
  const prevLabel = m.previousPeriod[data.period.kind]
  const incomplete = comparable(data)
    ? undefined
    : m.incompletePrevious(data.coverage.previous, data.coverage.days)
  const guard = (e: HeadlineChange): HeadlineChange =>
    incomplete ? { comparison: { ...e.comparison, significant: false }, explanation: incomplete } : e
  const ctrCur = rate(cur.clicks, cur.impressions)
  const ctrPrev = rate(prev.clicks, prev.impressions)
  const siteName = (id: string) => data.sites.find((s) => s.site_id === id)?.name || id
  const cards = html`<div class="cards">
    ${card('rec_impressions', m.col.impressions, f.int(cur.impressions), f.int(prev.impressions), guard(explainCountBase(m, f, prevLabel, prev.impressions, cur.impressions)), m.recsNote, f, m)}
    ${card('rec_clicks', m.col.clicks, f.int(cur.clicks), f.int(prev.clicks), guard(explainCountBase(m, f, prevLabel, prev.clicks, cur.clicks)), m.recsNote, f, m)}
    ${card('rec_ctr', m.col.ctr, f.pct(ctrCur, 2), f.pct(ctrPrev, 2), guard(explainRateBase(m, f, prevLabel, prev.clicks, prev.impressions, cur.clicks, cur.impressions)), m.recsNote, f, m, undefined, pointsChange(m, f, ctrCur, ctrPrev))}
  </div>`
  const siteRows = recs.bySite.filter((r) => r.current.impressions + r.previous.impressions > 0)
  const manySites = multiSite || siteRows.length > 1
  const bySite = manySites
    ? html`<h3>${m.recsBySite}</h3><table data-recs-sites><thead><tr><th>${m.col.site}</th><th class="n">${m.col.impressions}</th>
          <th class="n">${m.col.clicks}</th><th class="n">${m.col.ctr}</th><th class="n">${m.col.previous}</th><th class="n">${m.col.change}</th></tr></thead>
          <tbody>${siteRows.map((r) => {
            const c = rate(r.current.clicks, r.current.impressions)
            const p = rate(r.previous.clicks, r.previous.impressions)
            return html`<tr><td>${siteName(r.site_id)}</td><td class="n">${f.int(r.current.impressions)}</td><td class="n">${f.int(r.current.clicks)}</td>
              <td class="n">${f.pct(c, 2)}</td><td class="n">${f.pct(p, 2)}</td><td class="n">${pointsChange(m, f, c, p)}</td></tr>`
          })}</tbody></table>`
    : ''
  const bySource = html`<h3>${m.recsBySource}</h3><table data-recs-sources><thead><tr><th>${m.col.source}</th>
      <th class="n">${m.col.impressions}</th><th class="n">${m.col.clicks}</th><th class="n">${m.col.ctr}</th></tr></thead>
      <tbody>${recs.bySource
        .filter((r) => r.impressions + r.clicks > 0)
        .map(
          (
            r,
          ) => html`<tr><td>${m.recSource[r.source] ?? r.source}</td><td class="n">${f.int(r.impressions)}</td>
            <td class="n">${f.int(r.clicks)}</td><td class="n">${f.pct(rate(r.clicks, r.impressions), 2)}</td></tr>`,
        )}</tbody></table>`
  const top = recs.topClicked.length
    ? html`<h3>${m.recsTopClicked}</h3><table data-recs-top><thead><tr><th>#</th><th>${m.col.title}</th>${manySites ? html`<th>${m.col.site}</th>` : ''}
        <th>${m.col.section}</th><th class="n">${m.col.clicks}</th><th class="n">${m.col.shownIn}</th><th class="n">${m.col.ctr}</th></tr></thead>
        <tbody>${recs.topClicked.map(
          (
            a,
            i,
          ) => html`<tr><td class="n">${i + 1}</td><td>${a.title || a.article_id}</td>${manySites ? html`<td>${siteName(a.site_id)}</td>` : ''}
            <td>${a.section || m.unknownSection}</td><td class="n">${f.int(a.clicks)}</td><td class="n">${f.int(a.shown)}</td>
            <td class="n">${f.pct(rate(a.clicks, a.shown), 2)}</td></tr>`,
        )}</tbody></table>`
    : ''
  return html`<section data-recs><h2>${m.recs}</h2><p class="note">${m.recsNote}</p>${cards}${bySite}${bySource}${top}</section>`
}

/**
 * Renders a report to one HTML document (charts included).
 * @example const { html } = await renderReport(data, { lang: 'vi', agencyName: 'Báo Lâm Đồng', generatedAt: new Date() })
 */
export async function renderReport(data: ReportData, opts: RenderOptions): Promise<RenderedReport> {
  const { lang } = opts
  const m = messages(lang)
  const f = createFormatter(lang)
  const kind = data.period.kind
  const title = `${m.reportTitle[kind]} · ${opts.agencyName}`
  const periodText = kind === 'daily' ? f.date(data.period.to) : f.range(data.period.from, data.period.to)
  const prevText =
    kind === 'daily' ? f.date(data.period.prevTo) : f.range(data.period.prevFrom, data.period.prevTo)
  const hasData = data.current.pageviews > 0
  const generated = new Intl.DateTimeFormat(f.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Ho_Chi_Minh',
  }).format(opts.generatedAt)
  const multiSite = data.bySite.length > 1

  const head = html`<header>
    <div class="brand">${m.appName}</div>
    <h1>${title}</h1>
    <div class="meta">${m.period}: <strong>${periodText}</strong> · ${m.comparedWith}: ${prevText}</div>
    <div class="meta">${m.agency}: ${data.agency} · ${m.site}: ${data.sites.map((s) => s.name || s.site_id).join(', ') || '–'} · ${m.generatedAt}: ${generated}</div>
  </header>`

  const { cards, figures } = headline(data, m, f)
  let body: SafeHtml
  let insights: Insight[] = []
  if (!hasData) {
    body = html`<section class="nodata" data-nodata><strong>${m.noDataTitle}</strong><p>${m.noDataBody}</p><p class="note">${m.noDataNewSite}</p></section>`
  } else {
    insights = buildInsights(data, m, f)
    const points: SeriesPoint[] = data.timeline.flatMap((t) => {
      const x =
        kind === 'daily' ? String(t.index).padStart(2, '0') : f.shortDate(addDays(data.period.from, t.index))
      return [
        { x, order: t.index, series: m.seriesCurrent, value: t.current },
        { x, order: t.index, series: m.seriesPrevious, value: t.previous },
      ]
    })
    const timeline = await figure(
      kind === 'daily' ? m.chartHourly : m.chartDaily,
      timelineSpec(points, {
        x: kind === 'daily' ? m.axisHour : m.axisDay,
        y: m.axisViews,
        series: [m.seriesCurrent, m.seriesPrevious],
      }),
      lang,
    )
    const top = [...data.articles]
      .filter((a) => a.pageviews > 0)
      .sort((a, b) => b.pageviews - a.pageviews)
      .slice(0, 10)
    const topEngaged = [...data.articles]
      .filter((a) => a.engagedMs > 0)
      .sort((a, b) => b.engagedMs - a.engagedMs)
      .slice(0, 10)
    const rising = comparable(data) ? risingArticles(data).slice(0, 5) : []
    const sections = [...data.sections]
      .filter((s) => s.pageviews > 0 || s.prevPageviews > 0)
      .sort((a, b) => b.pageviews - a.pageviews)
    const authors = authorRows(data)
    const src = sourceTables(data, m, f)
    const devices = [...data.devices].filter((d) => d.pageviews > 0).sort((a, b) => b.pageviews - a.pageviews)
    const devTotal = devices.reduce((s, d) => s + d.pageviews, 0)
    const paywall = [...data.paywall]
      .filter((w) => w.shown + w.started + w.completed > 0)
      .sort((a, b) => b.shown - a.shown)
    const ret = data.returning

    const sectionChart = sections.length
      ? await figure(
          m.chartSections,
          barSpec(
            sections.slice(0, 12).map((s) => ({ label: s.section || m.unknownSection, value: s.pageviews })),
            { value: m.axisViews, format: ',d' },
          ),
          lang,
        )
      : ''
    const sourceChart = src.chartRows.length
      ? await figure(m.chartSources, barSpec(src.chartRows, { value: m.col.share, format: '.0%' }), lang)
      : ''
    const deviceChart = devices.length
      ? await figure(
          m.chartDevices,
          barSpec(
            devices.map((d) => ({ label: m.device[d.device] ?? d.device, value: d.pageviews })),
            { value: m.axisViews, format: ',d' },
          ),
          lang,
        )
      : ''
    const funnelTotals = paywall.reduce(
      (s, w) => ({
        shown: s.shown + w.shown,
        started: s.started + w.started,
        completed: s.completed + w.completed,
      }),
      { shown: 0, started: 0, completed: 0 },
    )
    const funnelChart = paywall.length
      ? await figure(
          m.chartFunnel,
          barSpec(
            [
              { label: m.col.shown, value: funnelTotals.shown },
              { label: m.col.started, value: funnelTotals.started },
              { label: m.col.completed, value: funnelTotals.completed },
            ],
            { value: m.axisViews, format: ',d' },
          ),
          lang,
        )
      : ''

    body = html`
    <section><h2>${m.headline}</h2>${cards}${forecastHeadline(data, m, f)}</section>
    <section><h2>${m.insights}</h2>${
      insights.length
        ? html`<ol class="insights" data-insights>${insights.map((i) => html`<li>${i.text}<span class="evidence">${i.evidence}</span></li>`)}</ol>`
        : html`<p class="note">${comparable(data) ? m.noInsights : m.incompletePrevious(data.coverage.previous, data.coverage.days)}</p>`
    }${timeline}</section>
    ${
      multiSite
        ? html`<section><h2>${m.bySite}</h2><table><thead><tr><th>${m.col.site}</th><th class="n">${m.col.views}</th><th class="n">${m.col.change}</th>
          <th class="n">${m.col.readers}</th><th class="n">${m.col.engaged}</th><th class="n">${m.col.readComplete}</th></tr></thead><tbody>${data.bySite.map(
            (
              s,
            ) => html`<tr><td>${s.name}${s.current.pageviews === 0 ? html` <span class="note">(${m.noDataTitle})</span>` : ''}</td>
              <td class="n">${f.int(s.current.pageviews)}</td>${changeCell(f, s.current.pageviews, s.previous.pageviews)}
              <td class="n">${f.int(s.current.readers)}</td><td class="n">${f.duration(s.current.engagedMs)}</td>
              <td class="n">${f.pct(rate(s.current.readCompletes, s.current.articleViews))}</td></tr>`,
          )}</tbody></table></section>`
        : ''
    }
    <section><h2>${m.topByViews}</h2>${articleTable(top, m, f, multiSite)}</section>
    <section><h2>${m.topByEngaged}</h2>${articleTable(topEngaged, m, f, multiSite)}</section>
    <section><h2>${m.rising}</h2>${
      rising.length
        ? articleTable(
            rising.map((r) => r.article),
            m,
            f,
            multiSite,
          )
        : html`<p class="note">${m.noRising}</p>`
    }</section>
    ${forecastSection(data, m, f)}
    <section><h2>${m.sections}</h2><div class="grid2"><table><thead><tr><th>${m.col.section}</th><th class="n">${m.col.views}</th>
      <th class="n">${m.col.change}</th><th class="n">${m.col.engagedPerView}</th><th class="n">${m.col.readComplete}</th></tr></thead><tbody>${sections.map(
        (
          s,
        ) => html`<tr><td>${s.section || m.unknownSection}</td><td class="n">${f.int(s.pageviews)}</td>${changeCell(f, s.pageviews, s.prevPageviews)}
          <td class="n">${f.seconds(s.pageviews ? s.engagedMs / 1000 / s.pageviews : null)}</td><td class="n">${f.pct(rate(s.readCompletes, s.pageviews))}</td></tr>`,
      )}</tbody></table>${sectionChart}</div></section>
    <section><h2>${m.authors}</h2>${
      authors.length
        ? html`<table><thead><tr><th>${m.col.author}</th><th class="n">${m.col.articles}</th><th class="n">${m.col.views}</th>
          <th class="n">${m.col.engagedPerView}</th><th class="n">${m.col.readComplete}</th></tr></thead><tbody>${authors.map(
            (
              a,
            ) => html`<tr><td>${a.author}</td><td class="n">${f.int(a.articles)}</td><td class="n">${f.int(a.pageviews)}</td>
              <td class="n">${f.seconds(a.engagedMs / 1000 / a.pageviews)}</td><td class="n">${f.pct(rate(a.readCompletes, a.pageviews))}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="note">${m.noAuthors}</p>`
    }</section>
    <section><h2>${m.sources}</h2>${src.summary}<div class="grid2"><div><h3>${m.sourceClasses}</h3>${src.classTable}</div>
      <div><h3>${m.topSources}</h3>${src.sourceTable}</div></div>${sourceChart}</section>
    <section><h2>${m.devices}</h2><div class="grid2"><table><thead><tr><th>${m.col.device}</th><th class="n">${m.col.views}</th>
      <th class="n">${m.col.share}</th><th class="n">${m.col.change}</th></tr></thead><tbody>${devices.map(
        (d) => html`<tr><td>${m.device[d.device] ?? d.device}</td><td class="n">${f.int(d.pageviews)}</td>
          <td class="n">${f.pct(devTotal ? d.pageviews / devTotal : null)}</td>${changeCell(f, d.pageviews, d.prevPageviews)}</tr>`,
      )}</tbody></table>${deviceChart}</div></section>
    <section><h2>${m.readersNewReturning}</h2><p class="note">${m.cookielessNote}</p>
      <table><tbody>
        ${
          ret.consentedReaders > 0
            ? html`<tr><td>${m.consentedReaders}</td><td class="n">${f.int(ret.consentedReaders)}</td><td></td></tr>
              <tr><td>— ${m.consentedReturning}</td><td class="n">${f.int(ret.consentedReturning)}</td><td class="n">${f.pct(ret.consentedReturning / ret.consentedReaders)}</td></tr>
              <tr><td>— ${m.consentedNew}</td><td class="n">${f.int(ret.consentedReaders - ret.consentedReturning)}</td><td class="n">${f.pct(1 - ret.consentedReturning / ret.consentedReaders)}</td></tr>`
            : html`<tr><td colspan="3">${m.consentedNone}</td></tr>`
        }
        <tr><td>${m.multiSessionReaders}<span class="evidence">${m.multiSessionNote}</span></td><td class="n">${f.int(ret.multiSessionReaderDays)}</td>
          <td class="n">${f.pct(ret.readerDays ? ret.multiSessionReaderDays / ret.readerDays : null)}</td></tr>
      </tbody></table></section>
    <section><h2>${m.paywall}</h2>${
      paywall.length
        ? html`<div><table><thead><tr><th>${m.col.section}</th><th class="n">${m.col.shown}</th><th class="n">${m.col.started}</th>
          <th class="n">${m.col.completed}</th><th class="n">${m.col.conversion}</th></tr></thead><tbody>${paywall.map(
            (
              w,
            ) => html`<tr><td>${w.section || m.unknownSection}</td><td class="n">${f.int(w.shown)}</td><td class="n">${f.int(w.started)}</td>
              <td class="n">${f.int(w.completed)}</td><td class="n">${f.pct(rate(w.completed, w.shown), 2)}</td></tr>`,
          )}</tbody></table>${funnelChart}</div>`
        : html`<p class="note">${m.noPaywall}</p>`
    }</section>
    ${recommendationSection(data, m, f, multiSite)}
    <section><h2>${m.publishing}</h2><p class="note">${m.publishingNote}</p>${
      data.publishing.some((p) => p.bestHour !== null || p.peakHour !== null)
        ? html`<table><thead><tr><th>${m.col.section}</th><th class="n">${m.col.bestHour}</th><th class="n">${m.col.articles}</th>
          <th class="n">${m.col.bestHourViews}</th><th class="n">${m.col.peakHour}</th></tr></thead><tbody>${data.publishing.map(
            (
              p,
            ) => html`<tr><td>${p.section || m.unknownSection}</td><td class="n">${p.bestHour === null ? '–' : f.hour(p.bestHour)}</td>
              <td class="n">${p.bestHour === null ? '–' : f.int(p.bestHourArticles)}</td>
              <td class="n">${p.bestHour === null ? '–' : f.num(p.bestHourEngagedMs / 60_000)}</td>
              <td class="n">${p.peakHour === null ? '–' : f.hour(p.peakHour)}</td></tr>`,
          )}</tbody></table>${data.publishing.every((p) => p.bestHour === null) ? html`<p class="note">${m.noPublishing}</p>` : ''}`
        : html`<p class="note">${m.noPublishing}</p>`
    }</section>`
  }

  const doc = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<title>${title} · ${periodText}</title>
<style>${trusted(CSS)}</style>
</head>
<body>
<main>
${head}
${body}
<footer>${m.footer}</footer>
</main>
</body>
</html>
`
  return { html: doc.value.normalize('NFC'), hasData, insights, headline: figures }
}
