// Charts rendered on the server: vega-lite spec → vega → SVG string (renderer 'none', no canvas, no
// network), inlined in the report. Vega escapes every text it writes, so reader-supplied labels are safe.
import { parse as parseVega, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import type { Lang } from './i18n.ts'

const NUMBER_LOCALE: Record<
  Lang,
  { decimal: string; thousands: string; grouping: number[]; currency: [string, string] }
> = {
  vi: { decimal: ',', thousands: '.', grouping: [3], currency: ['', '\u00a0₫'] },
  en: { decimal: '.', thousands: ',', grouping: [3], currency: ['£', ''] },
}

const WIDTH = 560

function baseConfig(lang: Lang) {
  return {
    locale: { number: NUMBER_LOCALE[lang] },
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif',
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 11, grid: true, gridColor: '#e5e7eb', domainColor: '#9ca3af' },
    legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top' },
    range: { category: ['#0f766e', '#9ca3af', '#b45309', '#1d4ed8', '#be123c', '#6d28d9'] },
    background: 'white',
  }
}

/**
 * Renders a vega-lite spec to an SVG string.
 * @example const svg = await renderSvg({ mark: 'bar', data: { values }, encoding: { … } }, 'vi')
 */
export async function renderSvg(
  spec: Omit<TopLevelSpec, 'config'> & Record<string, unknown>,
  lang: Lang,
): Promise<string> {
  const full = { ...spec, config: baseConfig(lang) } as TopLevelSpec
  const view = new View(parseVega(compile(full).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

export interface SeriesPoint {
  x: string
  order: number
  series: string
  value: number
}

/** This period vs the previous one over hours or days. */
export function timelineSpec(
  points: SeriesPoint[],
  labels: { x: string; y: string; series: [string, string] },
) {
  return {
    width: WIDTH,
    height: 180,
    data: { values: points },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: labels.x, sort: { field: 'order' }, axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: labels.y, axis: { format: ',d' } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: labels.series } },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: {
          domain: labels.series,
          range: [
            [1, 0],
            [4, 3],
          ],
        },
      },
    },
  }
}

/** Horizontal bars, largest first; `format` is a d3 format for the value axis. */
export function barSpec(
  rows: Array<{ label: string; value: number }>,
  labels: { value: string; format: string },
) {
  return {
    width: 260,
    height: { step: 20 },
    data: { values: rows },
    mark: { type: 'bar', color: '#0f766e' },
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: '-x', axis: { labelLimit: 150 } },
      x: { field: 'value', type: 'quantitative', title: labels.value, axis: { format: labels.format } },
      tooltip: null,
    },
  }
}
