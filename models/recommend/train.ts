// Training loop of the two-tower model with in-batch negatives (softmax over the articles read in the batch,
// with the logQ correction for their popularity). Why it is hand-written rather than `model.fit`: on the wasm
// backend (measured here, tfjs 4.22) Gather runs at ~10 M floats/s, MatMul with a transposed operand is ~10×
// slower than a plain one, and the softmax gradient over a 512×512 batch takes ~80 ms. So embedding look-ups,
// pooling, the batch softmax and sparse (lazy) Adam updates of the embedding rows run as plain loops here, and
// TF.js does the dense layers (plain matmuls; custom gradients with explicit transposes). Histories are pooled
// from item vectors cached for the whole catalogue and refreshed every few batches (no gradient through them),
// so only the batch's read articles go through the item tower. The weights end up in the LayersModel served.
import type * as tf from '@tensorflow/tfjs'
import type { Tf } from '../tf/index.ts'
import { type NextReadExamples, recencyWeights, seededRandom } from './dataset.ts'
import { AGE_BUCKETS, ageBucket, type ItemFeatureTable } from './features.ts'
import { buildRecommender, type Recommender, type RecommenderConfig } from './model.ts'

export interface TrainProgress {
  epoch: number
  epochs: number
  batch: number
  batches: number
  loss: number
  examplesPerSec: number
  elapsedS: number
  /** True on the line that closes an epoch. */
  epochDone: boolean
}

export interface TrainOptions {
  epochs: number
  batchSize: number
  learningRate: number
  /** Share of a batch's items whose id vector is hidden, so the content path learns to stand alone. */
  idDropout: number
  /** Subtract log(item frequency) from in-batch logits (corrects the popularity bias of in-batch negatives). */
  logQ: boolean
  seed: number
  /** Stop after the batch that crosses this many seconds. */
  maxSeconds?: number
  progress?: (p: TrainProgress) => void
  /** Seconds between in-epoch progress lines. */
  progressEverySeconds?: number
  /** History items are pooled from cached item vectors, recomputed every this many batches (default 20). */
  refreshEveryBatches?: number
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 2,
  batchSize: 512,
  learningRate: 0.003,
  idDropout: 0.25,
  logQ: true,
  seed: 7,
}

export interface TrainInputs {
  /** Features of every catalogue item (row = item index). */
  table: ItemFeatureTable
  /** Publication time (or first-read proxy) per item, epoch ms. */
  published: Float64Array
  examples: NextReadExamples
  /** Read counts per item in the training data (for the logQ correction). */
  itemCounts?: Float32Array
}

export interface TrainResult {
  rec: Recommender
  examples: number
  epochsRun: number
  batches: number
  seconds: number
  examplesPerSec: number
  finalLoss: number
  stoppedByBudget: boolean
}

/** Adam that updates only the rows touched in a step ("lazy" Adam), for embedding tables kept in JS. */
export class SparseAdam {
  readonly m: Float32Array
  readonly v: Float32Array
  private readonly g: Float32Array
  private readonly touched: number[] = []
  private readonly isTouched: Uint8Array
  private t = 0
  constructor(
    readonly w: Float32Array,
    readonly dim: number,
    private readonly lr: number,
    private readonly b1 = 0.9,
    private readonly b2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    this.m = new Float32Array(w.length)
    this.v = new Float32Array(w.length)
    this.g = new Float32Array(w.length)
    this.isTouched = new Uint8Array(w.length / dim)
  }

  /** g[row] += scale · src[off .. off+dim) */
  addGrad(row: number, src: ArrayLike<number>, off: number, scale = 1): void {
    if (this.isTouched[row] === 0) {
      this.isTouched[row] = 1
      this.touched.push(row)
    }
    const base = row * this.dim
    for (let k = 0; k < this.dim; k++)
      this.g[base + k] = (this.g[base + k] as number) + scale * (src[off + k] as number)
  }

  step(): void {
    this.t++
    const c1 = 1 - this.b1 ** this.t
    const c2 = 1 - this.b2 ** this.t
    const lr = (this.lr * Math.sqrt(c2)) / c1
    const { w, m, v, g, b1, b2, eps } = this
    for (const row of this.touched) {
      const base = row * this.dim
      for (let k = base; k < base + this.dim; k++) {
        const gk = g[k] as number
        const mk = b1 * (m[k] as number) + (1 - b1) * gk
        const vk = b2 * (v[k] as number) + (1 - b2) * gk * gk
        m[k] = mk
        v[k] = vk
        w[k] = (w[k] as number) - (lr * mk) / (Math.sqrt(vk) + eps)
        g[k] = 0
      }
      this.isTouched[row] = 0
    }
    this.touched.length = 0
  }
}

let variableSeq = 0

/**
 * Trains a two-tower recommender on next-read examples.
 * @example const { rec } = await trainRecommender(tf, { table, published, examples }, config, { ...DEFAULT_TRAIN_OPTIONS, epochs: 1 })
 */
export async function trainRecommender(
  t: Tf,
  inputs: TrainInputs,
  config: RecommenderConfig,
  opts: TrainOptions,
): Promise<TrainResult> {
  const { table, published, examples } = inputs
  const rec = buildRecommender(config, opts.seed)
  const H = config.historyLength
  const L = config.features.tokensPerItem
  const d = config.dim
  const tau = config.temperature
  const weights = recencyWeights(H, config.historyHalfLifeReads)
  const rand = seededRandom(opts.seed)
  const idDropout = config.features.useContent ? opts.idDropout : 0

  // Embedding tables (JS) and dense weights (TF variables), initialised from the freshly built model.
  const layerWeight = (layer: string, i = 0) => rec.model.getLayer(layer).getWeights()[i] as tf.Tensor
  const tableOf = (layer: string) => Float32Array.from(layerWeight(layer).dataSync() as Float32Array)
  const tok = new SparseAdam(tableOf('token_embedding'), d, opts.learningRate)
  const sec = new SparseAdam(tableOf('section_embedding'), 16, opts.learningRate)
  const auth = new SparseAdam(tableOf('author_embedding'), 16, opts.learningRate)
  const pay = new SparseAdam(tableOf('paywall_embedding'), 4, opts.learningRate)
  const idt = new SparseAdam(tableOf('item_id_embedding'), d, opts.learningRate)
  const age = new SparseAdam(tableOf('age_bias'), 1, opts.learningRate * 3)
  const F = d + 16 + 16 + 4 + d
  const idOff = F - d
  const run = ++variableSeq
  const v = (layer: string, i: number, name: string) => {
    const initial = layerWeight(layer, i).clone()
    const variable = t.variable(initial, true, `rec${run}_${name}`)
    initial.dispose() // the variable holds its own reference to the data
    return variable
  }
  const dense = {
    W1: v('item_hidden', 0, 'W1'),
    b1: v('item_hidden', 1, 'b1'),
    W2: v('item_out', 0, 'W2'),
    b2: v('item_out', 1, 'b2'),
    Wq: v('query_transform', 0, 'Wq'),
    bq: v('query_transform', 1, 'bq'),
  }
  const optimizer = t.train.adam(opts.learningRate)

  // y = a·b with a gradient that transposes explicitly (wasm's transposed matmul is the slow path).
  const matMulWithPlainGrads = (a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b])
    return {
      value: t.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D]
        return [t.matMul(dy, t.transpose(sb)), t.matMul(t.transpose(sa), dy)]
      },
    }
  }
  const mm = t.customGrad(matMulWithPlainGrads as unknown as Parameters<Tf['customGrad']>[0]) as unknown as (
    a: tf.Tensor,
    b: tf.Tensor,
  ) => tf.Tensor2D
  const l2 = (x: tf.Tensor) => t.div(x, t.sqrt(t.maximum(t.sum(t.square(x), -1, true), 1e-12)))
  const itemForward = (
    X: tf.Tensor,
    W1: tf.Tensor,
    b1: tf.Tensor,
    W2: tf.Tensor,
    b2: tf.Tensor,
    U: number,
  ) => {
    const h = t.relu(t.add(mm(X, W1), b1))
    const o = t.add(t.add(mm(h, W2), b2), t.slice(X, [0, idOff], [U, d]))
    return l2(o)
  }
  const queryForward = (P: tf.Tensor, Wq: tf.Tensor, bq: tf.Tensor) => l2(t.add(mm(P, Wq), bq))

  let logq: Float32Array | undefined
  if (opts.logQ && inputs.itemCounts) {
    const total = inputs.itemCounts.reduce((a, b) => a + b, 0)
    logq = inputs.itemCounts.map((c) => Math.log(Math.max(c, 1) / Math.max(total, 1)))
  }

  const n = examples.count
  const order = Int32Array.from({ length: n }, (_, i) => i)
  const batches = Math.ceil(n / opts.batchSize)
  const t0 = performance.now()
  const every = (opts.progressEverySeconds ?? 15) * 1000
  let lastReport = t0
  let seen = 0
  let finalLoss = Number.NaN
  let epochsRun = 0
  let batchesRun = 0
  let stoppedByBudget = false
  const slotOf = new Int32Array(table.count).fill(-1)
  const colPub = new Float64Array(opts.batchSize)
  const colLogq = new Float64Array(opts.batchSize)
  const row = new Float64Array(opts.batchSize)
  const bucket = new Uint8Array(opts.batchSize)

  /** Runs `fn` in a tidy scope and copies its result out, disposing every tensor (no leak per batch). */
  const readTensor = (fn: () => tf.Tensor): Float32Array => {
    const out = t.tidy(fn)
    const values = Float32Array.from(out.dataSync() as Float32Array)
    out.dispose()
    return values
  }
  // Item-tower inputs X [rows, F] = [mean token vector | section | author | paywall | id (zeros if dropped)].
  const itemInputRows = (items: readonly number[], dropout: number) => {
    const U = items.length
    const X = new Float32Array(U * F)
    const tokCount = new Float32Array(U)
    const idKept = new Uint8Array(U)
    for (let u = 0; u < U; u++) {
      const it = items[u] as number
      const base = u * F
      let cnt = 0
      for (let l = 0; l < L; l++) {
        const tk = table.tokens[it * L + l] as number
        if (tk === 0) continue
        cnt++
        const src = tk * d
        for (let k = 0; k < d; k++) X[base + k] = (X[base + k] as number) + (tok.w[src + k] as number)
      }
      if (cnt > 0) for (let k = 0; k < d; k++) X[base + k] = (X[base + k] as number) / cnt
      tokCount[u] = cnt
      X.set(
        sec.w.subarray((table.section[it] as number) * 16, (table.section[it] as number) * 16 + 16),
        base + d,
      )
      X.set(
        auth.w.subarray((table.author[it] as number) * 16, (table.author[it] as number) * 16 + 16),
        base + d + 16,
      )
      X.set(
        pay.w.subarray((table.paywall[it] as number) * 4, (table.paywall[it] as number) * 4 + 4),
        base + d + 32,
      )
      if (!(dropout > 0 && rand() < dropout)) {
        idKept[u] = 1
        const idRow = (table.idHash[it] as number) * d
        X.set(idt.w.subarray(idRow, idRow + d), base + idOff)
      }
    }
    return { X, tokCount, idKept }
  }
  // Vectors of every catalogue item, for pooling histories.
  const cache = new Float32Array(table.count * d)
  const refreshEvery = Math.max(1, opts.refreshEveryBatches ?? 20)
  const refreshCache = () => {
    for (let start = 0; start < table.count; start += 4096) {
      const items = Array.from({ length: Math.min(4096, table.count - start) }, (_, i) => start + i)
      const { X } = itemInputRows(items, 0)
      const out = t.tidy(() =>
        itemForward(t.tensor2d(X, [items.length, F]), dense.W1, dense.b1, dense.W2, dense.b2, items.length),
      )
      cache.set(out.dataSync() as Float32Array, start * d)
      out.dispose()
    }
  }

  for (let epoch = 1; epoch <= opts.epochs && !stoppedByBudget; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      const tmp = order[i] as number
      order[i] = order[j] as number
      order[j] = tmp
    }
    let lossSum = 0
    let lossCount = 0
    for (let b = 0; b < batches; b++) {
      const rows = order.subarray(b * opts.batchSize, Math.min(n, (b + 1) * opts.batchSize))
      const B = rows.length
      if (B < 2) continue
      if (b % refreshEvery === 0) refreshCache()
      // The batch's unique read articles go through the item tower (with gradients); histories are pooled
      // from the cached vectors of all articles (refreshed every few batches, no gradient through them).
      const uniq: number[] = []
      const pos = new Int32Array(B)
      const targets = new Int32Array(B)
      const ts = new Float64Array(B)
      const pooled = new Float32Array(B * d)
      for (let r = 0; r < B; r++) {
        const e = rows[r] as number
        const it = examples.target[e] as number
        targets[r] = it
        ts[r] = examples.ts[e] as number
        let s_ = slotOf[it] as number
        if (s_ < 0) {
          s_ = uniq.length
          slotOf[it] = s_
          uniq.push(it)
        }
        pos[r] = s_
        let wsum = 0
        for (let h = 0; h < H; h++) {
          const hi = examples.history[e * H + h] as number
          if (hi < 0) continue
          const w = weights[h] as number
          wsum += w
          for (let k = 0; k < d; k++)
            pooled[r * d + k] = (pooled[r * d + k] as number) + w * (cache[hi * d + k] as number)
        }
        if (wsum > 0) for (let k = 0; k < d; k++) pooled[r * d + k] = (pooled[r * d + k] as number) / wsum
      }
      const U = uniq.length
      for (const it of uniq) slotOf[it] = -1
      const { X, tokCount, idKept } = itemInputRows(uniq, idDropout)
      const Xt = t.tensor2d(X, [U, F])
      const E = readTensor(() => itemForward(Xt, dense.W1, dense.b1, dense.W2, dense.b2, U))

      // Positives (transposed for a plain matmul); then the query tower.
      const PT = new Float32Array(d * B)
      for (let r = 0; r < B; r++) {
        const p = (pos[r] as number) * d
        for (let k = 0; k < d; k++) PT[k * B + r] = E[p + k] as number
      }
      const pooledT = t.tensor2d(pooled, [B, d])
      const qT = t.tidy(() => queryForward(pooledT, dense.Wq, dense.bq))
      const S = readTensor(() => t.matMul(qT as tf.Tensor2D, t.tensor2d(PT, [d, B])))

      // Batch softmax in JS: logits = S/τ + freshness bias (+ masks, logQ); dS = dLoss/dS = (softmax − I)/(B·τ).
      for (let c = 0; c < B; c++) {
        colPub[c] = published[targets[c] as number] as number
        colLogq[c] = logq ? (logq[targets[c] as number] as number) : 0
      }
      const dS = new Float32Array(B * B)
      const ageGrad = new Float32Array(AGE_BUCKETS)
      let loss = 0
      for (let r = 0; r < B; r++) {
        const tr = ts[r] as number
        const own = targets[r] as number
        let max = Number.NEGATIVE_INFINITY
        for (let c = 0; c < B; c++) {
          const pub = colPub[c] as number
          const bk = fastAgeBucket(tr - pub)
          bucket[c] = bk
          let z: number
          if (c !== r && (pub > tr || targets[c] === own)) z = Number.NEGATIVE_INFINITY
          else z = (S[r * B + c] as number) / tau + (age.w[bk] as number) - (colLogq[c] as number)
          row[c] = z
          if (z > max) max = z
        }
        let sum = 0
        for (let c = 0; c < B; c++) {
          const e = Math.exp((row[c] as number) - max)
          row[c] = e
          sum += e
        }
        loss -= Math.log((row[r] as number) / sum)
        const inv = 1 / sum
        for (let c = 0; c < B; c++) {
          const g = ((row[c] as number) * inv - (c === r ? 1 : 0)) / B
          if (g === 0) continue
          ageGrad[bucket[c] as number] = (ageGrad[bucket[c] as number] as number) + g
          dS[r * B + c] = g / tau
        }
      }
      loss /= B
      // Backward through S = q·Pᵀ, the query tower, then the item tower.
      const dSt = t.tensor2d(dS, [B, B])
      const Pmat = t.tensor2d(gatherRows(E, pos, d), [B, d])
      const dq = t.matMul(dSt, Pmat)
      const dP = readTensor(() => t.matMul(t.transpose(dSt), qT as tf.Tensor2D))
      const qGrads = t.grads((p: tf.Tensor, Wq: tf.Tensor, bq: tf.Tensor) =>
        t.sum(t.mul(queryForward(p, Wq, bq), dq)),
      )([pooledT, dense.Wq, dense.bq])
      const dE = new Float32Array(U * d)
      for (let r = 0; r < B; r++) {
        const p = (pos[r] as number) * d
        for (let k = 0; k < d; k++) dE[p + k] = (dE[p + k] as number) + (dP[r * d + k] as number)
      }
      const dEt = t.tensor2d(dE, [U, d])
      const iGrads = t.grads((x: tf.Tensor, W1: tf.Tensor, b1: tf.Tensor, W2: tf.Tensor, b2: tf.Tensor) =>
        t.sum(t.mul(itemForward(x, W1, b1, W2, b2, U), dEt)),
      )([Xt, dense.W1, dense.b1, dense.W2, dense.b2])
      const dX = (iGrads[0] as tf.Tensor).dataSync() as Float32Array
      optimizer.applyGradients([
        { name: dense.W1.name, tensor: iGrads[1] as tf.Tensor },
        { name: dense.b1.name, tensor: iGrads[2] as tf.Tensor },
        { name: dense.W2.name, tensor: iGrads[3] as tf.Tensor },
        { name: dense.b2.name, tensor: iGrads[4] as tf.Tensor },
        { name: dense.Wq.name, tensor: qGrads[1] as tf.Tensor },
        { name: dense.bq.name, tensor: qGrads[2] as tf.Tensor },
      ])
      for (const x of [Xt, pooledT, qT, dSt, Pmat, dq, dEt, ...qGrads, ...iGrads]) x.dispose()

      // Sparse updates of the embedding rows this batch used.
      for (let u = 0; u < U; u++) {
        const it = uniq[u] as number
        const base = u * F
        const cnt = tokCount[u] as number
        if (cnt > 0) {
          for (let l = 0; l < L; l++) {
            const tk = table.tokens[it * L + l] as number
            if (tk !== 0) tok.addGrad(tk, dX, base, 1 / cnt)
          }
        }
        sec.addGrad(table.section[it] as number, dX, base + d)
        auth.addGrad(table.author[it] as number, dX, base + d + 16)
        pay.addGrad(table.paywall[it] as number, dX, base + d + 32)
        if (idKept[u]) idt.addGrad(table.idHash[it] as number, dX, base + idOff)
      }
      for (let k = 0; k < AGE_BUCKETS; k++) age.addGrad(k, ageGrad, k)
      for (const table_ of [tok, sec, auth, pay, idt, age]) table_.step()

      lossSum += loss * B
      lossCount += B
      seen += B
      batchesRun++
      const now = performance.now()
      const elapsedS = (now - t0) / 1000
      if (opts.progress && now - lastReport > every) {
        lastReport = now
        opts.progress({
          epoch,
          epochs: opts.epochs,
          batch: b + 1,
          batches,
          loss: lossSum / lossCount,
          examplesPerSec: seen / elapsedS,
          elapsedS,
          epochDone: false,
        })
      }
      if (opts.maxSeconds !== undefined && elapsedS > opts.maxSeconds) {
        stoppedByBudget = true
        break
      }
    }
    finalLoss = lossCount > 0 ? lossSum / lossCount : Number.NaN
    epochsRun = epoch
    const elapsedS = (performance.now() - t0) / 1000
    opts.progress?.({
      epoch,
      epochs: opts.epochs,
      batch: batches,
      batches,
      loss: finalLoss,
      examplesPerSec: seen / Math.max(elapsedS, 1e-9),
      elapsedS,
      epochDone: true,
    })
  }

  // Hand the trained weights to the LayersModel that is saved and served.
  const setLayer = (layer: string, values: tf.Tensor[]) => {
    rec.model.getLayer(layer).setWeights(values)
    for (const x of values) x.dispose()
  }
  setLayer('token_embedding', [t.tensor2d(tok.w, [tok.w.length / d, d])])
  setLayer('section_embedding', [t.tensor2d(sec.w, [sec.w.length / 16, 16])])
  setLayer('author_embedding', [t.tensor2d(auth.w, [auth.w.length / 16, 16])])
  setLayer('paywall_embedding', [t.tensor2d(pay.w, [pay.w.length / 4, 4])])
  setLayer('item_id_embedding', [t.tensor2d(idt.w, [idt.w.length / d, d])])
  setLayer('age_bias', [t.tensor2d(age.w, [AGE_BUCKETS, 1])])
  setLayer('item_hidden', [dense.W1.clone(), dense.b1.clone()])
  setLayer('item_out', [dense.W2.clone(), dense.b2.clone()])
  setLayer('query_transform', [dense.Wq.clone(), dense.bq.clone()])
  for (const x of Object.values(dense)) x.dispose()
  optimizer.dispose()
  const seconds = (performance.now() - t0) / 1000
  return {
    rec,
    examples: n,
    epochsRun,
    batches: batchesRun,
    seconds,
    examplesPerSec: seen / Math.max(seconds, 1e-9),
    finalLoss,
    stoppedByBudget,
  }
}

const HOUR_BUCKET = Uint8Array.from({ length: 721 }, (_, h) => ageBucket(0, h * 3_600_000 + 1))
const INV_HOUR = 1 / 3_600_000

/** ageBucket(pub, now) for a known publication time, by table look-up (it runs B² times per batch). */
function fastAgeBucket(ageMs: number): number {
  const h = ageMs * INV_HOUR
  return h < 0 ? 1 : h < 720 ? (HOUR_BUCKET[h | 0] as number) : AGE_BUCKETS - 1
}

function gatherRows(E: Float32Array, rows: Int32Array, d: number): Float32Array {
  const out = new Float32Array(rows.length * d)
  for (let r = 0; r < rows.length; r++)
    out.set(E.subarray((rows[r] as number) * d, (rows[r] as number) * d + d), r * d)
  return out
}
