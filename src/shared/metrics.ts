// One prom-client registry per process; roles add their metrics to it.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's default gauges that `promtool check metrics` rejects (a gauge may not end
 * in `_total`). Each is the sum of a by-type gauge that stays (nodejs_active_handles{type},
 * …), so `sum(nodejs_active_handles)` gives the same number.
 */
const TOTAL_SUFFIXED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createMetrics(roles: readonly string[] = []): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of TOTAL_SUFFIXED_GAUGES) registry.removeSingleMetric(name);
  // An info metric (value 1): dashboards join it on (job, instance) to label process
  // CPU and memory by role (grafana/src/pipeline.ts).
  const info = new Gauge({
    name: 'tracker_process_info',
    help: 'Always 1; the roles label names the roles this process runs (ROLES).',
    labelNames: ['roles'],
    registers: [registry],
  });
  info.set({ roles: [...roles].sort().join(',') || 'none' }, 1);
  return registry;
}
export type { Registry };
