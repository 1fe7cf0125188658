// The forecast parts of a report: the "vs forecast" line under the headline cards, and a section with the
// coming days' forecast, the anomalies of the period with their likely driver, and high-potential stories.
// Pure: data comes from readForecast (data.ts); every string goes through the escaping `html` template.
import type { ReportData } from './data.ts'
import type { Formatter } from './format.ts'
import { html, type SafeHtml } from './html.ts'
import type { Messages } from './i18n.ts'

/** "vs forecast" under the headline cards, when the period was forecast before it began. */
export function forecastHeadline(data: ReportData, m: Messages, f: Formatter): SafeHtml | '' {
  const fc = data.forecast
  if (fc?.pageviews === undefined) return ''
  const actual = data.current.pageviews
  const lo = fc.pageviewsP10 ?? fc.pageviews
  const hi = fc.pageviewsP90 ?? fc.pageviews
  const position = actual > hi ? 'above' : actual < lo ? 'below' : 'inside'
  const change = f.change(fc.pageviews > 0 ? actual / fc.pageviews - 1 : null)
  return html`<p class="note" data-vs-forecast="${position}">${m.fc.vsForecast(position, change, f.int(fc.pageviews), f.int(lo), f.int(hi))}</p>`
}

function anomalyWhat(
  a: NonNullable<NonNullable<ReportData['forecast']>['anomalies']>[number],
  m: Messages,
  data: ReportData,
) {
  const site = data.sites.find((s) => s.site_id === a.site_id)?.name || a.site_id
  if (a.kind === 'article') return m.fc.articleFirstDay(a.title || a.key)
  if (a.kind === 'section') return m.fc.sectionOf(a.key || m.unknownSection, site)
  return m.fc.wholeSite(site)
}

/**
 * The forecast section: outlook, anomalies, high-potential stories; a clear note when no forecast run covers
 * the report.
 */
export function forecastSection(data: ReportData, m: Messages, f: Formatter): SafeHtml {
  const fc = data.forecast
  if (!fc)
    return html`<section data-forecast><h2>${m.fc.section}</h2><p class="note">${m.fc.noForecast}</p></section>`
  const outlook = fc.outlook ?? []
  const first = outlook[0]
  const total = outlook.reduce((s, d) => s + d.p50, 0)
  const outlookPart = outlook.length
    ? html`<h3>${m.fc.outlook}</h3>
      ${first ? html`<p data-outlook-first>${m.fc.outlookLead(f.date(first.day), f.int(first.p50), f.int(first.p10), f.int(first.p90))} ${m.fc.outlookTotal(outlook.length, f.int(total))}</p>` : ''}
      <div class="grid2"><table data-outlook><thead><tr><th>${m.fc.colDay}</th><th class="n">${m.fc.colExpected}</th><th class="n">${m.fc.colRange}</th></tr></thead>
      <tbody>${outlook.map(
        (d) =>
          html`<tr><td>${f.date(d.day)}</td><td class="n">${f.int(d.p50)}</td><td class="n">${f.int(d.p10)}–${f.int(d.p90)}</td></tr>`,
      )}</tbody></table>${
        fc.outlookSections?.length
          ? html`<table><thead><tr><th>${m.fc.leadingSections}</th><th class="n">${m.fc.colExpected}</th></tr></thead><tbody>${fc.outlookSections.map(
              (s) =>
                html`<tr><td>${s.section || m.unknownSection}</td><td class="n">${f.int(s.p50)}</td></tr>`,
            )}</tbody></table>`
          : ''
      }</div><p class="note">${m.fc.rangeNote} ${m.fc.modelVersion(fc.modelVersion ?? '')}</p>`
    : ''
  const anomalies = fc.anomalies ?? []
  const anomalyPart = html`<h3>${m.fc.anomalies}</h3>${
    anomalies.length
      ? html`<table data-anomalies><thead><tr><th>${m.fc.colWhen}</th><th>${m.fc.colWhat}</th><th class="n">${m.fc.colActual}</th>
          <th class="n">${m.fc.colForecast}</th><th class="n">${m.fc.colDeviation}</th><th>${m.fc.colDriver}</th></tr></thead><tbody>${anomalies.map(
            (
              a,
            ) => html`<tr><td>${a.time}</td><td>${anomalyWhat(a, m, data)}</td><td class="n">${f.int(a.actual)}</td>
              <td class="n">${f.int(a.p50)} (${f.int(a.p10)}–${f.int(a.p90)})</td>
              <td class="n ${a.direction === 'above' ? 'up' : 'down'}">${a.direction === 'above' ? m.fc.above(f.pct(a.size)) : m.fc.below(f.pct(a.size))}</td>
              <td>${
                a.driverKind === 'referrer'
                  ? m.fc.driverReferrer(m.referrerClass[a.driver] ?? a.driver)
                  : a.driverKind === 'article'
                    ? m.fc.driverArticle(a.title || a.driver)
                    : m.fc.noDriver
              }</td></tr>`,
          )}</tbody></table>`
      : html`<p class="note">${m.fc.noAnomalies}</p>`
  }`
  const potential = fc.potential ?? []
  const potentialPart = potential.length
    ? html`<h3>${m.fc.potential}</h3><p class="note">${m.fc.potentialNote}</p>
      <table data-potential><thead><tr><th>${m.col.title}</th><th>${m.col.section}</th><th class="n">${m.fc.colSoFar}</th>
        <th class="n">${m.fc.col72h}</th><th class="n">${m.fc.colVsFirstHour}</th></tr></thead><tbody>${potential.map(
          // Views so far bound the expectation from below (the forecast sees only the first hour).
          (
            p,
          ) => html`<tr><td>${p.title || m.untitled}</td><td>${p.section || m.unknownSection}</td><td class="n">${f.int(p.viewsSoFar)}</td>
            <td class="n">${f.int(Math.max(p.p50_72h, p.viewsSoFar))}</td>
            <td class="n">${p.method === 'model' && p.loglinear24h > 0 ? f.change(p.p50_24h / p.loglinear24h - 1) : '–'}</td></tr>`,
        )}</tbody></table>`
    : ''
  return html`<section data-forecast><h2>${m.fc.section}</h2>${outlookPart}${anomalyPart}${potentialPart}</section>`
}
