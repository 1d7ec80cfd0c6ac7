import { collectDefaultMetrics, Registry } from 'prom-client';

/** A fresh Prometheus registry with the process's default metrics (memory, CPU, event loop lag). */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
