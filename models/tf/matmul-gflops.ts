// A matmul micro-benchmark: the number a bench compares backends and machines with.
import type { Tf } from './backend.ts'

/**
 * Measures square float32 matmul throughput on the active backend in GFLOP/s (2·n³ FLOP per product).
 * One warm-up product is not timed.
 */
export async function matmulGflops(tf: Tf, opts: { size?: number; reps?: number } = {}): Promise<number> {
  const n = opts.size ?? 1024
  const reps = opts.reps ?? 5
  const a = tf.randomNormal([n, n])
  const b = tf.randomNormal([n, n])
  try {
    const warm = tf.matMul(a, b)
    await warm.data()
    warm.dispose()
    const t0 = performance.now()
    for (let i = 0; i < reps; i++) {
      const c = tf.matMul(a, b)
      await c.data()
      c.dispose()
    }
    const seconds = (performance.now() - t0) / 1000
    return (reps * 2 * n ** 3) / seconds / 1e9
  } finally {
    a.dispose()
    b.dispose()
  }
}
