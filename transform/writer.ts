// Batched, idempotent ClickHouse writes. Each event_id is inserted once: ids already in `events` are
// skipped, so replays (crash before commit, rebalance, offset reset) change no count — not in `events`,
// and not in the materialized rollups fed by its inserts. `events` is a ReplacingMergeTree as a second net.
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import { AppError, errorMessage } from '../infra/errors.ts'
import type { ArticleMessage } from '../ingest/contract/index.ts'
import type { EnrichedEvent } from './pipeline/pipeline.ts'

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

const VN_OFFSET_MS = 7 * 3_600_000

/** Calendar day in Vietnam time (UTC+7, no daylight saving) as YYYY-MM-DD — the `day` column. */
export function vietnamDay(tsMs: number): string {
  return new Date(tsMs + VN_OFFSET_MS).toISOString().slice(0, 10)
}

/** DateTime64(3) text in UTC. */
export function chDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

export interface EventWriter {
  /** Inserts the rows whose event_id is not stored yet; returns how many were new and how many were replays. */
  writeEvents(rows: EventRow[]): Promise<{ inserted: number; duplicates: number }>
  /** Upserts article metadata (latest `updated_at` wins in the ReplacingMergeTree). */
  writeArticles(rows: ArticleMessage[]): Promise<number>
  /** Records messages that could not be processed. */
  writeDeadLetters(rows: Array<{ source: string; reason: string; payload: Buffer | null }>): Promise<void>
}

const DLQ_PAYLOAD_MAX = 256 * 1024

/**
 * @example const writer = createEventWriter(ch)
 *          const { inserted } = await writer.writeEvents(rows)
 */
export function createEventWriter(ch: ClickHouse, opts: { chunkRows?: number } = {}): EventWriter {
  const db = ch.database
  // 5 000 ids per existence check keeps the query parameters well under HTTP URL limits on a server.
  const chunkRows = opts.chunkRows ?? 5000

  async function existingIds(rows: EventRow[]): Promise<Set<string>> {
    const sites = [...new Set(rows.map((r) => r.site_id))]
    const days = [...new Set(rows.map((r) => vietnamDay(r.ts)))]
    const rs = await ch.client.query({
      query: `SELECT toString(event_id) AS id FROM ${db}.events
              WHERE site_id IN {sites:Array(String)} AND day IN {days:Array(Date)} AND event_id IN {ids:Array(UUID)}`,
      query_params: { sites, days, ids: rows.map((r) => r.event_id) },
      format: 'JSONEachRow',
    })
    return new Set((await rs.json<{ id: string }>()).map((r) => r.id))
  }

  async function insertChunk(rows: EventRow[]): Promise<number> {
    const existing = await existingIds(rows)
    const fresh = rows.filter((r) => !existing.has(r.event_id))
    if (fresh.length === 0) return 0
    await ch.client.insert({
      table: `${db}.events`,
      format: 'JSONEachRow',
      values: fresh.map(({ author: _a, published_at: _p, ...r }) => ({
        ...r,
        ts: chDateTime(r.ts),
        received_at: chDateTime(r.received_at),
        consented: r.consented ? 1 : 0,
        is_bot: r.is_bot ? 1 : 0,
      })),
    })
    return fresh.length
  }

  return {
    async writeEvents(rows) {
      // Within a batch, the first copy of an event id wins (a tracker retry can put two in one batch).
      const seen = new Set<string>()
      const unique = rows.filter((r) => (seen.has(r.event_id) ? false : (seen.add(r.event_id), true)))
      let inserted = 0
      try {
        for (let i = 0; i < unique.length; i += chunkRows) inserted += await insertChunk(unique.slice(i, i + chunkRows))
      } catch (err) {
        throw new InsertError(`writing ${unique.length} events to ClickHouse failed: ${errorMessage(err)}`, err)
      }
      return { inserted, duplicates: rows.length - inserted }
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
        throw new InsertError(`writing ${rows.length} articles to ClickHouse failed: ${errorMessage(err)}`, err)
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
        throw new InsertError(`writing ${rows.length} dead letters to ClickHouse failed: ${errorMessage(err)}`, err)
      }
    },
  }
}
