// The read API role (docs/api.md): JSON routes over the projections and aggregates,
// /openapi.json, HTTP latency by route, an `api` health check, and the retention timer.
// /health and /metrics themselves are served by src/shared/http/server.ts.
import { Histogram } from 'prom-client';
import type { Runtime, RoleHandle } from '../shared/runtime.js';
import type { Registry } from '../shared/metrics.js';
import { getJson } from '../shared/http/server.js';
import { createApiPool, queryable, type ApiDatabaseOptions, type Queryable } from './db.js';
import { apiRoutes } from './routes.js';
import { quarantineSource } from './reads/quarantine.js';
import { openApiDocument, type ExtraPath } from './openapi.js';
import { startRetentionTimer } from './retention.js';
import { startRollupTimer } from './rollups.js';
import { startSessionTimer } from './sessions-refresh.js';
import { jobsCheck, registerJobMetrics } from './jobs.js';
import { compileQuery } from './query-params.js';
import { querySchemas, type QueryLimitOptions } from './schemas/queries.js';
import { addStaticRoutes } from './static-files.js';
import { join } from 'node:path';
import { projectRoot } from '../shared/project-root.js';

const HTTP_METRIC = 'tracker_http_request_seconds';

/** Everything the read API is configured with, built by the composition root (src/config/api.ts). */
export interface ApiOptions {
  readonly database: ApiDatabaseOptions;
  readonly limits: QueryLimitOptions;
  /** Where GET /quarantine reads refused events (docs/api.md "Quarantine reads"). */
  readonly quarantine: { readonly streamName: string; readonly subjectPrefix: string };
  /** Folder of the built web page; unset: dist/web of this install. */
  readonly webDir?: string;
  /** 0 = never (a cron job calls it). */
  readonly retentionIntervalMs: number;
  /** 0 = never (a cron job calls it). Also the interval of the session refresh. */
  readonly rollupIntervalMs: number;
  /** Silence that starts a new inferred session (sql/180_sessions.sql). */
  readonly sessionGapSeconds: number;
}

/** Served outside the route table, documented in /openapi.json all the same. */
export const EXTRA_PATHS: ExtraPath[] = [
  {
    path: '/health',
    summary: 'NATS, JetStream, database and API checks: 200 when healthy, 503 with the failing check otherwise.',
    public: true,
  },
  { path: '/metrics', summary: 'Prometheus metrics (text format).', contentType: 'text/plain' },
  { path: '/openapi.json', summary: 'This document.' },
];
/**
 * Whether the API reads a standby, and how far behind it is: 0 when it has replayed
 * all the WAL it received, else the age of the last transaction it replayed (null
 * before the first). docs/operations.md "Read replica" explains what the figure means.
 */
const REPLICA_STATE_SQL = `select tracker_aggregate_mode() as mode, pg_is_in_recovery() as replica,
  case when not pg_is_in_recovery() then null
       when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
       else round(extract(epoch from now() - pg_last_xact_replay_timestamp())::numeric, 3)::float8 end as lag_s`;

function httpHistogram(metrics: Registry): Histogram<'route' | 'status'> {
  // Another role may already have registered it (one registry per process).
  const existing = metrics.getSingleMetric(HTTP_METRIC);
  if (existing) return existing as Histogram<'route' | 'status'>;
  return new Histogram({
    name: HTTP_METRIC,
    help: 'HTTP request duration by route and status',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics],
  });
}

/** The `api` and `jobs` health checks, and the job metrics (docs/operations.md). */
function registerApiChecks(rt: Runtime, db: Queryable, primary: Queryable): void {
  rt.health.register('api', async () => {
    const {
      rows: [r],
    } = await db.query<{ mode: string; replica: boolean; lag_s: number | null }>(REPLICA_STATE_SQL);
    return {
      ok: true,
      detail: { aggregates: r.mode, replica: r.replica, ...(r.replica ? { replica_lag_s: r.lag_s } : {}) },
    };
  });
  rt.health.register('jobs', () => jobsCheck(primary));
  registerJobMetrics(primary, rt.metrics, rt.log);
}

export async function startApi(rt: Runtime, opts: ApiOptions): Promise<RoleHandle> {
  const { log, app } = rt;
  const pool = createApiPool(opts.database, log);
  const db = queryable(pool, opts.database);
  // The primary, for the writes below and their health (the API's own pool may read a replica).
  const primary = queryable(rt.pool, opts.database);
  const latency = httpHistogram(rt.metrics);
  // Route label = the registered path (bounded cardinality), never the raw URL.
  const onDone = (route: string, status: number, seconds: number) =>
    latency.observe({ route, status: String(status) }, seconds);

  const quarantine = quarantineSource(rt.nc, opts.quarantine.streamName, opts.quarantine.subjectPrefix);
  const routes = apiRoutes(opts.limits, db, quarantine);
  for (const r of routes) {
    // `{name}` in a documented path is uWS's `:name` (the handler reads it from the URL).
    const pattern = r.path.replace(/\{(\w+)\}/g, ':$1');
    getJson(app, pattern, log, async (req) => ({ status: 200, body: await r.handle(req.query, req.url) }), { onDone });
  }
  const openapi = JSON.stringify(openApiDocument(routes, EXTRA_PATHS));
  const noParams = compileQuery(querySchemas(opts.limits).none);
  getJson(
    app,
    '/openapi.json',
    log,
    async (req) => {
      noParams(req.query);
      return { status: 200, body: openapi };
    },
    { onDone },
  );

  addStaticRoutes(app, opts.webDir ?? join(projectRoot(), 'dist', 'web'), log);

  registerApiChecks(rt, db, primary);
  // Writes: always on the primary, even when reads go to a replica.
  const retention = startRetentionTimer(primary, opts.retentionIntervalMs, log, rt.metrics);
  const rollups = startRollupTimer(primary, opts.rollupIntervalMs, log, rt.metrics);
  const sessions = startSessionTimer(primary, opts.rollupIntervalMs, opts.sessionGapSeconds, log, rt.metrics);
  log.info({ routes: routes.map((r) => r.path) }, 'read API ready');

  return {
    stop: async () => {
      await rollups.stop();
      await sessions.stop();
      await retention.stop();
      await pool.end().catch(() => {});
    },
  };
}
