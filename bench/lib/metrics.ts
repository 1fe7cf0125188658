// Reads the services' own prom-client counters, so a benchmark can compare what the service says it did
// (accepted, inserted, dead-lettered) with what the load generator saw and what Kafka / ClickHouse hold.
import type { Registry } from 'prom-client'

/**
 * Sum of a metric's values whose labels match `labels` (all of them); 0 when the metric is not registered.
 * @example await metricSum(metrics, 'nhip_collector_events_accepted_total', { route: '/e' })
 */
export async function metricSum(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (!metric) return 0
  const { values } = await metric.get()
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
    )
    .reduce((sum, v) => sum + v.value, 0)
}
