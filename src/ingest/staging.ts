// Per-session staging tables for the idempotent COPY path: COPY cannot do ON CONFLICT,
// so rows go into a TEMP table first, then `INSERT … SELECT … ON CONFLICT DO NOTHING`
// moves the new ones into the hypertable (docs/dependencies.md "pg-copy-streams").
// Created ONCE per connection with ON COMMIT DELETE ROWS, not per batch: thousands of
// CREATE/DROP per minute bloat the system catalogs (docs/dependencies.md "pg-copy-streams"). The set below remembers
// which pool clients already have them; a client that broke is discarded by the pool,
// and its replacement is a new object, so it gets its tables again.
import type pg from 'pg';
import { TABLES, type TableSpec } from './tables.js';

const ready = new WeakSet<pg.ClientBase>();

export async function ensureStaging(client: pg.ClientBase): Promise<void> {
  if (ready.has(client)) return;
  // Outside any transaction: a CREATE rolled back with a failed batch would leave the
  // client marked ready without its tables.
  for (const spec of Object.values(TABLES)) {
    await client.query(
      `create temp table if not exists ${spec.staging} (like ${spec.table} including defaults) on commit delete rows`,
    );
  }
  ready.add(client);
}

// The unique index; must include the time column (docs/dependencies.md "TimescaleDB", tsdb#447).
const conflictTarget = '(event_key, ts)';

/** Moves staged rows into the hypertable; returns how many were new. */
export async function mergeStaged(client: pg.ClientBase, spec: TableSpec): Promise<number> {
  const cols = spec.columns.join(', ');
  const res = await client.query(
    `insert into ${spec.table} (${cols}) select ${cols} from ${spec.staging} on conflict ${conflictTarget} do nothing`,
  );
  return res.rowCount ?? 0;
}

/** Multi-row INSERT … ON CONFLICT of rows already converted (the `insert` apply mode). */
export async function insertRows(
  client: pg.ClientBase,
  spec: TableSpec,
  rows: readonly (readonly unknown[])[],
): Promise<number> {
  const n = spec.columns.length;
  // PostgreSQL allows 65535 parameters per statement.
  const perStatement = Math.max(1, Math.min(1000, Math.floor(65535 / n)));
  let inserted = 0;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const ph = row.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      return `(${ph.join(',')})`;
    });
    const res = await client.query(
      `insert into ${spec.table} (${spec.columns.join(', ')}) values ${tuples.join(',')} on conflict ${conflictTarget} ` +
        `do nothing`,
      params,
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}
