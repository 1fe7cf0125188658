// TF.js backend selection for every model in Nhịp: tfjs-node when it installed, else wasm (SIMD), else cpu.
// Our own UnsortedSegmentSum kernel is registered for wasm (missing there) and cpu (pathologically slow there).
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { registerUnsortedSegmentSum } from './unsorted-segment-sum.ts'

/** The TF.js namespace type every model module works with. */
export type Tf = typeof tf

export const TF_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const
export type TfBackendName = (typeof TF_BACKENDS)[number]

export type TfLog = (message: string, fields?: Record<string, unknown>) => void

export interface InitTfOptions {
  /** Force a backend (the CLI passes `NHIP_TF_BACKEND` here). Default: tensorflow if tfjs-node loads, else wasm, else cpu. */
  backend?: TfBackendName
  /** Where the one "which backend runs" line goes. Default: a JSON line on stderr. */
  log?: TfLog
}

export interface TfHandle {
  tf: Tf
  backend: string
}

/** Raised when a backend that was explicitly asked for cannot run here. */
export class TfBackendError extends Error {
  override readonly name = 'TfBackendError'
}

const stderrLog: TfLog = (message, fields) => {
  process.stderr.write(`${JSON.stringify({ level: 'info', msg: message, ...fields })}\n`)
}

let nodeBindingTried = false
let nodeBindingError: string | undefined
let current: Promise<TfHandle> | undefined
let currentRequest: TfBackendName | 'default' | undefined

/** tfjs-node is an optional dependency whose install fails offline: load it in a try, never let it crash start-up. */
async function tryLoadNodeBinding(): Promise<boolean> {
  if (!nodeBindingTried) {
    nodeBindingTried = true
    try {
      // A variable specifier: tfjs-node is optional, so TypeScript must not resolve it statically.
      const specifier = '@tensorflow/tfjs-node'
      await import(specifier)
    } catch (err) {
      nodeBindingError = err instanceof Error ? err.message.split('\n')[0] : String(err)
    }
  }
  return tf.findBackendFactory('tensorflow') !== null
}

async function activate(name: TfBackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name)
    if (ok) await tf.ready()
    return ok && tf.getBackend() === name
  } catch {
    return false
  }
}

async function select(request: TfBackendName | undefined, log: TfLog): Promise<TfHandle> {
  const t0 = performance.now()
  let chosen: TfBackendName | undefined
  let fallbackReason: string | undefined
  if (request === 'tensorflow' || request === undefined) {
    if ((await tryLoadNodeBinding()) && (await activate('tensorflow'))) chosen = 'tensorflow'
    else if (request === 'tensorflow') {
      throw new TfBackendError(
        `TF.js backend "tensorflow" was requested but @tensorflow/tfjs-node is not usable here (${nodeBindingError ?? 'backend did not initialise'}); use wasm or cpu`,
      )
    } else fallbackReason = `tfjs-node unavailable: ${nodeBindingError ?? 'backend did not initialise'}`
  }
  if (chosen === undefined && (request === 'wasm' || request === undefined)) {
    if (await activate('wasm')) chosen = 'wasm'
    else if (request === 'wasm') throw new TfBackendError('TF.js backend "wasm" failed to initialise')
    else fallbackReason = 'wasm failed to initialise'
  }
  if (chosen === undefined && (request === 'cpu' || request === undefined)) {
    if (await activate('cpu')) chosen = 'cpu'
    else throw new TfBackendError('TF.js backend "cpu" failed to initialise')
  }
  if (chosen === undefined) throw new TfBackendError(`unknown TF.js backend "${String(request)}"`)
  if (chosen === 'wasm' || chosen === 'cpu') registerUnsortedSegmentSum(tf, chosen)
  log('tensorflow.js backend ready', {
    backend: chosen,
    requested: request ?? 'default',
    ...(fallbackReason === undefined || request !== undefined ? {} : { fallback: fallbackReason }),
    ...(chosen === 'wasm' ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') } : {}),
    tfjs: tf.version.tfjs,
    init_ms: Math.round(performance.now() - t0),
  })
  return { tf, backend: chosen }
}

/**
 * Selects and initialises the TF.js backend once per process. Calling it again with no backend or the same
 * backend returns the same handle; asking for a different backend switches to it (tests compare backends).
 *
 * @example
 * const { tf, backend } = await initTf({ backend: config.tfBackend })
 */
export function initTf(opts: InitTfOptions = {}): Promise<TfHandle> {
  const request = opts.backend ?? 'default'
  if (opts.backend !== undefined && !TF_BACKENDS.includes(opts.backend)) {
    return Promise.reject(
      new TfBackendError(`unknown TF.js backend "${String(opts.backend)}" (use ${TF_BACKENDS.join(', ')})`),
    )
  }
  if (current !== undefined && (opts.backend === undefined || currentRequest === request)) return current
  currentRequest = request
  const attempt = select(opts.backend, opts.log ?? stderrLog)
  current = attempt
  attempt.catch(() => {
    if (current === attempt) {
      current = undefined
      currentRequest = undefined
    }
  })
  return attempt
}

/** Parses a backend name from config (e.g. `NHIP_TF_BACKEND`); undefined or empty → default selection. */
export function parseTfBackend(value: string | undefined): TfBackendName | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const v = value.trim().toLowerCase()
  if ((TF_BACKENDS as readonly string[]).includes(v)) return v as TfBackendName
  throw new TfBackendError(`NHIP_TF_BACKEND must be one of ${TF_BACKENDS.join(', ')} (got "${value}")`)
}
