// A plain-loop UnsortedSegmentSum kernel. wasm has none (Embedding layers cannot train without it) and cpu's
// is one masked sum per segment (one recommender batch took 410 s and 6.5 GB). Gradients stay tfjs-core's.
import type * as tfType from '@tensorflow/tfjs'

type Tf = typeof tfType
type BackendValues = Float32Array | Int32Array | Uint8Array

interface TensorInfoLike {
  dataId: object
  shape: number[]
  dtype: string
}

interface KernelBackendLike {
  readSync(dataId: object): unknown
  makeOutput?: (...args: unknown[]) => TensorInfoLike
  makeTensorInfo?: (shape: number[], dtype: string, values: BackendValues) => TensorInfoLike
}

/** Segment sum over the leading `segmentIds.rank` axes of x; ids outside [0, numSegments) are dropped as in TF. */
export function unsortedSegmentSumValues(
  x: ArrayLike<number>,
  xShape: readonly number[],
  segmentIds: ArrayLike<number>,
  numSegments: number,
  outDtype: 'float32' | 'int32',
): Float32Array | Int32Array {
  const n = segmentIds.length
  const inner = n === 0 ? xShape.slice(1).reduce((a, b) => a * b, 1) : x.length / n
  const out =
    outDtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner)
  for (let i = 0; i < n; i++) {
    const s = segmentIds[i] as number
    if (s < 0 || s >= numSegments) continue
    const src = i * inner
    const dst = s * inner
    for (let j = 0; j < inner; j++) out[dst + j] = (out[dst + j] as number) + (x[src + j] as number)
  }
  return out
}

/** Registers (or replaces) the UnsortedSegmentSum kernel for the given backend. Idempotent. */
export function registerUnsortedSegmentSum(
  tf: Tf,
  backendName: 'wasm' | 'cpu' | string = tf.getBackend(),
): void {
  const existing = tf.getKernel('UnsortedSegmentSum', backendName) as
    | { kernelFunc?: { nhip?: true } }
    | undefined
  if (existing?.kernelFunc?.nhip === true) return
  if (existing !== undefined) tf.unregisterKernel('UnsortedSegmentSum', backendName)
  const kernelFunc = (args: {
    inputs: Record<string, unknown>
    backend: unknown
    attrs?: Record<string, unknown>
  }) => {
    const x = args.inputs.x as TensorInfoLike
    const ids = args.inputs.segmentIds as TensorInfoLike
    const numSegments = Number(args.attrs?.numSegments)
    const backend = args.backend as KernelBackendLike
    const xVals = backend.readSync(x.dataId) as BackendValues
    const idVals = backend.readSync(ids.dataId) as BackendValues
    const segRank = ids.shape.length
    const outShape = [numSegments, ...x.shape.slice(segRank)]
    const idCount = ids.shape.reduce((a, b) => a * b, 1)
    const inner = x.shape.slice(segRank).reduce((a, b) => a * b, 1)
    const flatIds = idVals.length === idCount ? idVals : idVals.subarray(0, idCount)
    const outDtype = x.dtype === 'int32' ? 'int32' : 'float32'
    const values = unsortedSegmentSumValues(xVals, [idCount, inner], flatIds, numSegments, outDtype)
    if (typeof backend.makeTensorInfo === 'function' && backendName === 'cpu') {
      return backend.makeTensorInfo(outShape, outDtype, values)
    }
    if (typeof backend.makeOutput === 'function')
      return backend.makeOutput(outShape, outDtype, undefined, values)
    throw new Error(`UnsortedSegmentSum: backend "${backendName}" offers no way to create an output tensor`)
  }
  Object.assign(kernelFunc, { nhip: true as const })
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: kernelFunc as unknown as Parameters<Tf['registerKernel']>[0]['kernelFunc'],
  })
}
