// Shared TF.js setup for models/*: backend selection with our custom kernels, file model store, a matmul probe.
export {
  initTf,
  parseTfBackend,
  TF_BACKENDS,
  TfBackendError,
  type InitTfOptions,
  type Tf,
  type TfBackendName,
  type TfHandle,
  type TfLog,
} from './backend.ts'
export { matmulGflops } from './matmul-gflops.ts'
export {
  loadModel,
  MODEL_JSON,
  ModelFileError,
  saveModel,
  WEIGHTS_BIN,
  type SavedModelInfo,
  type SaveModelOptions,
} from './model-io.ts'
export { registerUnsortedSegmentSum, unsortedSegmentSumValues } from './unsorted-segment-sum.ts'
