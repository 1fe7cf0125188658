// Step 3: decides is_bot and bot_kind. It flags and never drops: reports filter on is_bot, and keeping
// the rows lets us see how much bot traffic each site gets and audit the rules.
import type { EventMessage } from '../../../ingest/contract/index.ts'
import { ok, type StepResult } from '../outcome.ts'

export type BotKind = EventMessage['client']['bot_kind']

export type BotFlagged<E> = E & { is_bot: boolean; bot_kind: BotKind }

export interface BotFilterOptions {
  /** Most engaged time one engagement heartbeat can report; the tracker sends one every few seconds. Default 1 h. */
  maxHeartbeatEngagedMs?: number
}

const DEFAULT_MAX_HEARTBEAT_MS = 3_600_000

/**
 * Rules, strongest first: the collector's UA verdict (`client.bot`, with its kind, 'crawler' if unnamed);
 * a data-centre source (`client.bot_kind === 'datacenter'`); then behaviour the tracker cannot produce
 * (an engagement heartbeat claiming more than an hour), flagged as 'automation'.
 * @example createBotFilterStep()(event) // ok({ ...event, is_bot: false, bot_kind: '' })
 */
export function createBotFilterStep<E extends EventMessage>(
  options: BotFilterOptions = {},
): (event: E) => StepResult<BotFlagged<E>> {
  const maxHeartbeat = options.maxHeartbeatEngagedMs ?? DEFAULT_MAX_HEARTBEAT_MS
  return (event) => {
    const bot_kind = botKindOf(event, maxHeartbeat)
    return ok({ ...event, is_bot: bot_kind !== '', bot_kind })
  }
}

/**
 * The step's verdict alone ('' = a reader), without copying the event: for callers that build their own row.
 * @example botKindOf(event) // 'crawler'
 */
export function botKindOf(
  event: Pick<EventMessage, 'client' | 'type' | 'engaged_ms'>,
  maxHeartbeatEngagedMs = DEFAULT_MAX_HEARTBEAT_MS,
): BotKind {
  const { client } = event
  if (client.bot) return client.bot_kind === '' ? 'crawler' : client.bot_kind
  if (client.bot_kind === 'datacenter') return 'datacenter'
  if (event.type === 'engagement' && event.engaged_ms > maxHeartbeatEngagedMs) return 'automation'
  return client.bot_kind
}
