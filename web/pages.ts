// The web app's pages as pure functions of their data: escaped HTML (the jobs' `html` template), inline CSS,
// no script at all, forms that post back to the same origin with the session's CSRF token.

import type { RecommendationsOverview } from '../jobs/recommend/recommendations-table.ts'
import { createFormatter, type Formatter } from '../jobs/reports/format.ts'
import { html, type SafeHtml, trusted } from '../jobs/reports/html.ts'
import { type Lang, type Messages, messages } from '../jobs/reports/i18n.ts'
import type { ListedReport } from '../jobs/reports/reports-table.ts'
import type { Role } from './users.ts'

export interface Viewer {
  username: string
  agency_id: string
  role: Role
  csrf: string
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:#111827;background:#f3f4f6}
nav{display:flex;gap:16px;align-items:center;padding:10px 20px;background:#0f766e;color:#fff}
nav a{color:#fff;text-decoration:none;font-weight:600}nav .me{margin-left:auto;font-size:13px;opacity:.9}
nav form{margin:0}nav button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:3px 10px;cursor:pointer}
main{max-width:960px;margin:20px auto;background:#fff;padding:20px 24px;border-radius:8px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:20px 0 8px}
table{width:100%;border-collapse:collapse;font-size:14px}th,td{padding:6px;border-bottom:1px solid #e5e7eb;text-align:left}
th{color:#6b7280;font-size:12px}td.n{text-align:right;font-variant-numeric:tabular-nums}
form.login{max-width:340px;margin:40px auto;display:grid;gap:10px}
label{display:grid;gap:4px;font-size:14px}input{font:inherit;padding:8px;border:1px solid #d1d5db;border-radius:4px}
textarea{font:13px/1.4 ui-monospace,monospace;width:100%;min-height:140px;padding:8px;border:1px solid #d1d5db;border-radius:4px}
form.sql{display:grid;gap:8px;margin-bottom:12px}form.sql div{display:flex;gap:8px}form.sql button{padding:6px 16px}
button.primary{font:inherit;padding:9px;background:#0f766e;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#b91c1c;background:#fef2f2;padding:8px;border-radius:4px}.note{color:#6b7280;font-size:13px}
`

function layout(lang: Lang, title: string, body: SafeHtml, viewer?: Viewer): string {
  const m = messages(lang)
  const nav = viewer
    ? html`<nav><a href="/app/reports">${m.web.reports}</a><a href="/app/insights">${m.web.insightsPage}</a>${
        viewer.role === 'editor' ? '' : html`<a href="/app/sql">${m.web.sqlPage}</a>`
      }
        <span class="me">${m.web.signedInAs(viewer.username, viewer.agency_id, m.web.role[viewer.role])}</span>
        <form method="post" action="/app/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">${m.web.signOut}</button></form></nav>`
    : html`<nav><span>${m.appName}</span></nav>`
  return html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${title} · ${m.appName}</title><style>${trusted(CSS)}</style></head>
<body>${nav}<main>${body}</main></body></html>
`.value.normalize('NFC')
}

export function loginPage(lang: Lang, opts: { csrf: string; error?: string; username?: string }): string {
  const m = messages(lang)
  return layout(
    lang,
    m.web.signIn,
    html`<form class="login" method="post" action="/app/login">
      <h1>${m.web.signIn}</h1>
      ${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
      <input type="hidden" name="csrf" value="${opts.csrf}">
      <label>${m.web.username}<input name="username" autocomplete="username" required value="${opts.username ?? ''}"></label>
      <label>${m.web.password}<input name="password" type="password" autocomplete="current-password" required></label>
      <button class="primary" type="submit">${m.web.signIn}</button>
    </form>`,
  )
}

function reportHref(r: ListedReport): string {
  return `/app/reports/${encodeURIComponent(r.agency_id)}/${r.kind}-${r.period_end}.${r.lang}.html`
}

export function reportListPage(lang: Lang, viewer: Viewer, reports: ListedReport[]): string {
  const m = messages(lang)
  const f: Formatter = createFormatter(lang)
  const created = new Intl.DateTimeFormat(f.locale, {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Asia/Ho_Chi_Minh',
  })
  return layout(
    lang,
    m.web.reports,
    html`<h1>${m.web.reports} · ${viewer.agency_id}</h1>${
      reports.length
        ? html`<table><thead><tr><th>${m.period}</th><th>${m.web.kind}</th><th>${m.web.language}</th><th class="n">${m.metric.pageviews}</th>
          <th>${m.web.created}</th><th></th></tr></thead><tbody>${reports.map(
            (
              r,
            ) => html`<tr><td>${r.kind === 'daily' ? f.date(r.period_end) : f.range(r.period_start, r.period_end)}</td>
              <td>${m.reportTitle[r.kind]}</td><td>${r.lang === 'vi' ? 'Tiếng Việt' : 'English'}</td>
              <td class="n">${r.has_data ? f.int(r.headline.pageviews ?? 0) : m.noDataTitle}</td>
              <td>${created.format(r.created_at)}</td><td><a href="${reportHref(r)}">${m.web.open}</a></td></tr>`,
          )}</tbody></table>`
        : html`<p class="note">${m.web.noReports}</p>`
    }<p class="note">${m.web.sqlNote}</p>`,
    viewer,
  )
}

export interface TablePreview {
  columns: string[]
  rows: unknown[][]
}

function previewTable(t: TablePreview | undefined, m: Messages): SafeHtml {
  if (!t?.rows.length) return html`<p class="note" data-empty>${m.web.notAvailable}</p>`
  const cell = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
  return html`<table><thead><tr>${t.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
    <tbody>${t.rows.map((r) => html`<tr>${r.map((v) => html`<td>${cell(v)}</td>`)}</tr>`)}</tbody></table>`
}

// Recommendations region: the nightly job's latest lists for the viewer's agency (labels kept here: only this
// page uses them).
const REC_LABELS = {
  vi: {
    run: (when: string, version: number, articles: string, readers: string) =>
      `Lần chạy thành công gần nhất: ${when} · ${version > 0 ? `mô hình v${version}` : 'chưa có mô hình (chỉ danh sách dự phòng)'} · ${articles} danh sách theo bài · ${readers} danh sách cho độc giả (không hiển thị)`,
    source: 'Bài đang đọc',
    rank: 'Hạng',
    recommended: 'Bài được gợi ý',
    section: 'Chuyên mục',
    reason: 'Lý do',
    score: 'Điểm',
    reasons: { related: 'Liên quan', for_you: 'Dành cho bạn', trending: 'Đang được đọc nhiều', fresh: 'Mới' },
  },
  en: {
    run: (when: string, version: number, articles: string, readers: string) =>
      `Latest successful run: ${when} · ${version > 0 ? `model v${version}` : 'no model yet (fallback lists only)'} · ${articles} article lists · ${readers} reader lists (not shown)`,
    source: 'Article being read',
    rank: 'Rank',
    recommended: 'Recommended article',
    section: 'Section',
    reason: 'Reason',
    score: 'Score',
    reasons: { related: 'Related', for_you: 'For you', trending: 'Trending', fresh: 'Fresh' },
  },
} as const

function recommendationsSection(lang: Lang, o: RecommendationsOverview | undefined, m: Messages): SafeHtml {
  if (!o?.rows.length) return html`<p class="note" data-empty>${m.web.notAvailable}</p>`
  const l = REC_LABELS[lang]
  const f = createFormatter(lang)
  const when = new Intl.DateTimeFormat(f.locale, {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Asia/Ho_Chi_Minh',
  }).format(new Date(o.generatedAt))
  const reason = (r: string) => (l.reasons as Record<string, string>)[r] ?? r
  const score = new Intl.NumberFormat(f.locale, { maximumFractionDigits: 2 })
  return html`<p class="note">${l.run(when, o.modelVersion, f.int(o.articleLists), f.int(o.visitorLists))}</p>
    <table data-recommendations><thead><tr><th>${l.source}</th><th class="n">${l.rank}</th><th>${l.recommended}</th>
      <th>${l.section}</th><th>${l.reason}</th><th class="n">${l.score}</th></tr></thead>
    <tbody>${o.rows.map(
      (r) => html`<tr><td>${r.rank === 1 ? r.sourceTitle || r.sourceId : ''}</td><td class="n">${r.rank}</td>
        <td>${r.title || r.articleId}</td><td>${r.section}</td><td>${reason(r.reason)}</td>
        <td class="n">${score.format(r.score)}</td></tr>`,
    )}</tbody></table>`
}

export function insightsPage(
  lang: Lang,
  viewer: Viewer,
  data: { recommendations?: RecommendationsOverview | null; forecasts?: TablePreview },
): string {
  const m = messages(lang)
  return layout(
    lang,
    m.web.insightsPage,
    html`<h1>${m.web.insightsPage}</h1>
      <h2>${m.web.recommendations}</h2>${recommendationsSection(lang, data.recommendations ?? undefined, m)}
      <h2>${m.web.forecasts}</h2>${previewTable(data.forecasts, m)}`,
    viewer,
  )
}

export function sqlPage(
  lang: Lang,
  viewer: Viewer,
  data: { query: string; result?: TablePreview & { truncated: boolean }; error?: string },
): string {
  const m = messages(lang)
  const f = createFormatter(lang)
  const r = data.result
  return layout(
    lang,
    m.web.sqlPage,
    html`<h1>${m.web.sqlPage}</h1><p class="note">${m.web.sqlIntro}</p>
      <form class="sql" method="post" action="/app/sql">
        <input type="hidden" name="csrf" value="${viewer.csrf}">
        <textarea name="query" spellcheck="false" required>${data.query}</textarea>
        <div><button class="primary" type="submit" name="format" value="html">${m.web.sqlRun}</button>
        <button type="submit" name="format" value="csv">${m.web.sqlCsv}</button></div>
      </form>
      ${data.error ? html`<p class="error" role="alert">${data.error}</p>` : ''}
      ${
        r
          ? html`<p class="note" data-rows="${r.rows.length}">${
              r.truncated ? m.web.sqlTruncated(f.int(r.rows.length)) : m.web.sqlRows(f.int(r.rows.length))
            }</p>${r.rows.length ? previewTable(r, m) : ''}`
          : ''
      }`,
    viewer,
  )
}

export function messagePage(lang: Lang, title: string, text: string, viewer?: Viewer): string {
  return layout(lang, title, html`<h1>${title}</h1><p>${text}</p>`, viewer)
}
