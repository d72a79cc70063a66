import pg from 'pg';
import type { Logger } from './logger.js';

export type Pool = pg.Pool;

export function createPool(url: string, max: number, log?: Logger, applicationName = 'telemetry-tracker'): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) => log?.warn({ err: err.message }, 'idle PostgreSQL client error'));
  return pool;
}
