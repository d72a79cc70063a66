// Calls tracker_refresh_sessions() on the rollup timer (sql/180_sessions.sql): recomputes
// the stored sessions that late rows touched and stores the rows that passed the horizon.
// Several API processes are safe: an advisory lock lets one run, the others get NULL.
// See docs/retention-and-aggregation.md "Sessions".
import { Counter } from 'prom-client';
import type { Logger } from '../shared/logger.js';
import type { Registry } from '../shared/metrics.js';
import type { Queryable } from './db.js';
import { startJob, type JobTimer } from './jobs.js';

export const SESSION_JOB = 'session_refresh';

export interface SessionRefreshResult {
  recomputed: number;
  extended: number;
  skipped: number;
}

/** One refresh; `gapSeconds` other than the stored gap rebuilds every session. */
export async function refreshSessions(db: Queryable, gapSeconds?: number): Promise<SessionRefreshResult | null> {
  const { rows } = await db.query<{ r: SessionRefreshResult | null }>(
    'select tracker_refresh_sessions(make_interval(secs => $1)) as r',
    [gapSeconds ?? null],
  );
  return rows[0].r;
}

export function startSessionTimer(
  db: Queryable,
  intervalMs: number,
  gapSeconds: number,
  log: Logger,
  metrics: Registry,
): JobTimer {
  const written = new Counter({
    name: 'tracker_sessions_written_total',
    help: 'Session rows written by tracker_refresh_sessions(): recomputed after late rows, or extended at the horizon',
    labelNames: ['kind'],
    registers: [metrics],
  });
  return startJob(db, SESSION_JOB, intervalMs, log, async () => {
    const r = await refreshSessions(db, gapSeconds);
    if (!r) return;
    written.inc({ kind: 'recomputed' }, r.recomputed);
    written.inc({ kind: 'extended' }, r.extended);
    if (r.skipped > 0)
      log.warn({ characters: r.skipped }, 'late rows in sessions that began before the floor were not folded in');
  });
}
