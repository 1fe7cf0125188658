// `nhip forecast eval`: rolling-origin backtest of the forecast model against the baselines on a CSV of
// daily or hourly values (one or many series), with the method each series would be served.
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { AppError, ConfigError } from '../../infra/errors.ts'
import {
  type BacktestResult,
  backtestForecast,
  CsvImportError,
  METHOD_NAMES,
  type MethodMetrics,
  readSeriesCsv,
  seriesFromObservations,
} from '../../models/forecast/index.ts'
import { initTf, parseTfBackend } from '../../models/tf/index.ts'
import type { Context } from '../context.ts'
import { renderTable } from './sql.ts'

export interface ForecastEvalFlags {
  csv: string
  dateCol: string
  valueCol: string
  seriesCol?: string
  horizon: string
  freq?: string
  folds?: string
  json?: boolean
  holidays?: string
  align?: string
  fill?: string
  model?: boolean
  ensemble?: string
  backend?: string
}

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be ≥ ${min}`)
    .max(max, `${name} must be ≤ ${max}`)

const FlagsSchema = z.object({
  horizon: int('--horizon', 1, 24 * 366),
  folds: int('--folds', 1, 52).default(3),
  ensemble: int('--ensemble', 1, 10).default(3),
  freq: z.enum(['daily', 'hourly'], { error: '--freq must be daily or hourly' }).default('daily'),
  holidays: z.enum(['vn', 'none'], { error: '--holidays must be vn or none' }).default('vn'),
  align: z.enum(['clock', 'end'], { error: '--align must be clock or end' }).default('clock'),
  fill: z
    .enum(['interpolate', 'zero'], { error: '--fill must be interpolate or zero' })
    .default('interpolate'),
})

export type ForecastEvalSettings = z.infer<typeof FlagsSchema>

/** Validates the flags (zod at the CLI boundary); a bad value is a ConfigError naming the flag. */
export function parseForecastEvalFlags(flags: ForecastEvalFlags): ForecastEvalSettings {
  const parsed = FlagsSchema.safeParse({
    horizon: flags.horizon,
    folds: flags.folds,
    ensemble: flags.ensemble,
    freq: flags.freq,
    holidays: flags.holidays,
    align: flags.align,
    fill: flags.fill,
  })
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '))
  return parsed.data
}

const num = (x: number | null, digits: number) => (x === null ? '—' : x.toFixed(digits))
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)

/** The human-readable report: methods side by side, the served result, the choice per series, notes. */
export function renderForecastReport(r: BacktestResult, seriesCount: number): string {
  const scored = r.origins.filter((o) => o.role === 'scored').map((o) => o.origin)
  const lines = [
    `Backtest: ${seriesCount} series, ${r.freq}, horizon ${r.horizon}, ${r.folds} scored fold${r.folds === 1 ? '' : 's'} (+${r.selection_folds} for method selection)` +
      (scored.length > 0 ? `, origins ${scored[0]} … ${scored.at(-1)}` : ''),
    '',
  ]
  const row = (name: string, m: MethodMetrics | null) => [
    name,
    num(m?.mase ?? null, 3),
    num(m?.smape ?? null, 1),
    pct(m?.coverage ?? null),
    String(m?.n ?? 0),
  ]
  const rows = METHOD_NAMES.filter((m) => r.methods[m] !== null || m === 'model').map((m) =>
    row(m, r.methods[m]),
  )
  rows.push(row('served', r.served.overall))
  lines.push(renderTable(['method', 'MASE', 'sMAPE', 'p10–p90 coverage', 'series×folds'], rows).trimEnd())
  const ratio = r.served.overall?.mase_ratio_vs_seasonal_naive ?? null
  lines.push(`served MASE / seasonal naive MASE: ${num(ratio, 3)}`)
  if (r.ensemble_weights) {
    const w = Object.entries(r.ensemble_weights).map(([m, x]) => `${m} ${num(x ?? null, 2)}`)
    lines.push(`ensemble weights (1 / backtest MASE): ${w.join(', ')}`)
  }
  lines.push('')
  const per = Object.entries(r.served.per_series).map(([id, s]) => [id, s.method ?? '—', s.notes.join('; ')])
  lines.push('Served method per series:', renderTable(['series', 'method', 'notes'], per).trimEnd())
  if (r.notes.length > 0) lines.push('', 'Notes:', ...r.notes.map((n) => `  - ${n}`))
  lines.push(
    '',
    `time: ${r.timing.seconds.toFixed(1)} s (training ${r.timing.train_seconds.toFixed(1)} s)`,
    '',
  )
  return lines.join('\n')
}

/** `--backend`, else `NHIP_TF_BACKEND`; a bad name is a ConfigError naming where it came from. */
function tfBackendSetting(flag: string | undefined, env: string | undefined) {
  try {
    return parseTfBackend(flag ?? env)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    throw new ConfigError(flag === undefined ? msg : msg.replace('NHIP_TF_BACKEND', '--backend'))
  }
}

export async function forecastEvalCommand(ctx: Context, flags: ForecastEvalFlags): Promise<void> {
  const settings = parseForecastEvalFlags(flags)
  let text: string
  try {
    text = await readFile(flags.csv, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read ${flags.csv}: ${err instanceof Error ? err.message : String(err)}`)
  }
  let series: ReturnType<typeof seriesFromObservations>
  try {
    const obs = readSeriesCsv(text, {
      dateCol: flags.dateCol,
      valueCol: flags.valueCol,
      ...(flags.seriesCol === undefined ? {} : { seriesCol: flags.seriesCol }),
      freq: settings.freq,
    })
    series = seriesFromObservations(obs.bySeries, settings.freq, { fill: settings.fill })
  } catch (err) {
    if (err instanceof CsvImportError) throw new AppError(err.code, `${flags.csv}: ${err.message}`)
    throw err
  }
  const useModel = flags.model !== false
  const tf = useModel
    ? (
        await initTf({
          // The composition root reads the env; models/tf never does.
          backend: tfBackendSetting(flags.backend, process.env.NHIP_TF_BACKEND),
          log: (msg, fields) => ctx.log.info(fields ?? {}, msg),
        })
      ).tf
    : undefined
  const result = await backtestForecast(series, {
    freq: settings.freq,
    horizon: settings.horizon,
    folds: settings.folds,
    align: settings.align,
    model: useModel ? { holidays: settings.holidays === 'vn', ensemble: settings.ensemble } : false,
    ...(tf ? { tf } : {}),
    onProgress: (e) => {
      if (e.kind === 'fold')
        ctx.log.info(
          { fold: e.fold, folds: e.folds, role: e.role, origin: e.origin },
          'forecast backtest fold',
        )
      else if (e.kind === 'note') ctx.log.warn({}, e.message)
      else if (e.epoch === 1 || e.epoch % 10 === 0 || e.epoch === e.epochs) {
        ctx.log.info(
          {
            fold: e.fold,
            member: `${e.member}/${e.members}`,
            phase: e.phase,
            epoch: e.epoch,
            loss: Number(e.loss.toFixed(5)),
            val_loss: e.valLoss === undefined ? null : Number(e.valLoss.toFixed(5)),
            windows_per_s: Math.round(e.windowsPerSec),
          },
          'forecast training',
        )
      }
    },
  })
  process.stdout.write(
    flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderForecastReport(result, series.length),
  )
}
