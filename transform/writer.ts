// Batched, idempotent ClickHouse writes. Each event_id is inserted once: ids already in `events` are
// skipped, so replays (crash before commit, rebalance, offset reset) change no count — not in `events`,
// and not in the materialized rollups fed by its inserts. `events` is a ReplacingMergeTree as a second net.
// Finding the stored ids is a key-range read, not a point lookup per id: a replayed event carries the same
// agency, site and ts as its first copy (the tracker stamps both once), so only stored rows of the batch's
// (agency, site, day) ranges inside its [min ts, max ts] window can collide — none at all in a fresh
// back-fill. Rows go to the embedded engine as a Native block (binary, column by column: half the engine CPU of
// TabSeparated), to a server as TabSeparated (about twice as fast to parse as JSONEachRow).
//
// Crash safety of the rollups: the materialized views fed by `events` commit their parts separately from
// `events`, so a worker killed inside an insert can leave rows in `events` that a rollup never counted — and
// a replay that skips stored ids would never count them. Writes from Kafka therefore carry a deduplication
// token naming their source ({@link kafkaToken}), stored on each row as `ingest_token`. When a write finds
// stored rows whose token may be unfinished (written, never committed to Kafka), it sends those stored rows
// again under their own token: `events` and every view that has the block drop it (deduplication window),
// a view that missed it gets it — exactly once (migration 0020).

import { Readable } from 'node:stream'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { AppError, errorMessage } from '../infra/errors.ts'
import type { ArticleMessage } from '../ingest/contract/index.ts'
import type { SpoolSpan } from '../ingest/kafka/spool.ts'
import { dayOfIndex, vietnamDayIndex } from '../jobs/vietnam-time.ts'
import { NativeBlockWriter } from './native-block.ts'
import type { EnrichedEvent } from './pipeline/pipeline.ts'
import { chDateTime, TsvWriter } from './tsv-bytes.ts'

/**
 * One row of the `events` table as the pipeline builds it (timestamps as epoch ms; the writer formats them).
 * Flags may also be 0/1, as rows seeded by tools and tests carry them.
 */
export type EventRow = Omit<EnrichedEvent, 'consented' | 'is_bot'> & {
  consented: number | boolean
  is_bot: number | boolean
  /** Not columns of `events`: carried for the articles seen on pages. */
  author?: string
  published_at?: number | null
}

/** A write that failed for a reason that may pass on retry (the engine or server is unavailable). */
export class InsertError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('INSERT', message, { retry: true, cause })
  }
}

export { chDateTime } from './tsv-bytes.ts'

/** Where a write comes from, so that a replay of it can be recognised and finished. */
export interface WriteSource {
  /** Deduplication token of this write: the same source position gives the same token ({@link kafkaToken}). */
  token: string
  /**
   * Whether a stored row's token names a write that may have been cut off (written but not acknowledged to
   * its source, e.g. its Kafka offsets not committed): such writes are sent again under their token.
   */
  mayBeUnfinished(token: string): boolean
}

/**
 * Token of a write of the messages `first`…`last` of a Kafka partition, `firstTimestamp` being the first
 * message's timestamp (ms). Offsets alone would repeat after a topic is deleted and made again (or a new
 * cluster takes over) while ClickHouse keeps its deduplication log — a new write with an old token would be
 * dropped as a duplicate. A replay reads the same messages, so it makes the same token.
 * Topic names have no colons or at signs.
 */
export function kafkaToken(
  topic: string,
  partition: number,
  first: string,
  last: string,
  firstTimestamp: string,
): string {
  return `kafka:${topic}:${partition}:${first}-${last}@${firstTimestamp}`
}

const KAFKA_TOKEN = /^kafka:([^:]+):(\d+):(\d+)-(\d+)@/

/**
 * The writes a worker about to write partition offsets from `first` on must finish: those of the same
 * partition reaching `first` or beyond — everything before `first` was committed, so it was written whole.
 * @example writer.writeEvents(rows, { token, mayBeUnfinished: unfinishedKafkaWrites('events', 0, '1200') })
 */
export function unfinishedKafkaWrites(
  topic: string,
  partition: number,
  first: string,
): (token: string) => boolean {
  const from = BigInt(first)
  return (token) => {
    const m = KAFKA_TOKEN.exec(token)
    return m?.[1] === topic && Number(m[2]) === partition && BigInt(m[4] ?? -1) >= from
  }
}

/** Token of a write of one batch drained from the collector's spool (embedded mode): its span names it. */
export function spoolToken(span: SpoolSpan): string {
  return `spool:${span.from}-${span.until}`
}

/**
 * The writes to finish before writing the spool batch starting at `from`: those of the same spool directory
 * ending past it — every batch before `from` was acknowledged, so it was written whole.
 */
export function unfinishedSpoolWrites(span: SpoolSpan): (token: string) => boolean {
  const spool = span.from.slice(0, span.from.indexOf(':') + 1)
  return (token) => {
    const m = /^spool:(.+)-(.+)$/.exec(token)
    return m?.[1]?.startsWith(spool) === true && (m[2] ?? '') > span.from
  }
}

/** The {@link WriteSource} of a spool batch. */
export function spoolSource(span: SpoolSpan): WriteSource {
  return { token: spoolToken(span), mayBeUnfinished: unfinishedSpoolWrites(span) }
}

export interface EventWriter {
  /**
   * Inserts the rows whose event_id is not stored yet; returns how many were new and how many were replays.
   * With a `source`, the insert carries its token and unfinished earlier writes found among the stored rows
   * are finished first.
   */
  writeEvents(
    rows: EventRow[],
    source?: WriteSource,
  ): Promise<{ inserted: number; duplicates: number; repaired?: number }>
  /** Upserts article metadata (latest `updated_at` wins in the ReplacingMergeTree). */
  writeArticles(rows: ArticleMessage[]): Promise<number>
  /** Records messages that could not be processed. */
  writeDeadLetters(rows: Array<{ source: string; reason: string; payload: Buffer | null }>): Promise<void>
}

const DLQ_PAYLOAD_MAX = 256 * 1024

/** Columns of `events` the writer fills, in the order {@link encodeEventsTsv} writes them (`day` is derived). */
export const EVENT_COLUMNS = [
  'event_id',
  'schema_version',
  'type',
  'name',
  'ts',
  'received_at',
  'agency_id',
  'site_id',
  'url',
  'path',
  'title',
  'article_id',
  'section',
  'referrer',
  'referrer_host',
  'referrer_class',
  'referrer_source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'visitor_id',
  'consented',
  'session_id',
  'session_page',
  'engaged_ms',
  'scroll_pct',
  'props',
  'device',
  'os',
  'browser',
  'is_bot',
  'bot_kind',
  'country',
  'province',
  'ingest_token',
] as const

/**
 * Rows as TabSeparated bytes in {@link EVENT_COLUMNS} order, one line each (UTF-8).
 * @example ch.insertRaw({ table: 'nhip.events', columns: EVENT_COLUMNS, format: 'TabSeparated', values: encodeEventsTsv(rows), settings: {} })
 */
export function encodeEventsTsv(rows: readonly EventRow[], token = ''): Buffer {
  const w = new TsvWriter(rows.length * 512)
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as EventRow
    w.id(r.event_id)
    w.tab()
    w.uint(r.schema_version)
    w.tab()
    w.text(r.type)
    w.tab()
    w.text(r.name)
    w.tab()
    w.dateTime(r.ts)
    w.tab()
    w.dateTime(r.received_at)
    w.tab()
    w.text(r.agency_id)
    w.tab()
    w.text(r.site_id)
    w.tab()
    w.text(r.url)
    w.tab()
    w.text(r.path)
    w.tab()
    w.text(r.title)
    w.tab()
    w.text(r.article_id)
    w.tab()
    w.text(r.section)
    w.tab()
    w.text(r.referrer)
    w.tab()
    w.text(r.referrer_host)
    w.tab()
    w.text(r.referrer_class)
    w.tab()
    w.text(r.referrer_source)
    w.tab()
    w.text(r.utm_source)
    w.tab()
    w.text(r.utm_medium)
    w.tab()
    w.text(r.utm_campaign)
    w.tab()
    w.text(r.utm_content)
    w.tab()
    w.text(r.utm_term)
    w.tab()
    w.id(r.visitor_id)
    w.tab()
    w.uint(r.consented ? 1 : 0)
    w.tab()
    w.id(r.session_id)
    w.tab()
    w.uint(r.session_page)
    w.tab()
    w.uint(r.engaged_ms)
    w.tab()
    w.uint(r.scroll_pct)
    w.tab()
    w.map(r.props)
    w.tab()
    w.text(r.device)
    w.tab()
    w.text(r.os)
    w.tab()
    w.text(r.browser)
    w.tab()
    w.uint(r.is_bot ? 1 : 0)
    w.tab()
    w.text(r.bot_kind)
    w.tab()
    w.text(r.country)
    w.tab()
    w.text(r.province)
    w.tab()
    w.text(token)
    w.newline()
  }
  return w.bytes()
}

/** Rows per Native block: a block's column passes then stay within a few MB of row objects (cache-resident). */
const NATIVE_BLOCK_ROWS = 2048

/**
 * Rows as Native blocks in {@link EVENT_COLUMNS} order: the embedded engine's cheapest input (see
 * native-block.ts). Text columns go as String (the engine converts to UUID and LowCardinality on the way in).
 * Several blocks of {@link NATIVE_BLOCK_ROWS} rows follow each other; the engine squashes them into one part.
 * @example ch.insertRaw({ table: 'nhip.events', columns: EVENT_COLUMNS, format: 'Native', values: encodeEventsNative(rows), settings: {} })
 */
export function encodeEventsNative(rows: readonly EventRow[], token = ''): Buffer {
  const w = new NativeBlockWriter(rows.length * 512 + 4096)
  for (let from = 0; from < rows.length; from += NATIVE_BLOCK_ROWS)
    nativeBlock(w, rows, from, Math.min(rows.length, from + NATIVE_BLOCK_ROWS), token)
  return w.bytes()
}

/**
 * One block: the columns in {@link EVENT_COLUMNS} order, which the INSERT names (test/integration/writer-native
 * compares every column read back with the TabSeparated path, so a column out of place fails there).
 */
function nativeBlock(
  w: NativeBlockWriter,
  rows: readonly EventRow[],
  from: number,
  to: number,
  token: string,
): void {
  w.block(EVENT_COLUMNS.length, to - from)
  const strings = (name: string, get: (r: EventRow) => string) => {
    w.column(name, 'String')
    w.strings(rows, from, to, get)
  }
  const ids = (name: string, get: (r: EventRow) => string) => {
    w.column(name, 'String')
    for (let i = from; i < to; i++) w.id(get(rows[i] as EventRow))
  }
  const uints = (name: string, type: 'UInt8' | 'UInt16' | 'UInt32', get: (r: EventRow) => number) => {
    const [max, bytes] =
      type === 'UInt8'
        ? [0xff, 1 as const]
        : type === 'UInt16'
          ? [0xffff, 2 as const]
          : [0xffff_ffff, 4 as const]
    w.column(name, type)
    for (let i = from; i < to; i++) w.uint(get(rows[i] as EventRow), max, bytes)
  }
  const times = (name: string, get: (r: EventRow) => number) => {
    w.column(name, "DateTime64(3, 'UTC')")
    for (let i = from; i < to; i++) w.dateTime64(get(rows[i] as EventRow))
  }
  ids('event_id', (r) => r.event_id)
  uints('schema_version', 'UInt8', (r) => r.schema_version)
  strings('type', (r) => r.type)
  strings('name', (r) => r.name)
  times('ts', (r) => r.ts)
  times('received_at', (r) => r.received_at)
  strings('agency_id', (r) => r.agency_id)
  strings('site_id', (r) => r.site_id)
  strings('url', (r) => r.url)
  strings('path', (r) => r.path)
  strings('title', (r) => r.title)
  strings('article_id', (r) => r.article_id)
  strings('section', (r) => r.section)
  strings('referrer', (r) => r.referrer)
  strings('referrer_host', (r) => r.referrer_host)
  strings('referrer_class', (r) => r.referrer_class)
  strings('referrer_source', (r) => r.referrer_source)
  strings('utm_source', (r) => r.utm_source)
  strings('utm_medium', (r) => r.utm_medium)
  strings('utm_campaign', (r) => r.utm_campaign)
  strings('utm_content', (r) => r.utm_content)
  strings('utm_term', (r) => r.utm_term)
  ids('visitor_id', (r) => r.visitor_id)
  uints('consented', 'UInt8', (r) => (r.consented ? 1 : 0))
  ids('session_id', (r) => r.session_id)
  uints('session_page', 'UInt16', (r) => r.session_page)
  uints('engaged_ms', 'UInt32', (r) => r.engaged_ms)
  uints('scroll_pct', 'UInt8', (r) => r.scroll_pct)
  w.column('props', 'Map(String, String)')
  w.mapColumn(rows, from, to)
  strings('device', (r) => r.device)
  strings('os', (r) => r.os)
  strings('browser', (r) => r.browser)
  uints('is_bot', 'UInt8', (r) => (r.is_bot ? 1 : 0))
  strings('bot_kind', (r) => r.bot_kind)
  strings('country', (r) => r.country)
  strings('province', (r) => r.province)
  strings('ingest_token', () => token)
}

/**
 * Where a batch's replayed events can be: its (agency, site, day) key ranges and its [min ts, max ts] window (a
 * replay carries the same agency, site and ts as the first copy). Parameters from {@link windowParams}.
 */
const IN_WINDOW = `agency_id IN {agencies:Array(String)} AND site_id IN {sites:Array(String)}
  AND day IN {days:Array(Date)} AND ts BETWEEN {lo:DateTime64(3, 'UTC')} AND {hi:DateTime64(3, 'UTC')}`

function windowParams(rows: readonly EventRow[]): ReturnType<typeof keyRanges> & { lo: string; hi: string } {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const r of rows) {
    if (r.ts < lo) lo = r.ts
    if (r.ts > hi) hi = r.ts
  }
  return { ...keyRanges(rows), lo: chDateTime(lo), hi: chDateTime(hi) }
}

export interface EventWriterOptions {
  /** Largest insert (rows); bigger batches are split. Default 200 000: big parts, few merges. */
  insertRows?: number
  /**
   * Ids per `event_id IN (…)` query when the window read cannot be used. Default: 5 000 on a server (the ids
   * travel in the URL), 50 000 on the embedded engine (each query waits its turn there: fewer, larger ones).
   */
  idChunkRows?: number
  /**
   * How stored ids are found, looking only inside the batch's key ranges and ts window: `staged` (the default on
   * the embedded engine) sends the batch's ids as a staged file and gets back the stored ones; `window` (the
   * default on a server) reads the window's stored ids, falling back to `ids` when the window holds far more rows
   * than the batch; `ids` asks for the batch's ids in chunks (the earlier mechanics, kept as the benchmark's
   * baseline). `staged` needs the embedded engine (withStagedFile).
   */
  dedup?: 'staged' | 'window' | 'ids'
  /**
   * `Native` (the default on the embedded engine: a binary block it reads at half the CPU of text),
   * `TabSeparated` (the default on a server, and the text the engine still reads where Native is not offered), or
   * `JSONEachRow` (the earlier encoding, kept as the benchmark's baseline). Native needs insertRaw (embedded).
   */
  format?: 'Native' | 'TabSeparated' | 'JSONEachRow'
}

/**
 * @example const writer = createEventWriter(ch)
 *          const { inserted } = await writer.writeEvents(rows)
 */
export function createEventWriter(ch: ClickHouse, opts: EventWriterOptions = {}): EventWriter {
  const db = ch.database
  const insertRows = Math.max(1, opts.insertRows ?? 200_000)
  const idChunkRows = Math.max(1, opts.idChunkRows ?? (ch.kind === 'embedded' ? 50_000 : 5000))
  const dedup = opts.dedup ?? (ch.withStagedFile ? 'staged' : 'window')
  const stage = dedup === 'staged' ? ch.withStagedFile : undefined
  if (dedup === 'staged' && !stage) throw new Error('staged dedup needs the embedded engine')
  const asked = opts.format ?? 'Native'
  const format = asked === 'Native' && !ch.insertRaw ? 'TabSeparated' : asked

  async function storedIdsIn(rows: EventRow[]): Promise<Set<string>> {
    const found = new Set<string>()
    for (let i = 0; i < rows.length; i += idChunkRows) {
      const chunk = rows.slice(i, i + idChunkRows)
      const rs = await ch.client.query({
        query: `SELECT toString(event_id) AS id FROM ${db}.events
                WHERE agency_id IN {agencies:Array(String)} AND site_id IN {sites:Array(String)}
                  AND day IN {days:Array(Date)} AND event_id IN {ids:Array(UUID)}`,
        query_params: { ...keyRanges(chunk), ids: chunk.map((r) => r.event_id) },
        format: 'JSONEachRow',
      })
      for (const r of await rs.json<{ id: string }>()) found.add(r.id)
    }
    return found
  }

  /** Stored ids in the batch's key ranges and ts window, or undefined when there are too many to fetch. */
  async function storedIdsInWindow(rows: EventRow[]): Promise<Set<string> | undefined> {
    const cap = Math.max(20_000, 2 * rows.length)
    const rs = await ch.client.query({
      query: `SELECT toString(event_id) FROM ${db}.events WHERE ${IN_WINDOW} LIMIT ${cap + 1}`,
      query_params: windowParams(rows),
      format: 'TabSeparated',
    })
    const text = await rs.text()
    const ids = text ? text.split('\n').filter(Boolean) : []
    return ids.length > cap ? undefined : new Set(ids)
  }

  /**
   * Embedded: the batch's ids go to the engine as a staged file, and one query returns the stored ones among them
   * inside the batch's key ranges and ts window. No cap, no fallback, and only the duplicates come back: the
   * window read ships every stored id of the window (40 000 for a consumer catching up) and its fallback puts
   * the ids into the SQL text, which the engine parses at ~2.5 µs per id (measured: 20 000 ids against 150 000
   * stored rows of one day, 50 ms as query parameters, 21 ms as a staged file, file write included).
   */
  async function storedIdsStaged(
    rows: EventRow[],
    stage: NonNullable<ClickHouse['withStagedFile']>,
  ): Promise<Set<string>> {
    let ids = ''
    for (const r of rows) ids += `${r.event_id}\n`
    const text = await stage(ids, 'ids', async (file) => {
      const rs = await ch.client.query({
        query: `SELECT toString(event_id) FROM ${db}.events
                WHERE ${IN_WINDOW} AND event_id IN (SELECT id FROM file({file:String}, 'TabSeparated', 'id UUID'))`,
        query_params: { ...windowParams(rows), file },
        format: 'TabSeparated',
      })
      return rs.text()
    })
    return new Set(text ? text.split('\n').filter(Boolean) : [])
  }

  /** Insert settings of a write: with a token, the views keep their own deduplication log of it. */
  function insertSettings(token: string): {
    insert_deduplication_token: string
    deduplicate_blocks_in_dependent_materialized_views: 0 | 1
  } {
    return {
      insert_deduplication_token: token,
      deduplicate_blocks_in_dependent_materialized_views: token ? 1 : 0,
    }
  }

  /**
   * chDB keeps a query's settings for the queries after it on the connection: put the defaults back after a
   * tokened insert, so that no later insert of this process (a tool's, a test's) inherits the token.
   */
  async function resetInsertSettings(): Promise<void> {
    // insertRaw puts the settings in the INSERT itself: nothing sticks.
    if (ch.kind !== 'embedded' || (ch.insertRaw && format !== 'JSONEachRow')) return
    await ch.client.command({ query: 'SELECT 1', clickhouse_settings: insertSettings('') })
  }

  async function insertEncoded(
    values: Buffer | string,
    token: string,
    as: 'TabSeparated' | 'Native' = 'TabSeparated',
  ): Promise<void> {
    if (ch.insertRaw) {
      // Embedded: the bytes go to the engine as they are, the settings ride in the INSERT (see insertRaw).
      await ch.insertRaw({
        table: `${db}.events`,
        columns: EVENT_COLUMNS,
        format: as,
        values,
        settings: insertSettings(token),
      })
      return
    }
    // @clickhouse/client streams text formats only; the writer picks Native only where insertRaw exists.
    if (as === 'Native') throw new Error('Native inserts need the embedded engine (insertRaw)')
    await ch.client.insert({
      table: `${db}.events`,
      columns: [...EVENT_COLUMNS],
      format: 'TabSeparated',
      values: Readable.from([typeof values === 'string' ? Buffer.from(values) : values], {
        objectMode: false,
      }),
      clickhouse_settings: insertSettings(token),
    })
  }

  /** Tokens of earlier writes of `source` that hold some of these stored ids and may be unfinished. */
  async function unfinishedTokens(rows: EventRow[], ids: string[], source: WriteSource): Promise<string[]> {
    const rs = await ch.client.query({
      query: `SELECT DISTINCT ingest_token FROM ${db}.events
              WHERE agency_id IN {agencies:Array(String)} AND site_id IN {sites:Array(String)}
                AND day IN {days:Array(Date)} AND event_id IN {ids:Array(UUID)} AND ingest_token != ''`,
      query_params: { ...keyRanges(rows), ids },
      format: 'JSONEachRow',
    })
    const tokens = (await rs.json<{ ingest_token: string }>()).map((r) => r.ingest_token)
    return tokens.filter((t) => source.mayBeUnfinished(t) && !finished.has(t))
  }

  /**
   * Sends the stored rows of an earlier write again under its token: `events` and the views that have the
   * block drop it; a view the write never reached gets it. Returns the rows re-sent.
   */
  async function finish(token: string): Promise<number> {
    const rs = await ch.client.query({
      query: `SELECT ${EVENT_COLUMNS.join(', ')} FROM ${db}.events WHERE ingest_token = {token:String}`,
      query_params: { token },
      format: 'TabSeparated',
    })
    const text = await rs.text()
    if (text) await insertEncoded(text, token)
    if (finished.size >= 1000) finished.clear()
    finished.add(token)
    return text ? text.split('\n').length - 1 : 0
  }

  // Writes already finished by this writer (a cache: finishing twice is harmless, only slower).
  const finished = new Set<string>()

  async function insertChunk(
    rows: EventRow[],
    token: string,
    source: WriteSource | undefined,
  ): Promise<{ inserted: number; repaired: number }> {
    const existing = stage
      ? await storedIdsStaged(rows, stage)
      : (dedup === 'window' && (await storedIdsInWindow(rows))) || (await storedIdsIn(rows))
    const fresh = existing.size === 0 ? rows : rows.filter((r) => !existing.has(r.event_id))
    let repaired = 0
    if (source && fresh.length < rows.length) {
      const stored = rows.filter((r) => existing.has(r.event_id)).map((r) => r.event_id)
      for (const t of await unfinishedTokens(rows, stored, source)) repaired += await finish(t)
    }
    if (fresh.length === 0) return { inserted: 0, repaired }
    if (format === 'Native') {
      await insertEncoded(encodeEventsNative(fresh, token), token, 'Native')
    } else if (format === 'TabSeparated') {
      await insertEncoded(encodeEventsTsv(fresh, token), token)
    } else {
      await ch.client.insert({
        table: `${db}.events`,
        format: 'JSONEachRow',
        values: fresh.map(({ author: _a, published_at: _p, ...r }) => ({
          ...r,
          ts: chDateTime(r.ts),
          received_at: chDateTime(r.received_at),
          consented: r.consented ? 1 : 0,
          is_bot: r.is_bot ? 1 : 0,
          ingest_token: token,
        })),
        clickhouse_settings: insertSettings(token),
      })
    }
    return { inserted: fresh.length, repaired }
  }

  return {
    async writeEvents(rows, source) {
      // Within a batch, the first copy of an event id wins (a tracker retry can put two in one batch).
      const seen = new Set<string>()
      const unique = rows.filter((r) => {
        if (seen.has(r.event_id)) return false
        seen.add(r.event_id)
        return true
      })
      let inserted = 0
      let repaired = 0
      try {
        try {
          for (let i = 0, part = 0; i < unique.length; i += insertRows, part++) {
            // Parts of a split write get their own tokens, the same on a replay of the same rows.
            const token = source ? (part === 0 ? source.token : `${source.token}#${part}`) : ''
            const r = await insertChunk(unique.slice(i, i + insertRows), token, source)
            inserted += r.inserted
            repaired += r.repaired
          }
        } finally {
          if (source) await resetInsertSettings()
        }
      } catch (err) {
        throw new InsertError(
          `writing ${unique.length} events to ClickHouse failed: ${errorMessage(err)}`,
          err,
        )
      }
      return { inserted, duplicates: rows.length - inserted, ...(repaired ? { repaired } : {}) }
    },

    async writeArticles(rows) {
      if (rows.length === 0) return 0
      try {
        await ch.client.insert({
          table: `${db}.articles`,
          format: 'JSONEachRow',
          values: rows.map((a) => ({
            agency_id: a.agency_id,
            site_id: a.site_id,
            article_id: a.article_id,
            url: a.url,
            title: a.title,
            section: a.section,
            author: a.author,
            tags: a.tags,
            published_at: chDateTime(a.published_at),
            updated_at: chDateTime(a.updated_at),
            paywalled: a.paywalled ? 1 : 0,
            word_count: a.word_count,
            source: a.source,
          })),
        })
      } catch (err) {
        throw new InsertError(
          `writing ${rows.length} articles to ClickHouse failed: ${errorMessage(err)}`,
          err,
        )
      }
      return rows.length
    },

    async writeDeadLetters(rows) {
      if (rows.length === 0) return
      const at = chDateTime(Date.now())
      try {
        await ch.client.insert({
          table: `${db}.dead_letters`,
          format: 'JSONEachRow',
          values: rows.map((r) => {
            const bytes = r.payload ?? Buffer.alloc(0)
            const cut = bytes.subarray(0, DLQ_PAYLOAD_MAX)
            const text = cut.toString('utf8')
            const valid = Buffer.from(text, 'utf8').equals(cut)
            return {
              at,
              source: r.source,
              reason: r.reason,
              payload: valid ? text : `base64:${cut.toString('base64')}`,
              truncated: bytes.length > DLQ_PAYLOAD_MAX ? 1 : 0,
            }
          }),
        })
      } catch (err) {
        throw new InsertError(
          `writing ${rows.length} dead letters to ClickHouse failed: ${errorMessage(err)}`,
          err,
        )
      }
    },
  }
}

/** The (agency, site, day) values of a batch: the prefix of the `events` sorting key a lookup can prune on. */
function keyRanges(rows: readonly EventRow[]): { agencies: string[]; sites: string[]; days: string[] } {
  const agencies = new Set<string>()
  const sites = new Set<string>()
  // Vietnam days as whole-day numbers first: formatting a date per row cost more than the rest of this loop.
  const dayNumbers = new Set<number>()
  for (const r of rows) {
    agencies.add(r.agency_id)
    sites.add(r.site_id)
    dayNumbers.add(vietnamDayIndex(r.ts))
  }
  const days = [...dayNumbers].map(dayOfIndex)
  return { agencies: [...agencies], sites: [...sites], days }
}
