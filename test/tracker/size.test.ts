// The tracker loads on every article page of every site: its size is a budget, not a wish. The
// recommendation widget loads only on pages with a block, after the core: a budget of its own.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  buildTracker,
  TRACKER_DIST,
  TRACKER_GZIP_BUDGET,
  WIDGET_DIST,
  WIDGET_GZIP_BUDGET,
  widgetPath,
} from '../../ingest/tracker/build.ts'

describe('tracker build', () => {
  it('fits 2.5 KB gzipped and writes dist/n.js', { timeout: 60_000 }, async () => {
    const { code, gzipBytes, minBytes } = await buildTracker()
    expect(TRACKER_GZIP_BUDGET).toBe(2560)
    expect(gzipBytes).toBeLessThanOrEqual(TRACKER_GZIP_BUDGET)
    expect(gzipBytes).toBe(gzipSync(code, { level: 9 }).length)
    expect(minBytes).toBe(Buffer.byteLength(code))
    expect(readFileSync(TRACKER_DIST, 'utf8')).toBe(code)
    // Type-only imports of the contract must not drag zod into the bundle.
    expect(code).not.toMatch(/zod|ZodError/)
  })

  it('builds the recommendation widget to dist/n.r.js within its own budget, without the core or markup sinks', {
    timeout: 60_000,
  }, async () => {
    const { code, widget } = await buildTracker()
    expect(WIDGET_GZIP_BUDGET).toBe(1536)
    expect(widget.gzipBytes).toBeLessThanOrEqual(WIDGET_GZIP_BUDGET)
    expect(widget.gzipBytes).toBe(gzipSync(widget.code, { level: 9 }).length)
    expect(widget.minBytes).toBe(Buffer.byteLength(widget.code))
    expect(readFileSync(WIDGET_DIST, 'utf8')).toBe(widget.code)
    // The widget talks to the core through `nhip.x`; it must not bundle a second tracker (or zod).
    expect(widget.code).not.toMatch(/zod|sendBeacon|nhip_vid/)
    // Server data reaches the DOM only through textContent and attributes.
    expect(widget.code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)
    // The core requests the widget next to itself.
    expect(code).toContain('.r.js')
    expect(widgetPath('/s/p.js')).toBe('/s/p.r.js')
  })
})
