// File model store for pure TF.js (which has no file:// IO): model.json + weights.bin in one directory.
// Writes are atomic per file and model.json carries the weights' length and sha256, so a torn or corrupt pair
// is rejected on load with a message naming the file, never half-loaded.
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'

export const MODEL_JSON = 'model.json'
export const WEIGHTS_BIN = 'weights.bin'

/** A model directory is missing, unreadable or inconsistent. Not retryable: the files need fixing or re-training. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError'
  readonly code = 'MODEL_FILE'
  readonly retry = false
}

export interface SaveModelOptions {
  /** Stored in model.json (`userDefinedMetadata`) and returned by `model.getUserDefinedMetadata()` after load. */
  metadata?: Record<string, unknown>
}

export interface SavedModelInfo {
  dir: string
  weightsBytes: number
  weightsSha256: string
}

interface ModelJsonFile {
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  modelTopology: object
  trainingConfig?: object
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>
  userDefinedMetadata?: Record<string, unknown>
  nhip: { weightsBytes: number; weightsSha256: string; savedAt: string }
}

async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
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

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0)
  const buffers = Array.isArray(data) ? data : [data]
  const total = buffers.reduce((n, b) => n + b.byteLength, 0)
  const out = new Uint8Array(total)
  let off = 0
  for (const b of buffers) {
    out.set(new Uint8Array(b), off)
    off += b.byteLength
  }
  return out
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/**
 * Saves a LayersModel to `dir/model.json` + `dir/weights.bin` (directory created if needed).
 *
 * @example
 * await saveModel(model, 'data/models/forecast/2026-06-01', { metadata: { horizon: 28 } })
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  opts: SaveModelOptions = {},
): Promise<SavedModelInfo> {
  await mkdir(dir, { recursive: true })
  let info: SavedModelInfo | undefined
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = weightBytes(artifacts.weightData)
      const digest = sha256(weights)
      const json: ModelJsonFile = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: 'nhip models/tf',
        modelTopology: artifacts.modelTopology as object,
        ...(artifacts.trainingConfig === undefined
          ? {}
          : { trainingConfig: artifacts.trainingConfig as object }),
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(opts.metadata === undefined ? {} : { userDefinedMetadata: opts.metadata }),
        nhip: { weightsBytes: weights.byteLength, weightsSha256: digest, savedAt: new Date().toISOString() },
      }
      // Weights first, model.json last: model.json is the commit point, and its checksum exposes a torn pair.
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights)
      await writeFileAtomic(join(dir, MODEL_JSON), `${JSON.stringify(json)}\n`)
      info = { dir, weightsBytes: weights.byteLength, weightsSha256: digest }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    }),
  )
  if (info === undefined) throw new ModelFileError(`saving model to ${dir} produced no artifacts`)
  return info
}

function parseModelJson(text: string, path: string): ModelJsonFile {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ModelFileError(
      `${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    )
  }
  const o = raw as Partial<ModelJsonFile> | null
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new ModelFileError(`${path} is not a model.json object`)
  if (typeof o.modelTopology !== 'object' || o.modelTopology === null)
    throw new ModelFileError(`${path} has no modelTopology`)
  if (
    !Array.isArray(o.weightsManifest) ||
    o.weightsManifest.length !== 1 ||
    !Array.isArray(o.weightsManifest[0]?.weights)
  ) {
    throw new ModelFileError(`${path} has no single weightsManifest group`)
  }
  const n = o.nhip
  if (
    typeof n !== 'object' ||
    n === null ||
    typeof n.weightsBytes !== 'number' ||
    typeof n.weightsSha256 !== 'string'
  ) {
    throw new ModelFileError(`${path} was not written by saveModel (no weights checksum)`)
  }
  return o as ModelJsonFile
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 }

/**
 * Loads a model saved by {@link saveModel}; a missing, truncated or corrupt file is a {@link ModelFileError}.
 * Call `initTf()` first so the weights land on the chosen backend.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON)
  const weightsPath = join(dir, WEIGHTS_BIN)
  let text: string
  try {
    text = await readFile(jsonPath, 'utf8')
  } catch (err) {
    throw new ModelFileError(`cannot read ${jsonPath}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const json = parseModelJson(text, jsonPath)
  let weights: Buffer
  try {
    weights = await readFile(weightsPath)
  } catch (err) {
    throw new ModelFileError(
      `cannot read ${weightsPath}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  if (weights.byteLength !== json.nhip.weightsBytes || sha256(weights) !== json.nhip.weightsSha256) {
    throw new ModelFileError(
      `${weightsPath} does not match ${MODEL_JSON} (expected ${json.nhip.weightsBytes} bytes, sha256 ${json.nhip.weightsSha256.slice(0, 12)}…; found ${weights.byteLength} bytes): corrupt or from another save`,
    )
  }
  const specs = json.weightsManifest[0]?.weights ?? []
  const expected = specs.reduce(
    (sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[s.dtype] ?? Number.NaN),
    0,
  )
  if (expected !== weights.byteLength) {
    throw new ModelFileError(
      `${jsonPath} describes ${expected} bytes of weights but ${WEIGHTS_BIN} has ${weights.byteLength}`,
    )
  }
  const weightData = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  ) as ArrayBuffer
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData,
    ...(json.format === undefined ? {} : { format: json.format }),
    ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
    ...(json.trainingConfig === undefined
      ? {}
      : { trainingConfig: json.trainingConfig as tf.io.TrainingConfig }),
  }
  if (json.userDefinedMetadata !== undefined) {
    artifacts.userDefinedMetadata = json.userDefinedMetadata as NonNullable<
      tf.io.ModelArtifacts['userDefinedMetadata']
    >
  }
  try {
    return await tf.loadLayersModel({ load: async () => artifacts })
  } catch (err) {
    throw new ModelFileError(
      `${jsonPath} could not be turned into a model: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}
