import { afterAll, describe, expect, it } from 'vitest'
import {
  initTf,
  matmulGflops,
  parseTfBackend,
  registerUnsortedSegmentSum,
  TfBackendError,
  unsortedSegmentSumValues,
} from '../../../models/tf/index.ts'

const lines: Array<{ message: string; fields?: Record<string, unknown> }> = []
const log = (message: string, fields?: Record<string, unknown>) =>
  lines.push({ message, ...(fields ? { fields } : {}) })

describe('initTf', () => {
  afterAll(async () => {
    await initTf({ backend: 'wasm', log })
  })

  it('runs on wasm by default here (tfjs-node cannot install offline) and logs the backend once', async () => {
    const a = await initTf({ log })
    const b = await initTf({ log })
    expect(a).toBe(b)
    expect(['wasm', 'tensorflow']).toContain(a.backend)
    expect(a.tf.getBackend()).toBe(a.backend)
    expect(lines.filter((l) => l.message.includes('backend ready'))).toHaveLength(1)
    expect(lines[0]?.fields?.backend).toBe(a.backend)
  })

  it('switches to a forced backend and rejects unknown names clearly', async () => {
    const { tf, backend } = await initTf({ backend: 'cpu', log })
    expect(backend).toBe('cpu')
    expect(tf.getBackend()).toBe('cpu')
    expect(() => parseTfBackend('gpu')).toThrow(/NHIP_TF_BACKEND must be one of tensorflow, wasm, cpu/)
    expect(parseTfBackend(' WASM ')).toBe('wasm')
    expect(parseTfBackend('')).toBeUndefined()
    await expect(initTf({ backend: 'gpu' as never, log })).rejects.toBeInstanceOf(TfBackendError)
  })

  it('measures matmul throughput as a positive GFLOP/s', async () => {
    const { tf } = await initTf({ backend: 'wasm', log })
    const g = await matmulGflops(tf, { size: 128, reps: 2 })
    expect(g).toBeGreaterThan(0)
    expect(Number.isFinite(g)).toBe(true)
  })
})

describe('UnsortedSegmentSum kernel', () => {
  // Cases small enough for TF.js's own (slow) cpu kernel, which is the reference.
  const cases = [
    {
      x: [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
      ids: [0, 2, 0, 1],
      n: 3,
    },
    { x: [1.5, -2, 3, 4, 10], ids: [4, 4, 0, 1, 3], n: 5 },
    {
      x: [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
        [
          [9, 10],
          [11, 12],
        ],
      ],
      ids: [1, 1, 0],
      n: 2,
    },
    {
      x: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      ids: [0, 5, -1],
      n: 2,
    }, // out-of-range ids are dropped
  ]

  it('equals the TF.js reference implementation on the cpu backend', async () => {
    const { tf } = await initTf({ backend: 'cpu', log })
    const results: number[][] = []
    const reference: number[][] = []
    const run = (x: unknown, ids: number[], n: number) => {
      const out = tf.unsortedSegmentSum(tf.tensor(x as number[]), tf.tensor1d(ids, 'int32'), n)
      return { shape: out.shape, values: Array.from(out.dataSync()) }
    }
    // Reference first: the built-in kernel is what cpu has until ours replaces it.
    tf.unregisterKernel('UnsortedSegmentSum', 'cpu')
    const { unsortedSegmentSumConfig } = await import(
      '@tensorflow/tfjs-backend-cpu/dist/kernels/UnsortedSegmentSum.js' as string
    )
    tf.registerKernel(unsortedSegmentSumConfig)
    const refShapes = cases.map((c) => run(c.x, c.ids, c.n))
    for (const r of refShapes) reference.push(r.values)
    registerUnsortedSegmentSum(tf, 'cpu')
    const ours = cases.map((c) => run(c.x, c.ids, c.n))
    for (const r of ours) results.push(r.values)
    expect(ours.map((r) => r.shape)).toEqual(refShapes.map((r) => r.shape))
    expect(results).toEqual(reference)
  })

  it('gives the same sums on wasm (where TF.js has no kernel) and trains an Embedding layer', async () => {
    const { tf } = await initTf({ backend: 'wasm', log })
    const c = cases[0]!
    const out = tf.unsortedSegmentSum(tf.tensor2d(c.x as number[][]), tf.tensor1d(c.ids, 'int32'), c.n)
    expect(Array.from(out.dataSync())).toEqual([6, 8, 7, 8, 3, 4])
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 1 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1 }),
      ],
    })
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' })
    const xs = tf.tensor2d([[1], [2], [3], [4]], [4, 1], 'int32')
    const ys = tf.tensor2d([[1], [0], [1], [0]])
    const h = await model.fit(xs, ys, { epochs: 30, verbose: 0 })
    const loss = h.history.loss as number[]
    expect(loss.at(-1)!).toBeLessThan(loss[0]!)
  })

  it('pure values helper handles an empty id list', () => {
    expect(Array.from(unsortedSegmentSumValues([], [0, 3], [], 2, 'float32'))).toEqual([0, 0, 0, 0, 0, 0])
  })
})
