// Bundles and minifies the browser tracker to `ingest/tracker/dist/n.js` and checks its size budget.
// In-process: `await buildTracker()` (the collector calls it at start when dist/n.js is missing; the
// benchmark and the size test call it too). CLI: `npx tsx ingest/tracker/build.ts` prints the sizes and
// exits non-zero when the gzipped script is over budget.
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

export interface TrackerBuild {
  /** the minified script */
  code: string
  /** gzip size (level 9, as the collector pre-compresses it once) */
  gzipBytes: number
  minBytes: number
}

const options: BuildOptions = {
  entryPoints: [TRACKER_ENTRY],
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

async function bundle(minify: boolean): Promise<string> {
  const out = await build({ ...options, minify })
  const file = out.outputFiles?.[0]
  if (!file) throw new Error('esbuild produced no output for the tracker')
  return file.text
}

/**
 * Builds the minified tracker, writes it to TRACKER_DIST (atomically: a concurrent reader never sees
 * half a file) and returns it with its sizes.
 * @example const { code, gzipBytes } = await buildTracker()
 */
export async function buildTracker(): Promise<TrackerBuild> {
  const code = await bundle(true)
  mkdirSync(path.dirname(TRACKER_DIST), { recursive: true })
  const tmp = `${TRACKER_DIST}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, code)
  renameSync(tmp, TRACKER_DIST)
  return {
    code,
    minBytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).length,
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const raw = Buffer.byteLength(await bundle(false))
    const { minBytes, gzipBytes } = await buildTracker()
    const over = gzipBytes > TRACKER_GZIP_BUDGET
    process.stdout.write(
      `${path.relative(process.cwd(), TRACKER_DIST)}: raw ${raw} B, minified ${minBytes} B, gzip ${gzipBytes} B ` +
        `(budget ${TRACKER_GZIP_BUDGET} B${over ? ', OVER BUDGET' : ''})\n`,
    )
    process.exitCode = over ? 1 : 0
  } catch (err) {
    process.stderr.write(`tracker build failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
}
