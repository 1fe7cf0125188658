import { describe, expect, it } from 'vitest'
import { EventMessage } from '../../../../ingest/contract/index.ts'
import { createBotFilterStep } from '../../../../transform/pipeline/steps/bot-filter.ts'
import { anEvent } from '../../builders.ts'

const flag = createBotFilterStep()
const event = (overrides: Parameters<typeof anEvent>[0]) => EventMessage.parse(anEvent(overrides))
const verdict = (overrides: Parameters<typeof anEvent>[0]) => {
  const result = flag(event(overrides))
  if (result.kind !== 'ok') throw new Error('the bot filter never rejects')
  return { is_bot: result.value.is_bot, bot_kind: result.value.bot_kind }
}

describe('bot filter step', () => {
  it('leaves a reader alone', () => {
    expect(verdict({})).toEqual({ is_bot: false, bot_kind: '' })
  })

  it("keeps the collector's user-agent verdict and its kind", () => {
    expect(verdict({ client: { bot: true, bot_kind: 'headless' } })).toEqual({
      is_bot: true,
      bot_kind: 'headless',
    })
    expect(verdict({ client: { bot: true, bot_kind: '' } })).toEqual({ is_bot: true, bot_kind: 'crawler' })
  })

  it('flags traffic from a data centre although its user agent looks human', () => {
    expect(verdict({ client: { bot: false, bot_kind: 'datacenter' } })).toEqual({
      is_bot: true,
      bot_kind: 'datacenter',
    })
  })

  it('flags an engagement heartbeat claiming over an hour, but not a long read reported once', () => {
    expect(verdict({ type: 'engagement', engaged_ms: 3_600_001 })).toEqual({
      is_bot: true,
      bot_kind: 'automation',
    })
    expect(verdict({ type: 'engagement', engaged_ms: 3_600_000 })).toEqual({ is_bot: false, bot_kind: '' })
    expect(verdict({ type: 'read_complete', engaged_ms: 5_000_000 })).toEqual({ is_bot: false, bot_kind: '' })
  })

  it('prefers the user-agent reason over behaviour', () => {
    expect(
      verdict({ type: 'engagement', engaged_ms: 9_000_000, client: { bot: true, bot_kind: 'crawler' } }),
    ).toEqual({
      is_bot: true,
      bot_kind: 'crawler',
    })
  })

  it('never drops: bots stay in the stream with the event unchanged otherwise', () => {
    const input = event({ client: { bot: true, bot_kind: 'crawler' } })
    const result = flag(input)
    expect(result).toEqual({ kind: 'ok', value: { ...input, is_bot: true, bot_kind: 'crawler' } })
  })

  it('takes its heartbeat limit from the options', () => {
    const strict = createBotFilterStep({ maxHeartbeatEngagedMs: 60_000 })
    const result = strict(event({ type: 'engagement', engaged_ms: 61_000 }))
    expect(result.kind === 'ok' && result.value.bot_kind).toBe('automation')
  })
})
