// The two-tower recommender. Item tower: an article's content features (hashed title/tag tokens, section,
// author, paywall, hashed id) → a unit vector, so a brand-new article can be embedded. User tower: the
// recency-weighted mean of the item vectors of the reader's recent reads → a unit vector (no per-user table:
// anonymous sessions work from the current session's reads). Score = q·v/τ + a learned freshness bias per age
// bucket (additive, so item vectors do not depend on the request time and can be cached).
import * as tf from '@tensorflow/tfjs'
import type { Tf } from '../tf/index.ts'
import { AGE_BUCKETS, type FeatureConfig, type ItemFeatureTable } from './features.ts'

/** Hyper-parameters of the network, saved with it (serving needs the same feature hashing and history). */
export interface RecommenderConfig {
  features: FeatureConfig
  dim: number
  hidden: number
  historyLength: number
  /** Recency weights halve every this many reads back in the history. */
  historyHalfLifeReads: number
  temperature: number
}

export const DEFAULT_RECOMMENDER_CONFIG: Omit<RecommenderConfig, 'features'> = {
  dim: 64,
  hidden: 128,
  historyLength: 10,
  historyHalfLifeReads: 3,
  temperature: 0.05,
}

/** Masked mean over the token axis: padding ids (0) do not count. Inputs: [tokens, embedded tokens]. */
class MaskedMeanPool extends tf.layers.Layer {
  static className = 'NhipMaskedMeanPool'
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const emb = (inputShape as tf.Shape[])[1] as tf.Shape
    return [emb[0] ?? null, emb[2] ?? null]
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [tokens, emb] = inputs as tf.Tensor[]
      const mask = tf.cast(tf.greater(tokens as tf.Tensor, 0), 'float32').expandDims(-1)
      const sum = tf.sum(tf.mul(emb as tf.Tensor, mask), 1)
      return tf.div(sum, tf.maximum(tf.sum(mask, 1), 1))
    })
  }
}
tf.serialization.registerClass(MaskedMeanPool)

/** Scales each row to unit length (cosine geometry keeps the in-batch softmax well conditioned). */
class L2Normalize extends tf.layers.Layer {
  static className = 'NhipL2Normalize'
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs
      return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12)))
    })
  }
}
tf.serialization.registerClass(L2Normalize)

/** A trained (or freshly built) recommender: the saved model plus views of its towers. */
export interface Recommender {
  config: RecommenderConfig
  /** All towers in one LayersModel (what `saveModel` stores). */
  model: tf.LayersModel
  itemTower: tf.LayersModel
  queryTower: tf.LayersModel
  /** The freshness-bias embedding's variable (AGE_BUCKETS × 1). */
  ageBiasVariable: tf.Variable
}

function towersOf(model: tf.LayersModel, config: RecommenderConfig): Recommender {
  const [tok, sec, auth, pay, id, pooled] = model.inputs
  const [itemVec, queryVec] = model.outputs
  if (!tok || !sec || !auth || !pay || !id || !pooled || !itemVec || !queryVec) {
    throw new Error('recommender model does not have the expected inputs/outputs')
  }
  const itemTower = tf.model({ inputs: [tok, sec, auth, pay, id], outputs: itemVec })
  const queryTower = tf.model({ inputs: pooled, outputs: queryVec })
  const ageLayer = model.getLayer('age_bias')
  const ageBiasVariable = ageLayer.trainableWeights[0]?.read() as tf.Variable | undefined
  if (!ageBiasVariable) throw new Error('recommender model has no age_bias weights')
  return { config, model, itemTower, queryTower, ageBiasVariable }
}

/** Builds an untrained two-tower model. */
export function buildRecommender(config: RecommenderConfig, seed = 42): Recommender {
  const f = config.features
  const d = config.dim
  const tok = tf.input({ shape: [f.tokensPerItem], dtype: 'int32', name: 'tokens' })
  const sec = tf.input({ shape: [1], dtype: 'int32', name: 'section' })
  const auth = tf.input({ shape: [1], dtype: 'int32', name: 'author' })
  const pay = tf.input({ shape: [1], dtype: 'int32', name: 'paywall' })
  const id = tf.input({ shape: [1], dtype: 'int32', name: 'item_id' })
  const pooled = tf.input({ shape: [d], dtype: 'float32', name: 'pooled_history' })
  const age = tf.input({ shape: [1], dtype: 'int32', name: 'age_bucket' })
  const uniform = (s: number) => tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: s })

  const tokEmb = tf.layers
    .embedding({
      inputDim: f.tokenBuckets,
      outputDim: d,
      embeddingsInitializer: uniform(seed),
      name: 'token_embedding',
    })
    .apply(tok) as tf.SymbolicTensor
  const tokPooled = new MaskedMeanPool({ name: 'token_pool' }).apply([tok, tokEmb]) as tf.SymbolicTensor
  const small = (input: tf.SymbolicTensor, buckets: number, dim: number, name: string, s: number) =>
    tf.layers.flatten({ name: `${name}_flat` }).apply(
      tf.layers
        .embedding({
          inputDim: buckets,
          outputDim: dim,
          embeddingsInitializer: uniform(s),
          name: `${name}_embedding`,
        })
        .apply(input),
    ) as tf.SymbolicTensor
  const secVec = small(sec, f.sectionBuckets, 16, 'section', seed + 1)
  const authVec = small(auth, f.authorBuckets, 16, 'author', seed + 2)
  const payVec = small(pay, 3, 4, 'paywall', seed + 3)
  // Content mode: id vectors start at zero, so an id never seen in training adds nothing (pure content).
  const idInit = f.useContent ? tf.initializers.zeros() : uniform(seed + 4)
  const idVec = tf.layers.flatten({ name: 'item_id_flat' }).apply(
    tf.layers
      .embedding({
        inputDim: f.idBuckets,
        outputDim: d,
        embeddingsInitializer: idInit,
        name: 'item_id_embedding',
      })
      .apply(id),
  ) as tf.SymbolicTensor
  const concat = tf.layers
    .concatenate({ name: 'item_features' })
    .apply([tokPooled, secVec, authVec, payVec, idVec])
  const hidden = tf.layers
    .dense({
      units: config.hidden,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 5 }),
      name: 'item_hidden',
    })
    .apply(concat)
  const itemOut = tf.layers
    .dense({
      units: d,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 6 }),
      name: 'item_out',
    })
    .apply(hidden)
  // A skip from the id vector keeps warm items close to their collaborative signal.
  const itemSum = tf.layers.add({ name: 'item_skip' }).apply([itemOut as tf.SymbolicTensor, idVec])
  const itemVec = new L2Normalize({ name: 'item_vector' }).apply(itemSum) as tf.SymbolicTensor

  const q = tf.layers
    .dense({ units: d, kernelInitializer: tf.initializers.identity({ gain: 1 }), name: 'query_transform' })
    .apply(pooled)
  const queryVec = new L2Normalize({ name: 'query_vector' }).apply(q) as tf.SymbolicTensor

  const ageBias = tf.layers.flatten({ name: 'age_bias_flat' }).apply(
    tf.layers
      .embedding({
        inputDim: AGE_BUCKETS,
        outputDim: 1,
        embeddingsInitializer: tf.initializers.zeros(),
        name: 'age_bias',
      })
      .apply(age),
  ) as tf.SymbolicTensor

  const model = tf.model({
    inputs: [tok, sec, auth, pay, id, pooled, age],
    outputs: [itemVec, queryVec, ageBias],
    name: 'nhip_two_tower',
  })
  return towersOf(model, config)
}

/** Re-creates the tower views of a loaded model; the config comes from the model's metadata. */
export function recommenderFromModel(model: tf.LayersModel, config: RecommenderConfig): Recommender {
  return towersOf(model, config)
}

/** Item-tower input tensors for a feature table (caller disposes). */
export function itemInputs(
  t: Tf,
  table: ItemFeatureTable,
  tokensPerItem: number,
  idOverride?: Int32Array,
): tf.Tensor[] {
  const n = table.count
  return [
    t.tensor2d(table.tokens, [n, tokensPerItem], 'int32'),
    t.tensor2d(table.section, [n, 1], 'int32'),
    t.tensor2d(table.author, [n, 1], 'int32'),
    t.tensor2d(table.paywall, [n, 1], 'int32'),
    t.tensor2d(idOverride ?? table.idHash, [n, 1], 'int32'),
  ]
}

/**
 * Item vectors (n × dim, row-major) for a feature table, computed in chunks. In content mode an id never
 * seen in training still has its zero initial vector, so a new article is embedded from its content alone.
 */
export function embedItems(t: Tf, rec: Recommender, table: ItemFeatureTable, chunk = 4096): Float32Array {
  const d = rec.config.dim
  const L = rec.config.features.tokensPerItem
  const out = new Float32Array(table.count * d)
  for (let start = 0; start < table.count; start += chunk) {
    const end = Math.min(table.count, start + chunk)
    const part: ItemFeatureTable = {
      count: end - start,
      tokens: table.tokens.subarray(start * L, end * L),
      section: table.section.subarray(start, end),
      author: table.author.subarray(start, end),
      paywall: table.paywall.subarray(start, end),
      idHash: table.idHash.subarray(start, end),
    }
    const vecs = t.tidy(() => rec.itemTower.predict(itemInputs(t, part, L)) as tf.Tensor)
    out.set(vecs.dataSync() as Float32Array, start * d)
    vecs.dispose()
  }
  return out
}

/**
 * Query vectors (rows × dim) from histories of item rows (most recent first, -1 = padding), given the item
 * vectors of the catalogue. An all-padding history gives a zero vector (callers fall back before that).
 */
export function queryVectors(
  t: Tf,
  rec: Recommender,
  itemVecs: Float32Array,
  histories: ArrayLike<number>,
  rows: number,
  weights: ArrayLike<number>,
): Float32Array {
  const d = rec.config.dim
  const H = rec.config.historyLength
  const pooled = new Float32Array(rows * d)
  for (let r = 0; r < rows; r++) {
    let wsum = 0
    for (let h = 0; h < H; h++) {
      const it = histories[r * H + h] as number
      if (it < 0) continue
      const w = weights[h] as number
      wsum += w
      for (let k = 0; k < d; k++)
        pooled[r * d + k] = (pooled[r * d + k] as number) + w * (itemVecs[it * d + k] as number)
    }
    if (wsum > 0) for (let k = 0; k < d; k++) pooled[r * d + k] = (pooled[r * d + k] as number) / wsum
  }
  const q = t.tidy(() => rec.queryTower.predict(t.tensor2d(pooled, [rows, d])) as tf.Tensor)
  const out = q.dataSync() as Float32Array
  q.dispose()
  return Float32Array.from(out)
}

/** The learned freshness bias per age bucket. */
export function ageBiasValues(rec: Recommender): Float32Array {
  return Float32Array.from(rec.ageBiasVariable.dataSync() as Float32Array)
}

/** Item vectors transposed to d × n: wasm's matmul with a transposed operand is ~10× slower than a plain one. */
export function transposeVectors(items: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(items.length)
  for (let j = 0; j < n; j++) for (let k = 0; k < d; k++) out[k * n + j] = items[j * d + k] as number
  return out
}

/** Dot products of query vectors (rows × d) with item vectors given transposed (d × n), divided by τ. */
export function similarityScores(
  t: Tf,
  rec: Recommender,
  queries: Float32Array,
  rows: number,
  itemsT: Float32Array,
  n: number,
): Float32Array {
  const d = rec.config.dim
  const s = t.tidy(() =>
    t.matMul(t.tensor2d(queries, [rows, d]), t.tensor2d(itemsT, [d, n])).div(rec.config.temperature),
  )
  const out = s.dataSync() as Float32Array
  s.dispose()
  return out
}
