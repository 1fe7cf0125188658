import { describe, expect, it } from 'vitest'
import { BOT_USER_AGENTS, READER_PROVINCES, READER_USER_AGENTS } from '../../bench/simulator/clients.ts'
import { VIETNAM_PROVINCES } from '../../ingest/edge/data/vietnam-provinces.ts'
import { classifyUserAgent } from '../../ingest/edge/classify-user-agent.ts'

describe('simulated clients', () => {
  it('gives each user agent the facts the collector derives from it', () => {
    for (const p of [...READER_USER_AGENTS, ...BOT_USER_AGENTS]) {
      const derived = classifyUserAgent(p.ua)
      // A data-centre scraper has a normal browser UA: the collector flags it by address, not by UA.
      const expected = p.facts.bot_kind === 'datacenter' ? { ...p.facts, bot_kind: '' } : p.facts
      expect(derived, p.ua).toEqual(expected)
    }
  })

  it('has about three quarters of readers on phones, with Zalo, Facebook and Cốc Cốc browsers', () => {
    const total = READER_USER_AGENTS.reduce((s, p) => s + p.weight, 0)
    const share = (f: (p: (typeof READER_USER_AGENTS)[number]) => boolean) =>
      READER_USER_AGENTS.filter(f).reduce((s, p) => s + p.weight, 0) / total
    expect(share((p) => p.facts.device === 'mobile')).toBeGreaterThan(0.7)
    expect(share((p) => p.facts.device === 'mobile')).toBeLessThan(0.8)
    for (const browser of ['Zalo', 'Facebook', 'Coc Coc'])
      expect(share((p) => p.facts.browser === browser)).toBeGreaterThan(0.03)
  })

  it('places readers in real (legacy) provinces, mostly Lâm Đồng and its 2025 merger partners', () => {
    const names = new Set(VIETNAM_PROVINCES.map((p) => p.name))
    for (const p of READER_PROVINCES) if (p.province) expect(names.has(p.province), p.province).toBe(true)
    const total = READER_PROVINCES.reduce((s, p) => s + p.weight, 0)
    const home = READER_PROVINCES.filter((p) => ['Lâm Đồng', 'Bình Thuận', 'Đắk Nông'].includes(p.province))
    expect(home.reduce((s, p) => s + p.weight, 0) / total).toBeGreaterThan(0.6)
  })
})
