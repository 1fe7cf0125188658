// File-based model registry: `<dir>/v<N>/model.json + weights.bin + metrics.json`, and a `current` pointer file
// (written atomically) naming the version that serves. A new version is promoted only if its files load and it
// is not worse than the current one beyond a tolerance; a corrupt version is rejected and the previous keeps serving.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { loadModel, ModelFileError, saveModel } from '../tf/index.ts'
import type { RecLog } from './log.ts'
import { type Recommender, type RecommenderConfig, recommenderFromModel } from './model.ts'

export const CURRENT_FILE = 'current'
export const METRICS_FILE = 'metrics.json'

const MetricsSchema = z.object({
  'recall@10': z.number(),
  'ndcg@10': z.number(),
  mrr: z.number(),
  coverage: z.number(),
})

const VersionInfoSchema = z.object({
  version: z.number().int().positive(),
  created_at: z.string(),
  data_window: z.object({
    train_from: z.string().nullable(),
    train_to: z.string().nullable(),
    test_from: z.string().nullable(),
    test_to: z.string().nullable(),
  }),
  backend: z.string(),
  training_seconds: z.number(),
  examples_per_s: z.number().optional(),
  metrics: MetricsSchema,
  baselines: z.record(z.string(), MetricsSchema.nullable()).optional(),
  config: z.record(z.string(), z.unknown()),
  promoted_at: z.string().nullable(),
})

/** What `metrics.json` holds for one version. */
export type ModelVersionInfo = z.infer<typeof VersionInfoSchema>

export type NewVersionInfo = Omit<ModelVersionInfo, 'version' | 'created_at' | 'promoted_at' | 'config'>

export interface PromotionResult {
  version: number
  promoted: boolean
  /** The version serving after this call (null: none yet). */
  current: number | null
  reason: string
}

async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

const versionDir = (dir: string, v: number) => join(dir, `v${v}`)

/** Versions present in the registry, ascending. */
export async function listVersions(dir: string): Promise<number[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  return names
    .map((n) => /^v(\d+)$/.exec(n)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

/** The version the `current` pointer names, or null. */
export async function currentVersion(dir: string): Promise<number | null> {
  try {
    const text = (await readFile(join(dir, CURRENT_FILE), 'utf8')).trim()
    const m = /^v(\d+)$/.exec(text)
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** Reads and validates `v<N>/metrics.json`; a missing or malformed file is a ModelFileError. */
export async function readVersionInfo(dir: string, version: number): Promise<ModelVersionInfo> {
  const path = join(versionDir(dir, version), METRICS_FILE)
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new ModelFileError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const parsed = VersionInfoSchema.safeParse(raw)
  if (!parsed.success)
    throw new ModelFileError(
      `${path} is not a valid metrics file: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    )
  return parsed.data
}

/** Writes a new version `v<max+1>` (model files + metrics.json); does not promote it. */
export async function writeVersion(dir: string, rec: Recommender, info: NewVersionInfo): Promise<number> {
  await mkdir(dir, { recursive: true })
  const version = ((await listVersions(dir)).at(-1) ?? 0) + 1
  const vdir = versionDir(dir, version)
  await saveModel(rec.model, vdir, { metadata: { recommender: rec.config } })
  const full: ModelVersionInfo = {
    ...info,
    version,
    created_at: new Date().toISOString(),
    config: rec.config as unknown as Record<string, unknown>,
    promoted_at: null,
  }
  await writeFileAtomic(join(vdir, METRICS_FILE), `${JSON.stringify(full, null, 2)}\n`)
  return version
}

/** Loads one version's model; corrupt or missing files are a ModelFileError. */
export async function loadVersion(
  dir: string,
  version: number,
): Promise<{ rec: Recommender; info: ModelVersionInfo }> {
  const info = await readVersionInfo(dir, version)
  const model = await loadModel(versionDir(dir, version))
  const meta = model.getUserDefinedMetadata() as { recommender?: RecommenderConfig } | undefined
  if (!meta?.recommender)
    throw new ModelFileError(`${versionDir(dir, version)}/model.json has no recommender config`)
  return { rec: recommenderFromModel(model, meta.recommender), info }
}

/**
 * Promotes `version` if its files load and its recall@10 is not below the current version's by more than
 * `tolerance`; otherwise the current version keeps serving. The pointer is replaced atomically.
 */
export async function promoteIfNotWorse(
  dir: string,
  version: number,
  opts: { tolerance: number; log?: RecLog },
): Promise<PromotionResult> {
  const current = await currentVersion(dir)
  let candidate: ModelVersionInfo
  try {
    const loaded = await loadVersion(dir, version)
    loaded.rec.model.dispose()
    candidate = loaded.info
  } catch (err) {
    const reason = `v${version} rejected: ${err instanceof Error ? err.message : String(err)}`
    opts.log?.warn(
      { version, current },
      `model registry: ${reason}; ${current === null ? 'no version' : `v${current}`} keeps serving`,
    )
    return { version, promoted: false, current, reason }
  }
  if (current !== null && current !== version) {
    let serving: ModelVersionInfo | null = null
    try {
      serving = await readVersionInfo(dir, current)
    } catch (err) {
      opts.log?.warn(
        { current },
        `model registry: current v${current} metrics unreadable (${String(err)}); promoting v${version}`,
      )
    }
    const now = candidate.metrics['recall@10']
    const before = serving?.metrics['recall@10']
    if (before !== undefined && now < before - opts.tolerance) {
      const reason = `v${version} not promoted: recall@10 ${now} is below current v${current}'s ${before} by more than ${opts.tolerance}`
      opts.log?.info(
        { version, current, recall10: now, current_recall10: before },
        `model registry: ${reason}`,
      )
      return { version, promoted: false, current, reason }
    }
  }
  const promoted: ModelVersionInfo = { ...candidate, promoted_at: new Date().toISOString() }
  await writeFileAtomic(
    join(versionDir(dir, version), METRICS_FILE),
    `${JSON.stringify(promoted, null, 2)}\n`,
  )
  await writeFileAtomic(join(dir, CURRENT_FILE), `v${version}\n`)
  const reason =
    current === null ? `v${version} promoted (first version)` : `v${version} promoted over v${current}`
  opts.log?.info(
    { version, previous: current, recall10: candidate.metrics['recall@10'] },
    `model registry: ${reason}`,
  )
  return { version, promoted: true, current: version, reason }
}

/** Writes a new version and promotes it if it is not worse (see {@link promoteIfNotWorse}). */
export async function publishVersion(
  dir: string,
  rec: Recommender,
  info: NewVersionInfo,
  opts: { tolerance: number; log?: RecLog },
): Promise<PromotionResult> {
  const version = await writeVersion(dir, rec, info)
  return promoteIfNotWorse(dir, version, opts)
}

/**
 * Loads the serving model: the `current` version, or — if its files are corrupt — the newest earlier version
 * that was promoted once and still loads. Null when there is nothing to serve (callers use the fallbacks).
 */
export async function loadServingModel(
  dir: string,
  log?: RecLog,
): Promise<{ version: number; rec: Recommender; info: ModelVersionInfo } | null> {
  const current = await currentVersion(dir)
  if (current === null) {
    log?.info({ dir }, 'model registry: no current model; recommendations use the fallbacks')
    return null
  }
  const older = (await listVersions(dir)).filter((v) => v < current).reverse()
  for (const v of [current, ...older]) {
    try {
      const loaded = await loadVersion(dir, v)
      if (v !== current && loaded.info.promoted_at === null) {
        loaded.rec.model.dispose()
        continue
      }
      if (v !== current)
        log?.warn(
          { current, serving: v },
          `model registry: v${current} is corrupt; serving the previous version v${v}`,
        )
      return { version: v, ...loaded }
    } catch (err) {
      log?.warn(
        { version: v },
        `model registry: v${v} cannot be loaded: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
  }
  log?.warn({ dir }, 'model registry: no loadable model; recommendations use the fallbacks')
  return null
}
