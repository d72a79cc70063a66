// Calls tracker_apply_retention() on a timer. Where TimescaleDB runs a retention policy
// (community license) the function drops nothing; on the Apache build it drops raw
// telemetry chunks past their retention and minute rollups past theirs, keeping the
// hour/day rollups (sql/150_maintained_rollups.sql). The API only calls it: it never
// needs to know which mode the database is in. Each run is recorded as job `retention`.
import type { Logger } from '../shared/logger.js';
import type { Registry } from '../shared/metrics.js';
import { Counter } from 'prom-client';
import type { Queryable } from './db.js';
import { startJob, type JobTimer } from './jobs.js';

export type RetentionTimer = JobTimer;

export function startRetentionTimer(db: Queryable, intervalMs: number, log: Logger, metrics: Registry): RetentionTimer {
  if (intervalMs === 0) return { stop: async () => {} };
  const dropped = new Counter({
    name: 'tracker_retention_chunks_dropped_total',
    help: 'Raw telemetry chunks dropped by tracker_apply_retention()',
    registers: [metrics],
  });
  const failures = new Counter({
    name: 'tracker_retention_failures_total',
    help: 'Failed tracker_apply_retention() runs',
    registers: [metrics],
  });
  return startJob(db, 'retention', intervalMs, log, async () => {
    try {
      const { rows } = await db.query<{ n: number }>('select tracker_apply_retention() as n');
      dropped.inc(rows[0].n);
      if (rows[0].n > 0) log.info({ chunks: rows[0].n }, 'raw telemetry past retention dropped');
    } catch (err) {
      failures.inc();
      throw err;
    }
  });
}
