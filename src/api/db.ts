// The read API's own PostgreSQL pool: reads never queue behind ingest's COPY batches,
// and every statement is bounded by API_STATEMENT_TIMEOUT_MS (sent at connect time, so
// no extra round trip per query). Queries go through `Queryable`, which pg's Pool and
// PGlite both satisfy: the mode-comparison test runs the API's exact SQL on both.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { TrackerError, ErrorCodes, SqlStates, isDatabaseUnreachable } from '../shared/errors.js';

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** The database the API reads, and how. */
export interface ApiDatabaseOptions {
  /** A streaming replica, say (docs/operations.md "Read replica"); else the primary. */
  readonly url: string;
  readonly poolMax: number;
  readonly statementTimeoutMs: number;
}

export function createApiPool(opts: ApiDatabaseOptions, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax,
    application_name: 'telemetry-tracker-api',
    // JIT compiling costs tens of ms and these reads run in a few: measured by the read
    // benchmark (docs/benchmarks.md "Read benchmark"). extra_float_digits=1 (PostgreSQL's
    // default, pinned): float8 text is the shortest that reads back exactly, as
    // JavaScript writes numbers (src/api/reads/history-json.ts relies on it).
    options: '-c jit=off -c extra_float_digits=1',
    statement_timeout: opts.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL client error (api pool)'));
  return pool;
}

/**
 * Wraps a pg Pool; a query cancelled by statement_timeout and an unreachable database
 * become 503 `unavailable` (docs/api.md "Errors").
 * Every statement is a named prepared statement (one per distinct text, per connection):
 * planning the aggregate views, which span every chunk, cost more than running them,
 * and a prepared statement is planned once (docs/benchmarks.md "Read benchmark").
 */
export function queryable(pool: pg.Pool, opts: Pick<ApiDatabaseOptions, 'statementTimeoutMs'>): Queryable {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let n = names.get(text);
    if (!n) {
      n = `api_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, n);
    }
    return n;
  };
  return {
    async query<R>(text: string, params?: unknown[]) {
      try {
        const res = await pool.query({ name: nameOf(text), text, values: params });
        return { rows: res.rows as R[] };
      } catch (err) {
        if ((err as { code?: string }).code === SqlStates.queryCanceled) {
          throw new TrackerError(
            ErrorCodes.unavailable,
            `query took longer than API_STATEMENT_TIMEOUT_MS (${opts.statementTimeoutMs} ms); narrow the range`,
            { cause: err },
          );
        }
        if (isDatabaseUnreachable(err)) {
          throw new TrackerError(
            ErrorCodes.unavailable,
            `the database is unreachable right now (${(err as Error).message}); retry later`,
            { cause: err },
          );
        }
        throw err;
      }
    },
  };
}
