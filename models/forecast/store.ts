// The forecast model store: a trained suite in one directory — each network through models/tf's file store
// (model.json + weights.bin, checksummed), and suite.json with the served methods and model settings, written
// last and atomically, so a directory without suite.json is an unfinished save and is never loaded.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { loadModel, ModelFileError, saveModel, type Tf } from '../tf/index.ts'
import { type ArticlePotentialParts, articlePotentialFromParts } from './article-potential.ts'
import { METHOD_NAMES } from './backtest.ts'
import { ENSEMBLE_MEMBERS } from './ensemble.ts'
import type { ForecastModel, ForecastModelConfig } from './model.ts'
import type { ServingFrequency, ServingSuite } from './suite.ts'

export const SUITE_JSON = 'suite.json'

const Method = z.enum(METHOD_NAMES)
const FrequencyFile = z.object({
  freq: z.enum(['daily', 'hourly']),
  horizon: z.number().int().positive(),
  served: z.record(z.string(), Method),
  defaultMethod: Method,
  seriesNotes: z.record(z.string(), z.array(z.string())).optional(),
  ensembleWeights: z.partialRecord(z.enum(ENSEMBLE_MEMBERS), z.number().min(0)).optional(),
  members: z.number().int().min(0),
  config: z.record(z.string(), z.unknown()).nullable(),
})
const SuiteFile = z.object({
  version: z.string().min(1),
  hourly: FrequencyFile,
  daily: FrequencyFile,
  article: z
    .object({
      spec: z.object({ sections: z.array(z.string()), mean: z.array(z.number()), std: z.array(z.number()) }),
      baseline: z.object({ logR24: z.number(), logR72: z.number() }),
      bands: z.object({ lo24: z.number(), hi24: z.number(), lo72: z.number(), hi72: z.number() }),
      trainedOn: z.number(),
    })
    .nullable(),
  articleLogLinear: z.object({ logR24: z.number(), logR72: z.number() }).nullable(),
})

async function saveFrequency(dir: string, f: ServingFrequency): Promise<z.infer<typeof FrequencyFile>> {
  const nets = f.model?.nets ?? []
  for (const [i, net] of nets.entries()) await saveModel(net, path.join(dir, f.freq, `net-${i}`))
  return {
    freq: f.freq,
    horizon: f.horizon,
    served: f.served,
    defaultMethod: f.defaultMethod,
    ...(f.seriesNotes ? { seriesNotes: f.seriesNotes } : {}),
    ...(f.ensembleWeights ? { ensembleWeights: f.ensembleWeights } : {}),
    members: nets.length,
    config: f.model ? (f.model.config as unknown as Record<string, unknown>) : null,
  }
}

/**
 * Saves a trained suite under `dir` (created). suite.json goes last, through a rename.
 * @example await saveForecastSuite(path.join(dataDir, 'models', 'forecast', runId), suite)
 */
export async function saveForecastSuite(dir: string, suite: ServingSuite): Promise<void> {
  await mkdir(dir, { recursive: true })
  const hourly = await saveFrequency(dir, suite.hourly)
  const daily = await saveFrequency(dir, suite.daily)
  let article: ArticlePotentialParts | null = null
  if (suite.article) {
    await saveModel(suite.article.net, path.join(dir, 'article'))
    const { spec, baseline, bands, trainedOn } = suite.article
    article = { spec, baseline, bands, trainedOn }
  }
  const file: z.infer<typeof SuiteFile> = {
    version: suite.version,
    hourly,
    daily,
    article,
    articleLogLinear: suite.articleLogLinear ?? null,
  }
  const tmp = path.join(dir, `.${SUITE_JSON}.${process.pid}.tmp`)
  await writeFile(tmp, `${JSON.stringify(file)}\n`)
  await rename(tmp, path.join(dir, SUITE_JSON))
}

async function loadFrequency(dir: string, f: z.infer<typeof FrequencyFile>): Promise<ServingFrequency> {
  const out: ServingFrequency = {
    freq: f.freq,
    horizon: f.horizon,
    served: f.served,
    defaultMethod: f.defaultMethod,
    ...(f.seriesNotes ? { seriesNotes: f.seriesNotes } : {}),
    ...(f.ensembleWeights ? { ensembleWeights: f.ensembleWeights } : {}),
  }
  if (f.members > 0 && f.config) {
    const nets = []
    for (let i = 0; i < f.members; i++) nets.push(await loadModel(path.join(dir, f.freq, `net-${i}`)))
    const model: ForecastModel = {
      config: f.config as unknown as ForecastModelConfig,
      nets,
      trainedWindows: 0,
      bestEpochs: [],
      seconds: 0,
    }
    out.model = model
  }
  return out
}

/**
 * Loads a suite saved by {@link saveForecastSuite}. A missing or invalid suite.json is a ModelFileError naming it.
 * @example const suite = await loadForecastSuite(tf, dir)
 */
export async function loadForecastSuite(tf: Tf, dir: string): Promise<ServingSuite> {
  const file = path.join(dir, SUITE_JSON)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ModelFileError(
      `${file}: cannot read the forecast suite (${err instanceof Error ? err.message : String(err)})`,
    )
  }
  const parsed = SuiteFile.safeParse(JSON.parse(text))
  if (!parsed.success) throw new ModelFileError(`${file}: not a forecast suite (${parsed.error.message})`)
  const s = parsed.data
  const suite: ServingSuite = {
    version: s.version,
    hourly: await loadFrequency(dir, s.hourly),
    daily: await loadFrequency(dir, s.daily),
  }
  if (s.articleLogLinear) suite.articleLogLinear = s.articleLogLinear
  if (s.article)
    suite.article = articlePotentialFromParts(tf, await loadModel(path.join(dir, 'article')), s.article)
  return suite
}
