// Calls tracker_refresh_rollups() on a timer (sql/150_maintained_rollups.sql): it
// materializes closed buckets and recomputes buckets that received late rows. Several
// API processes are safe: an advisory lock lets one run, the others get NULL. See
// docs/retention-and-aggregation.md "Maintained rollups".
import { Counter } from 'prom-client';
import type { Logger } from '../shared/logger.js';
import type { Registry } from '../shared/metrics.js';
import type { Queryable } from './db.js';
import { startJob, type JobTimer } from './jobs.js';

export const ROLLUP_JOB = 'rollup_refresh';

export async function refreshRollups(db: Queryable): Promise<Record<string, number> | null> {
  const { rows } = await db.query<{ w: Record<string, number> | null }>('select tracker_refresh_rollups() as w');
  return rows[0].w;
}

export function startRollupTimer(db: Queryable, intervalMs: number, log: Logger, metrics: Registry): JobTimer {
  const written = new Counter({
    name: 'tracker_rollup_buckets_written_total',
    help: 'Rollup rows (re)computed by tracker_refresh_rollups(), by level',
    labelNames: ['level'],
    registers: [metrics],
  });
  return startJob(db, ROLLUP_JOB, intervalMs, log, async () => {
    const w = await refreshRollups(db);
    for (const [level, n] of Object.entries(w ?? {})) written.inc({ level }, n);
  });
}
