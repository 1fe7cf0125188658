// `nhip recs eval`: offline evaluation of the recommender on a CSV of reads (time-based split; the model
// against most-read, trending and item-kNN baselines), optionally publishing the model to a file registry.
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { z } from 'zod'
import { ConfigError } from '../../infra/errors.ts'
import {
  type CsvImport,
  type CsvRowError,
  evaluateRecommenders,
  type EvaluationReport,
  type Interaction,
  type ItemMeta,
  METHODS,
  parseInteractionsCsv,
  parseItemsCsv,
  publishVersion,
} from '../../models/recommend/index.ts'
import { initTf, matmulGflops, parseTfBackend, TF_BACKENDS } from '../../models/tf/index.ts'
import type { Context } from '../context.ts'

export interface RecsEvalFlags {
  interactions: string
  items?: string
  json?: boolean
  testDays?: string
  maxQueries?: string
  epochs?: string
  tolerance?: string
  skipBadRows?: boolean
  backend?: string
  registry?: string
}

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be ≥ ${min}`)
    .max(max, `${name} must be ≤ ${max}`)

const FlagsSchema = z.object({
  testDays: int('--test-days', 1, 365).default(1),
  maxQueries: int('--max-queries', 1, 10_000_000).default(20_000),
  epochs: int('--epochs', 1, 100).default(2),
  tolerance: z.coerce.number({ error: '--tolerance must be a number' }).min(0).max(1).default(0.005),
})

/** Parses the numeric flags (zod at the CLI boundary); a bad value is a ConfigError naming the flag. */
export function parseRecsEvalFlags(flags: RecsEvalFlags): z.infer<typeof FlagsSchema> {
  const parsed = FlagsSchema.safeParse({
    testDays: flags.testDays,
    maxQueries: flags.maxQueries,
    epochs: flags.epochs,
    tolerance: flags.tolerance,
  })
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '))
  return parsed.data
}

/** One line per bad row, at most `limit`, naming the file and line. */
export function describeRowErrors(file: string, errors: readonly CsvRowError[], limit = 10): string {
  const lines = errors.slice(0, limit).map((e) => `  ${file} line ${e.line}: ${e.message}`)
  if (errors.length > limit) lines.push(`  … and ${errors.length - limit} more`)
  return lines.join('\n')
}

async function readCsv<T>(
  ctx: Context,
  path: string,
  parse: (text: string) => CsvImport<T>,
  skipBad: boolean,
): Promise<{ rows: T[]; rejected: number }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const { rows, errors } = parse(text)
  const file = basename(path)
  if (errors.length > 0) {
    if (!skipBad) {
      throw new ConfigError(
        `${errors.length} bad row${errors.length > 1 ? 's' : ''} in ${path} (use --skip-bad-rows to leave them out):\n${describeRowErrors(file, errors)}`,
      )
    }
    ctx.log.warn(
      { file: path, rejected: errors.length, accepted: rows.length },
      `rejected ${errors.length} bad rows:\n${describeRowErrors(file, errors)}`,
    )
  }
  return { rows, rejected: errors.length }
}

function renderText(report: EvaluationReport, backend: string, gflops: number): string {
  const s = report.split
  const lines = [
    `Time split: train ${s.train_from ?? '—'} … ${s.train_to ?? '—'} (${s.train_reads} reads), test ${s.test_from ?? '—'} … ${s.test_to ?? '—'} (${s.test_reads} reads, ${s.test_days} day(s))`,
    `Queries: ${s.queries} (skipped: ${s.skipped_no_history} without history, ${s.skipped_repeat_read} re-reads); ${s.cold_item_queries} read an article with no training reads`,
    '',
    `${'method'.padEnd(16)}${'recall@10'.padStart(10)}${'ndcg@10'.padStart(10)}${'mrr'.padStart(10)}${'coverage'.padStart(10)}`,
  ]
  for (const m of METHODS) {
    const r = report.methods[m]
    const cell = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4)).padStart(10)
    lines.push(
      `${m.padEnd(16)}${cell(r?.['recall@10'])}${cell(r?.['ndcg@10'])}${cell(r?.mrr)}${cell(r?.coverage)}`,
    )
  }
  const coldLines = METHODS.flatMap((m) => {
    const c = report.cold_start[m]
    return c
      ? [
          `${m.padEnd(16)}${c['recall@10'].toFixed(4).padStart(10)}${`${c.clicked}/${c.queries}`.padStart(12)}${c.lists_with_cold_items.toFixed(4).padStart(14)}`,
        ]
      : []
  })
  if (s.cold_item_queries > 0 && coldLines.length)
    lines.push(
      '',
      `Cold start (articles with no training reads): ${'recall@10'.padStart(10)}${'read/queries'.padStart(12)}${'lists w/ cold'.padStart(14)}`,
      ...coldLines,
    )
  const t = report.training
  lines.push(
    '',
    t.trained
      ? `Model: ${t.epochs} epoch(s) over ${t.examples} examples in ${t.seconds} s (${t.examples_per_s} examples/s, ${backend}, matmul ${gflops.toFixed(1)} GFLOP/s)`
      : `Model: not trained (${t.reason ?? 'no data'})`,
    `Served: ${report.served}`,
  )
  for (const n of report.notes) lines.push(`Note: ${n}`)
  return `${lines.join('\n')}\n`
}

export async function recsEvalCommand(ctx: Context, flags: RecsEvalFlags): Promise<void> {
  const opts = parseRecsEvalFlags(flags)
  const skipBad = flags.skipBadRows === true
  const interactions = await readCsv<Interaction>(ctx, flags.interactions, parseInteractionsCsv, skipBad)
  const items = flags.items
    ? await readCsv<ItemMeta>(ctx, flags.items, parseItemsCsv, skipBad)
    : { rows: [], rejected: 0 }
  if (interactions.rows.length === 0)
    ctx.log.warn({ file: flags.interactions }, 'no interactions: only the fallbacks can be evaluated')
  let requested: ReturnType<typeof parseTfBackend>
  try {
    requested = parseTfBackend(flags.backend)
  } catch {
    throw new ConfigError(`--backend must be one of ${TF_BACKENDS.join(', ')} (got "${flags.backend}")`)
  }
  const { tf, backend } = await initTf({
    backend: requested,
    log: (msg, fields) => ctx.log.info(fields ?? {}, msg),
  })
  const gflops = await matmulGflops(tf, { size: 512, reps: 3 })
  const { report, trained } = await evaluateRecommenders(
    tf,
    { interactions: interactions.rows, ...(flags.items ? { items: items.rows } : {}) },
    {
      testDays: opts.testDays,
      maxQueries: opts.maxQueries,
      tolerance: opts.tolerance,
      train: { epochs: opts.epochs },
      log: ctx.log,
      progress: (p) =>
        ctx.log.info(
          {
            epoch: p.epoch,
            epochs: p.epochs,
            batch: p.batch,
            batches: p.batches,
            loss: Number(p.loss.toFixed(4)),
            examples_per_s: Math.round(p.examplesPerSec),
            elapsed_s: Math.round(p.elapsedS),
          },
          p.epochDone ? 'recommender training: epoch done' : 'recommender training',
        ),
    },
  )
  let registry: string | undefined
  if (flags.registry && trained && report.methods.model) {
    const result = await publishVersion(
      flags.registry,
      trained.rec,
      {
        data_window: {
          train_from: report.split.train_from,
          train_to: report.split.train_to,
          test_from: report.split.test_from,
          test_to: report.split.test_to,
        },
        backend,
        training_seconds: trained.seconds,
        examples_per_s: Math.round(trained.examplesPerSec),
        metrics: report.methods.model,
        baselines: {
          popular: report.methods.popular,
          recent_popular: report.methods.recent_popular,
          itemknn: report.methods.itemknn,
        },
      },
      { tolerance: opts.tolerance, log: ctx.log },
    )
    registry = result.reason
  }
  const split = {
    ...report.split,
    rejected_rows: interactions.rejected + items.rejected,
    model_training: { ...report.training, backend, matmul_gflops: Number(gflops.toFixed(2)) },
    ...(registry ? { registry } : {}),
    notes: report.notes,
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ split, methods: report.methods, cold_start: report.cold_start, served: report.served })}\n`,
    )
  } else {
    process.stdout.write(renderText(report, backend, gflops))
    if (registry) process.stdout.write(`Registry: ${registry}\n`)
  }
}
