import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initTf, loadModel, ModelFileError, saveModel, type Tf } from '../../../models/tf/index.ts'

let tf: Tf
let root: string

beforeAll(async () => {
  ;({ tf } = await initTf({ backend: 'wasm', log: () => {} }))
  root = await mkdtemp(join(tmpdir(), 'nhip-model-io-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

function aSmallModel(): import('@tensorflow/tfjs').LayersModel {
  const input = tf.input({ shape: [6] })
  const h = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input)
  const out = tf.layers.dense({ units: 3 }).apply(h) as import('@tensorflow/tfjs').SymbolicTensor
  return tf.model({ inputs: input, outputs: out })
}

describe('saveModel / loadModel', () => {
  it('round-trips predictions exactly and keeps metadata', async () => {
    const model = aSmallModel()
    const x = tf.randomUniform([5, 6], -2, 2, 'float32', 7)
    const before = Array.from((model.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync())
    const dir = join(root, 'roundtrip')
    const info = await saveModel(model, dir, { metadata: { horizon: 28, scales: [1, 2] } })
    expect(info.weightsBytes).toBe((6 * 8 + 8 + 8 * 3 + 3) * 4)
    const loaded = await loadModel(dir)
    const after = Array.from((loaded.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync())
    expect(after).toEqual(before)
    expect(loaded.getUserDefinedMetadata()).toEqual({ horizon: 28, scales: [1, 2] })
  })

  it('overwrites an existing save in place', async () => {
    const dir = join(root, 'overwrite')
    await saveModel(aSmallModel(), dir)
    const second = aSmallModel()
    await saveModel(second, dir)
    const x = tf.ones([1, 6])
    const loaded = await loadModel(dir)
    expect(Array.from((loaded.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync())).toEqual(
      Array.from((second.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync()),
    )
  })

  it('rejects corrupt weights, truncated JSON and a missing directory with a clear error', async () => {
    const dir = join(root, 'corrupt')
    await saveModel(aSmallModel(), dir)
    const weights = await readFile(join(dir, 'weights.bin'))
    weights[10] = (weights[10] ?? 0) ^ 0xff
    await writeFile(join(dir, 'weights.bin'), weights)
    await expect(loadModel(dir)).rejects.toThrow(ModelFileError)
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin does not match model\.json/)

    await writeFile(join(dir, 'weights.bin'), weights.subarray(0, 20))
    await expect(loadModel(dir)).rejects.toThrow(/found 20 bytes/)

    const json = await readFile(join(dir, 'model.json'), 'utf8')
    await writeFile(join(dir, 'model.json'), json.slice(0, json.length / 2))
    await expect(loadModel(dir)).rejects.toThrow(/model\.json is not valid JSON/)

    await expect(loadModel(join(root, 'nope'))).rejects.toThrow(/cannot read .*nope\/model\.json/)
  })
})
