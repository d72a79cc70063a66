// Background work of the API role (rollup refresh, retention) and its health: each run
// is recorded in tracker_job_status; /health and /metrics read tracker_job_health()
// (sql/160_job_health.sql), which adds TimescaleDB's own policy jobs in continuous mode.
// See docs/retention-and-aggregation.md "Job health".
import { Gauge } from 'prom-client';
import type { Logger } from '../shared/logger.js';
import type { Registry } from '../shared/metrics.js';
import type { Queryable } from './db.js';

export interface JobTimer {
  stop(): Promise<void>;
}

export interface JobHealthRow {
  job: string;
  last_status: string | null;
  last_success_age_seconds: number | null;
  last_error: string | null;
  total_failures: number | null;
}

export async function recordJobRun(
  db: Queryable,
  job: string,
  error: string | undefined,
  durationMs: number,
): Promise<void> {
  await db.query(
    `insert into tracker_job_status (job, last_run_at, last_status, last_success_at, last_error, total_runs, total_failures, last_duration_ms)
     values ($1, now(), case when $2::text is null then 'Success' else 'Failed' end, case when $2::text is null then now() end, $2, 1, ($2::text is not null)::int, $3)
     on conflict (job) do update set last_run_at = now(), last_status = excluded.last_status,
       last_success_at = coalesce(excluded.last_success_at, tracker_job_status.last_success_at), last_error = excluded.last_error,
       total_runs = tracker_job_status.total_runs + 1, total_failures = tracker_job_status.total_failures + excluded.total_failures,
       last_duration_ms = excluded.last_duration_ms`,
    [job, error ?? null, durationMs],
  );
}

/** Runs `work` now and every `intervalMs` (0 = never), one run at a time, recording each. */
export function startJob(
  db: Queryable,
  job: string,
  intervalMs: number,
  log: Logger,
  work: () => Promise<void>,
): JobTimer {
  if (intervalMs === 0) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const run = () => {
    if (busy) return; // a slow run (first rebuild) is never stacked
    busy = true;
    const t0 = performance.now();
    running = work()
      .then(
        () => undefined,
        (err: Error) => {
          log.warn({ job, err: err.message }, 'background job failed; retrying at the next interval');
          return err.message;
        },
      )
      .then((error) => recordJobRun(db, job, error, performance.now() - t0))
      .catch((err: Error) => log.warn({ job, err: err.message }, 'could not record the job run'))
      .finally(() => {
        busy = false;
      });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

export async function readJobHealth(db: Queryable): Promise<JobHealthRow[]> {
  const { rows } = await db.query<JobHealthRow>(
    'select job, last_status, last_success_age_seconds, last_error, total_failures::float8 as total_failures from ' +
      'tracker_job_health() order by job',
  );
  return rows;
}

/** Gauges per job, read from the database at scrape time. */
export function registerJobMetrics(db: Queryable, metrics: Registry, log: Logger): void {
  let cached: { at: number; rows: Promise<JobHealthRow[]> } | undefined;
  const rows = () => {
    if (!cached || Date.now() - cached.at > 1000)
      cached = {
        at: Date.now(),
        rows: readJobHealth(db).catch((err: Error) => {
          log.warn({ err: err.message }, 'job health unreadable');
          return [];
        }),
      };
    return cached.rows;
  };
  new Gauge({
    name: 'tracker_job_last_run_success',
    help:
      "Last run of a background job succeeded (1) or failed (0); app:* are the API role's, timescaledb:* TimescaleDB " +
      'policy jobs',
    labelNames: ['job'],
    registers: [metrics],
    async collect() {
      this.reset();
      for (const r of await rows()) if (r.last_status) this.set({ job: r.job }, r.last_status === 'Success' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tracker_job_last_success_age_seconds',
    help: 'Seconds since the last successful run of a background job (absent: never succeeded)',
    labelNames: ['job'],
    registers: [metrics],
    async collect() {
      this.reset();
      for (const r of await rows())
        if (r.last_success_age_seconds !== null) this.set({ job: r.job }, r.last_success_age_seconds);
    },
  });
}

/** The `jobs` health check: not ok while any job's last run failed. */
export async function jobsCheck(db: Queryable) {
  const rows = await readJobHealth(db);
  const failing = rows
    .filter((r) => r.last_status === 'Failed')
    .map((r) => ({ job: r.job, error: r.last_error, last_success_age_seconds: r.last_success_age_seconds }));
  return failing.length === 0
    ? { ok: true, detail: { jobs: rows.length } }
    : {
        ok: false,
        reason:
          `${failing.length} background job(s) failing: ${failing.map((f) => f.job).join(', ')} (docs/retention-and-aggregation.md ` +
          `"Job health")`,
        detail: { failing },
      };
}
