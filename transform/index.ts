// The transform lane's public surface: the pipeline + writer composed, for the Kafka consumer and for
// embedded mode (collector → spool → in-process delivery). Shares only the event contract with ingest.
import type { Registry } from 'prom-client'
import { Counter } from 'prom-client'
import type { ClickHouse } from '../infra/clickhouse/client.ts'
import type { Logger } from '../infra/logger.ts'
import type { ArticleMessage, EventMessage } from '../ingest/contract/index.ts'
import type { SpoolSpan } from '../ingest/kafka/spool.ts'
import { processContentMessage } from './content.ts'
import type { Outcome } from './outcome.ts'
import { articlesFromPageviews, createPageArticleMemo } from './page-articles.ts'
import { createEventPipeline, createSessionizer } from './pipeline/index.ts'
import { createSiteHosts, type SiteHosts } from './site-hosts.ts'
import { createEventWriter, type EventRow, type EventWriter, spoolSource } from './writer.ts'

export { type EventConsumer, type EventConsumerOptions, startEventConsumer } from './consumer.ts'
export { withOutageFile, withSimulatedOutage } from './fault-injection.ts'
export { createEventWriter, type EventRow, type EventWriter, InsertError } from './writer.ts'

/** A record as the in-process delivery receives it (same shape the collector's sink uses). */
export interface InProcessRecord {
  topic: string
  key: string
  value: Buffer | null
  /**
   * An event already in contract shape from a trusted in-process producer (the simulator's bulk back-fill): it
   * enters the pipeline after parse and validate, skipping the bytes → JSON → zod round trip; `value` may be null.
   */
  message?: EventMessage
}

export interface Transform {
  processEvent(value: Buffer | null): Outcome<EventRow>
  processContent(value: Buffer | null): Outcome<ArticleMessage>
  writer: EventWriter
  /** Embedded mode: process and write a batch; dead letters go to the `dead_letters` table. Throws on outage. */
  /** `span`: the spool batch these records are (a replay after a crash has the same span, see writer.ts). */
  deliverInProcess(
    records: InProcessRecord[],
    topics: { events: string; content: string },
    span?: SpoolSpan,
  ): Promise<void>
  close(): void
}

/**
 * @example const transform = await createTransform({ ch, log, metrics })
 */
export async function createTransform(opts: {
  ch: ClickHouse
  log: Logger
  metrics: Registry
}): Promise<Transform> {
  const { ch, log } = opts
  const hosts: SiteHosts = await createSiteHosts(ch, {
    onError: (err) => log.error({ err }, 'site hosts refresh failed; using the last known hosts'),
  })
  const pipeline = createEventPipeline({
    siteHosts: (id) => hosts.hosts(id),
    sessionizer: createSessionizer(),
  })
  const writer = createEventWriter(ch)
  const counted = new Counter({
    name: 'nhip_transform_embedded_rows_total',
    help: 'Embedded mode: messages by outcome',
    labelNames: ['outcome'] as const,
    registers: [opts.metrics],
  })
  const pageArticlesWritten = createPageArticleMemo()
  const processEvent = (value: Buffer | null): Outcome<EventRow> => pipeline(value) as Outcome<EventRow>

  return {
    processEvent,
    processContent: processContentMessage,
    writer,
    async deliverInProcess(records, topics, span) {
      const rows: EventRow[] = []
      const articles: ArticleMessage[] = []
      const dead: Array<{ source: string; reason: string; payload: Buffer | null }> = []
      for (const r of records) {
        const outcome =
          r.topic === topics.content
            ? processContentMessage(r.value)
            : r.message
              ? (pipeline.fromMessage(r.message) as Outcome<EventRow>)
              : processEvent(r.value)
        if (outcome.kind === 'ok') {
          if (r.topic === topics.content) articles.push(outcome.value as ArticleMessage)
          else rows.push(outcome.value as EventRow)
        } else if (outcome.kind === 'dlq')
          dead.push({ source: `embedded:${r.topic}`, reason: outcome.reason, payload: r.value })
        else counted.inc({ outcome: 'dropped' })
      }
      // Dead letters first: if the events write fails, the whole batch is retried and the letters are
      // written again — a duplicate dead letter is harmless, a lost one is not.
      await writer.writeDeadLetters(dead)
      const { inserted, duplicates } = await writer.writeEvents(rows, span ? spoolSource(span) : undefined)
      const pageArticles = pageArticlesWritten.unwritten(articlesFromPageviews(rows))
      await writer.writeArticles([...pageArticles, ...articles])
      pageArticlesWritten.written(pageArticles)
      counted.inc({ outcome: 'inserted' }, inserted)
      counted.inc({ outcome: 'duplicate' }, duplicates)
      counted.inc({ outcome: 'dlq' }, dead.length)
      for (const d of dead) log.warn({ source: d.source, reason: d.reason }, 'message dead-lettered')
    },
    close: () => hosts.close(),
  }
}
