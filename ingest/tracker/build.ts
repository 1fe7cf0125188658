// Bundles and minifies the browser tracker to `ingest/tracker/dist/n.js` and its recommendation widget to
// `dist/n.r.js`, and checks both size budgets. In-process: `await buildTracker()` (the collector calls it at
// start; the benchmark and the size test call it too). CLI: `npx tsx ingest/tracker/build.ts` prints the
// sizes and exits non-zero when a gzipped script is over its budget.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { type BuildOptions, build } from 'esbuild'

const here = path.dirname(fileURLToPath(import.meta.url))

/** Source entry point. */
export const TRACKER_ENTRY = path.join(here, 'tracker.ts')
/** Where the built script is written (the collector serves it at `NHIP_TRACKER_PATH`, default `/s/p.js`). */
export const TRACKER_DIST = path.join(here, 'dist', 'n.js')
/** Most gzipped bytes the tracker may weigh: it loads on every article page of every site. */
export const TRACKER_GZIP_BUDGET = 2560
/** The recommendation widget's entry point; the core loads it only on pages with `[data-nhip-recs]`. */
export const WIDGET_ENTRY = path.join(here, 'widget.ts')
export const WIDGET_DIST = path.join(here, 'dist', 'n.r.js')
/** The widget loads after the page, on pages with a block only: a budget all the same. */
export const WIDGET_GZIP_BUDGET = 1536

export { widgetPath } from './paths.ts'

export interface ScriptBuild {
  /** the minified script */
  code: string
  /** gzip size (level 9, as the collector pre-compresses it once) */
  gzipBytes: number
  minBytes: number
}

export interface TrackerBuild extends ScriptBuild {
  /** the recommendation widget (dist/n.r.js) */
  widget: ScriptBuild
}

const options: BuildOptions = {
  bundle: true,
  format: 'iife',
  // Browsers with fetch keepalive, sendBeacon and IntersectionObserver all speak ES2020; keeping
  // `?.` and `??` untranspiled saves bytes.
  target: 'es2020',
  platform: 'browser',
  write: false,
  legalComments: 'none',
  // The tsconfig's strict mode would prepend "use strict": the IIFE does not need it.
  tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
  logLevel: 'silent',
}

async function bundle(entry: string, minify: boolean): Promise<string> {
  const out = await build({ ...options, entryPoints: [entry], minify })
  const file = out.outputFiles?.[0]
  if (!file) throw new Error(`esbuild produced no output for ${path.basename(entry)}`)
  return file.text
}

/** Writes atomically: a concurrent reader (the collector, another test) never sees half a file. */
function writeAtomic(file: string, code: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, code)
  renameSync(tmp, file)
}

const sizes = (code: string): ScriptBuild => ({
  code,
  minBytes: Buffer.byteLength(code),
  gzipBytes: gzipSync(code, { level: 9 }).length,
})

/**
 * Builds the minified tracker and widget, writes them to TRACKER_DIST and WIDGET_DIST and returns them
 * with their sizes.
 * @example const { code, gzipBytes, widget } = await buildTracker()
 */
export async function buildTracker(): Promise<TrackerBuild> {
  const [code, widget] = await Promise.all([bundle(TRACKER_ENTRY, true), bundle(WIDGET_ENTRY, true)])
  writeAtomic(TRACKER_DIST, code)
  writeAtomic(WIDGET_DIST, widget)
  return { ...sizes(code), widget: sizes(widget) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const raw = await Promise.all([bundle(TRACKER_ENTRY, false), bundle(WIDGET_ENTRY, false)])
    const built = await buildTracker()
    let over = false
    for (const [file, b, budget, rawCode] of [
      [TRACKER_DIST, built, TRACKER_GZIP_BUDGET, raw[0]],
      [WIDGET_DIST, built.widget, WIDGET_GZIP_BUDGET, raw[1]],
    ] as const) {
      const isOver = b.gzipBytes > budget
      over ||= isOver
      process.stdout.write(
        `${path.relative(process.cwd(), file)}: raw ${Buffer.byteLength(rawCode)} B, minified ${b.minBytes} B, ` +
          `gzip ${b.gzipBytes} B (budget ${budget} B${isOver ? ', OVER BUDGET' : ''})\n`,
      )
    }
    process.exitCode = over ? 1 : 0
  } catch (err) {
    process.stderr.write(`tracker build failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
}
