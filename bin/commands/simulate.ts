// `nhip simulate`: the audience of a province's press group, from the seeded simulator in bench/simulator.
// Back-fill (default): registers the simulated sites, writes N days of articles and events through the same
// transform code as production (in-process when embedded, via Kafka with KAFKA_BROKERS), and writes the
// ground truth. Live (--live): sends tracker batches to a running collector's POST /e at a target rate.
// Direct (--direct): the bulk back-fill — the same in-process pipeline and writer as embedded mode, even when
// KAFKA_BROKERS is set, in batches of 100 000 with the next batch processed while the previous one is written;
// the simulator's events enter the pipeline as contract objects, skipping the JSON bytes → parse → zod round
// trip (they are contract-valid by construction, and validation leaves them unchanged: test/simulator).
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import v8 from 'node:v8'
import { z } from 'zod'
import {
  AGENCIES,
  type BackfillProgress,
  backfill,
  dayNumberOf,
  dayOfNumber,
  type GroundTruth,
  type LiveStats,
  runLive,
  SITES,
  type SimMessageRecord,
  type SimRecord,
  Simulation,
  serializeGroundTruth,
  vietnamDayNumber,
} from '../../bench/simulator/index.ts'
import { queryThroughService, readServiceFile } from '../../infra/admin-sql.ts'
import type { ClickHouse } from '../../infra/clickhouse/client.ts'
import { AppError, ConfigError, DataPathLockedError, errorMessage } from '../../infra/errors.ts'
import { checkKafka, createKafka } from '../../infra/kafka/client.ts'
import { ensureTopics } from '../../infra/kafka/topics.ts'
import { createMetricsRegistry } from '../../infra/metrics.ts'
import { EMBEDDED_TOPICS } from '../../ingest/collector.ts'
import { createKafkaDelivery } from '../../ingest/kafka/kafka-deliver.ts'
import { addSite, listSites } from '../../ingest/sites/sites.ts'
import { createTransform } from '../../transform/index.ts'
import { type Context, openMigrated } from '../context.ts'
import { renderTable } from './sql.ts'

const int = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`))

const SimulateFlags = z.object({
  seed: int('--seed', 0).pipe(z.number().max(2 ** 31 - 1, '--seed must be below 2^31')),
  days: int('--days', 1).pipe(z.number().max(3660, '--days must be at most 3660')),
  scale: z
    .string()
    .transform(Number)
    .pipe(z.number({ error: '--scale must be a number' }).positive('--scale must be positive').max(10_000)),
  endDay: z
    .string()
    .refine((d) => {
      try {
        dayNumberOf(d)
        return true
      } catch {
        return false
      }
    }, '--end-day must be a calendar day as YYYY-MM-DD')
    .optional(),
  truth: z.string().min(1).optional(),
  batch: int('--batch', 1).pipe(z.number().max(500_000, '--batch must be at most 500000')).optional(),
  direct: z.boolean().default(false),
  live: z.boolean().default(false),
  rate: z
    .string()
    .transform(Number)
    .pipe(z.number({ error: '--rate must be a number' }).positive('--rate must be positive').max(1_000_000)),
  url: z
    .string()
    .refine(
      (u) => /^https?:\/\//.test(u) && URL.canParse(u),
      '--url must be an http(s) URL such as http://127.0.0.1:8787',
    )
    .optional(),
  duration: z
    .string()
    .transform(Number)
    .pipe(
      z.number({ error: '--duration must be a number of seconds' }).positive('--duration must be positive'),
    )
    .optional(),
  forwardedFor: z.boolean().default(false),
})

export type SimulateFlagsInput = z.input<typeof SimulateFlags>

function parseFlags(input: SimulateFlagsInput): z.output<typeof SimulateFlags> {
  const r = SimulateFlags.safeParse(input)
  if (!r.success) throw new ConfigError(r.error.issues[0]?.message ?? 'invalid flags')
  if (r.data.direct && r.data.live)
    throw new ConfigError('--direct is a back-fill mode: it cannot be used with --live')
  return r.data
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Records per write of `--direct`: big inserts make few, large parts and amortise each write's fixed cost. */
const DIRECT_BATCH = 100_000

/** Runs `nhip simulate` (back-fill, or live with --live). */
export async function simulateCommand(ctx: Context, input: SimulateFlagsInput): Promise<void> {
  const flags = parseFlags(input)
  if (flags.live) return simulateLive(ctx, flags)
  return simulateBackfill(ctx, flags)
}

async function simulateBackfill(ctx: Context, flags: z.output<typeof SimulateFlags>): Promise<void> {
  const { config, log } = ctx
  // The bulk back-fill allocates a contract object and a row per event: a larger young generation (default 16 MB
  // semi-spaces) halves the scavenges and lets fewer short-lived objects be promoted. Measured on 1.1 M events:
  // garbage collection 14 % of the main thread, about 4 % more events/s with 64 MB.
  if (flags.direct) v8.setFlagsFromString('--max-semi-space-size=64')
  const started = performance.now()
  // Default: end yesterday (Vietnam time), so a 14-day back-fill gives this morning's report a full day.
  const endDay = flags.endDay ?? dayOfNumber(vietnamDayNumber(Date.now()) - 1)
  const startDay = dayOfNumber(dayNumberOf(endDay) - flags.days + 1)
  const simulation = new Simulation({ seed: flags.seed, startDay, days: flags.days, scale: flags.scale })
  const truthFile = path.resolve(
    flags.truth ?? path.join(config.dataDir, 'simulator', `ground-truth-seed${flags.seed}.json`),
  )

  const ch = await openPlatform(ctx, flags.direct)
  const closers: Array<() => Promise<void> | void> = []
  if (ch) closers.push(() => ch.close())
  try {
    const created = ch ? await registerSites(ch) : new Map<string, string>()
    let deliver: (records: SimRecord[]) => Promise<void>
    /** --direct: events as contract objects into the in-process transform's trusted entry (no JSON bytes). */
    let deliverMessages: ((records: SimMessageRecord[]) => Promise<void>) | undefined
    let topics: { events: string; content: string }
    let where: string
    if (config.kafka && !flags.direct) {
      const kafka = createKafka(config.kafka, log)
      await checkKafka(config.kafka, log, 10_000)
      const admin = kafka.admin()
      await admin.connect()
      try {
        await ensureTopics(admin, config.kafka.topics, log)
      } finally {
        await admin.disconnect()
      }
      const delivery = createKafkaDelivery(kafka)
      closers.unshift(async () => {
        await delivery.close()
      })
      deliver = delivery.deliver
      topics = { events: config.kafka.topics.events, content: config.kafka.topics.content }
      where = `Kafka ${config.kafka.brokers.join(',')} (topics ${topics.events}, ${topics.content}; the transform consumer writes them to ClickHouse)`
    } else {
      if (!ch) throw new Error('no ClickHouse')
      const transform = await createTransform({ ch, log, metrics: createMetricsRegistry() })
      closers.unshift(() => transform.close())
      deliver = (records) => transform.deliverInProcess(records, EMBEDDED_TOPICS)
      if (flags.direct) deliverMessages = (records) => transform.deliverInProcess(records, EMBEDDED_TOPICS)
      topics = EMBEDDED_TOPICS
      where = `${ch.kind === 'embedded' ? `embedded ClickHouse at ${ch.where}` : `ClickHouse ${ch.where}`}, database ${ch.database}`
    }

    const viaKafka = Boolean(config.kafka) && !flags.direct
    const batchRecords = viaKafka
      ? Math.min(flags.batch ?? 2000, 2000)
      : (flags.batch ?? (flags.direct ? DIRECT_BATCH : 10_000))
    process.stderr.write(
      `simulate: seed ${flags.seed}, ${flags.days} day(s) ${startDay} … ${endDay}, scale ${flags.scale} → ${where}` +
        `${flags.direct ? ` (direct bulk back-fill, ${fmt(batchRecords)} records per write)` : ''}\n`,
    )
    const writeStarted = performance.now()
    // CPU of the whole process (every thread: the engine's too): on a shared machine the wall clock alone says
    // more about the neighbours than about the back-fill.
    const cpuStarted = process.cpuUsage()
    const options = {
      simulation,
      topics,
      batchRecords,
      inFlight: flags.direct ? 2 : 1,
      onDay: (p: BackfillProgress) => {
        const rate = p.events / Math.max(0.001, p.elapsedMs / 1000)
        process.stderr.write(
          `simulate: day ${p.dayIndex}/${p.days} ${p.day}: ${fmt(p.dayEvents)} events · total ${fmt(p.events)} · ${fmt(rate)} events/s\n`,
        )
        log.debug(
          { day: p.day, events: p.dayEvents, total: p.events, events_per_s: Math.round(rate) },
          'simulated day written',
        )
      },
    }
    const result = deliverMessages
      ? await backfill({ ...options, messages: true, deliver: deliverMessages })
      : await backfill({ ...options, deliver })
    const writeSeconds = (performance.now() - writeStarted) / 1000
    const cpu = process.cpuUsage(cpuStarted)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6

    const truth = simulation.groundTruth()
    mkdirSync(path.dirname(truthFile), { recursive: true })
    writeFileSync(truthFile, serializeGroundTruth(truth))
    const dead = ch && !viaKafka ? await deadLettersSince(ch, started) : 0
    log.info(
      { events: result.events, articles: result.articles, seconds: writeSeconds, truth: truthFile },
      'simulation written',
    )
    process.stdout.write(
      summary(truth, created, {
        where,
        truthFile,
        writeSeconds,
        cpuSeconds,
        totalSeconds: (performance.now() - started) / 1000,
        dead,
      }),
    )
  } finally {
    for (const close of closers) {
      try {
        await close()
      } catch (err) {
        log.error({ err }, 'error while closing')
      }
    }
  }
}

/**
 * Opens ClickHouse migrated. When a running `nhip start` holds the embedded engine: with Kafka the events can
 * still go through it (the sites must exist already); without Kafka there is no way in but --live.
 */
async function openPlatform(ctx: Context, direct: boolean): Promise<ClickHouse | undefined> {
  try {
    return await openMigrated(ctx, 'nhip simulate')
  } catch (err) {
    // --direct writes into the engine itself: whoever holds it has to stop first (the error says who).
    if (!(err instanceof DataPathLockedError) || direct) throw err
    const service = readServiceFile(ctx.config.dataDir)
    if (!service) throw err
    if (!ctx.config.kafka) {
      throw new AppError(
        'SIMULATE_ENGINE_HELD',
        `a running \`nhip start\` (pid ${service.pid}) holds the embedded ClickHouse. Stop it to back-fill, or send ` +
          `live traffic to it: nhip simulate --live --url ${service.url}`,
      )
    }
    const text = await queryThroughService(
      service,
      `SELECT site_id FROM ${ctx.config.clickhouse.database}.sites FINAL WHERE deleted = 0`,
      'JSONEachRow',
    )
    const have = new Set(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { site_id: string }).site_id),
    )
    const missing = SITES.filter((s) => !have.has(s.site_id)).map((s) => s.site_id)
    if (missing.length > 0) {
      throw new AppError(
        'SIMULATE_ENGINE_HELD',
        `sites ${missing.join(', ')} are not registered and a running \`nhip start\` (pid ${service.pid}) holds the ` +
          'embedded ClickHouse: stop it once and run this command again (it registers the sites and produces to Kafka).',
      )
    }
    return undefined
  }
}

/** Registers the simulated sites that are missing; returns the API keys of the new ones (shown once). */
async function registerSites(ch: ClickHouse): Promise<Map<string, string>> {
  const existing = new Set((await listSites(ch)).map((s) => s.site_id))
  const created = new Map<string, string>()
  for (const s of SITES) {
    if (existing.has(s.site_id)) continue
    const { apiKey } = await addSite(ch, {
      agency_id: s.agency_id,
      site_id: s.site_id,
      name: s.name,
      domains: [s.domain],
      language: s.language,
    })
    created.set(s.site_id, apiKey)
  }
  return created
}

async function deadLettersSince(ch: ClickHouse, startedPerf: number): Promise<number> {
  const since = new Date(Date.now() - (performance.now() - startedPerf) - 1000)
    .toISOString()
    .replace('T', ' ')
    .replace('Z', '')
  try {
    const rs = await ch.client.query({
      query: `SELECT count() AS n FROM ${ch.database}.dead_letters WHERE at >= {since:DateTime64(3, 'UTC')}`,
      query_params: { since },
      format: 'JSONEachRow',
    })
    const [row] = await rs.json<{ n: string | number }>()
    return Number(row?.n ?? 0)
  } catch (err) {
    throw new AppError('SIMULATE_CHECK', `could not count dead letters: ${errorMessage(err)}`, { cause: err })
  }
}

function summary(
  truth: GroundTruth,
  created: Map<string, string>,
  run: {
    where: string
    truthFile: string
    writeSeconds: number
    cpuSeconds: number
    totalSeconds: number
    dead: number
  },
): string {
  const bySite = new Map<string, { events: number; pageviews: number }>()
  for (const d of truth.days) {
    const s = bySite.get(d.site_id) ?? { events: 0, pageviews: 0 }
    s.events += d.events
    s.pageviews += d.pageviews
    bySite.set(d.site_id, s)
  }
  const articles = new Map<string, number>()
  for (const a of truth.articles) if (!a.held_out) articles.set(a.site_id, (articles.get(a.site_id) ?? 0) + 1)
  const agencyName = new Map(AGENCIES.map((a) => [a.agency_id, `${a.name} (${a.kind})`]))
  const rows = SITES.map((s) => [
    s.agency_id,
    agencyName.get(s.agency_id) ?? '',
    s.site_id,
    s.domain,
    s.language,
    fmt(articles.get(s.site_id) ?? 0),
    fmt(bySite.get(s.site_id)?.events ?? 0),
    fmt(bySite.get(s.site_id)?.pageviews ?? 0),
    created.has(s.site_id) ? 'created' : 'existing',
  ])
  const t = truth.totals
  const p = truth.params
  const lines = [
    `Simulated ${p.days} day(s), ${p.start_day} … ${p.end_day} (Vietnam time), seed ${p.seed}, scale ${p.scale} → ${run.where}.`,
    '',
    renderTable(
      ['agency', 'agency name', 'site', 'domain', 'lang', 'articles', 'events', 'pageviews', 'status'],
      rows,
    ).trimEnd(),
    '',
    `Totals: ${fmt(t.events)} events (${fmt(t.bot_events)} from bots), ${fmt(t.pageviews)} pageviews by readers, ` +
      `${fmt(t.articles)} articles, ${fmt(truth.readers.total)} readers (${fmt(truth.readers.consented)} consented).`,
    `Written in ${run.writeSeconds.toFixed(1)} s (${fmt(t.events / Math.max(0.001, run.writeSeconds))} events/s); ` +
      `${run.totalSeconds.toFixed(1)} s in all; ${run.cpuSeconds.toFixed(1)} CPU-s while writing ` +
      `(${fmt(t.events / Math.max(0.001, run.cpuSeconds))} events per CPU-second).`,
    `Ground truth: ${run.truthFile}`,
  ]
  if (run.dead > 0)
    lines.push(`WARNING: ${fmt(run.dead)} messages were dead-lettered (see the dead_letters table).`)
  if (created.size > 0) {
    lines.push('', 'API keys of the new sites (shown once — store them now):')
    for (const [site, key] of created) lines.push(`  ${site.padEnd(16)} ${key}`)
  }
  return `${lines.join('\n')}\n`
}

async function simulateLive(ctx: Context, flags: z.output<typeof SimulateFlags>): Promise<void> {
  const { config } = ctx
  const url = flags.url ?? `http://${config.http.host}:${config.http.port}`
  const abort = new AbortController()
  const onSignal = () => abort.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const line = (s: LiveStats) =>
    `live: ${(s.elapsedMs / 1000).toFixed(0)} s · sent ${fmt(s.sent)} · accepted ${fmt(s.accepted)} · rejected ${fmt(s.rejected)} · ` +
    `throttled ${fmt(s.throttled)} · ${fmt(s.currentRate)} events/s`
  process.stderr.write(
    `simulate --live: seed ${flags.seed}, ${flags.rate} events/s → ${url}/e${flags.duration ? ` for ${flags.duration} s` : ' (Ctrl-C to stop)'}\n`,
  )
  try {
    const stats = await runLive({
      url,
      rate: flags.rate,
      seed: flags.seed,
      scale: flags.scale,
      signal: abort.signal,
      forwardedFor: flags.forwardedFor,
      ...(flags.duration ? { durationMs: flags.duration * 1000 } : {}),
      onTick: (s) => process.stderr.write(`${line(s)}\n`),
    })
    const reasons = Object.entries(stats.rejections)
      .map(([code, n]) => `${code} ${fmt(n)}`)
      .join(', ')
    process.stdout.write(
      [
        `Sent ${fmt(stats.sent)} events in ${fmt(stats.requests)} requests over ${(stats.elapsedMs / 1000).toFixed(1)} s ` +
          `(${fmt(stats.sent / Math.max(0.001, stats.elapsedMs / 1000))} events/s) to ${url}/e.`,
        `Accepted ${fmt(stats.accepted)}, rejected ${fmt(stats.rejected)}${reasons ? ` (${reasons})` : ''}, ` +
          `throttled ${fmt(stats.throttled)} times, lost ${fmt(stats.lost)}.`,
        ...(stats.rejections.unknown_site
          ? [
              'Hint: the collector does not know the simulated sites: run `nhip simulate --days 1` once (it registers them).',
            ]
          : []),
        ...(stats.throttled > 0 && !flags.forwardedFor
          ? [
              'Hint: every batch comes from one address, so the per-address limit applies: raise NHIP_IP_RATE_PER_S on the ' +
                'collector, or run it with NHIP_TRUST_PROXY=1 and pass --forwarded-for.',
            ]
          : []),
        ...(stats.lastError && stats.accepted === 0 ? [`Last error: ${stats.lastError}`] : []),
        '',
      ].join('\n'),
    )
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
