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

/**
 * Rules, strongest first: the collector's UA verdict (`client.bot`, with its kind, 'crawler' if unnamed);
 * a data-centre source (`client.bot_kind === 'datacenter'`); then behaviour the tracker cannot produce
 * (an engagement heartbeat claiming more than an hour), flagged as 'automation'.
 * @example createBotFilterStep()(event) // ok({ ...event, is_bot: false, bot_kind: '' })
 */
export function createBotFilterStep<E extends EventMessage>(
  options: BotFilterOptions = {},
): (event: E) => StepResult<BotFlagged<E>> {
  const maxHeartbeat = options.maxHeartbeatEngagedMs ?? 3_600_000
  return (event) => {
    const { client } = event
    let bot_kind: BotKind = ''
    if (client.bot) bot_kind = client.bot_kind === '' ? 'crawler' : client.bot_kind
    else if (client.bot_kind === 'datacenter') bot_kind = 'datacenter'
    else if (event.type === 'engagement' && event.engaged_ms > maxHeartbeat) bot_kind = 'automation'
    else if (client.bot_kind !== '') bot_kind = client.bot_kind
    return ok({ ...event, is_bot: bot_kind !== '', bot_kind })
  }
}
