// One Prometheus registry per process, passed to whoever records metrics (no global default registry).
import { Registry, collectDefaultMetrics } from 'prom-client'

/** Creates the process registry with Node's default metrics (RSS, event-loop lag, GC) under `nhip_`. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'nhip_' })
  return registry
}
