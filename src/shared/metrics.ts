// One prom-client registry per process; roles add their metrics to it.
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
export type { Registry };
