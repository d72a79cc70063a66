// Logs which rollup buckets a batch touched, in the batch's own transaction, so the
// materializer (tracker_refresh_rollups(), sql/150_maintained_rollups.sql) recomputes
// them from the raw rows: late rows, imports and replays write old timestamps into
// buckets that are already materialized. Re-logging a bucket (redelivery, a batch
// retried through staging) only recomputes it once more: the rollups are recomputed
// from the rows, never incremented, so they stay exact. See
// docs/retention-and-aggregation.md "Maintained rollups".
import type pg from 'pg';
import type { Row } from './decode.js';
import { ENVELOPE_COLUMNS } from './tables.js';

const TS = ENVELOPE_COLUMNS.indexOf('ts');
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Finest rollup bucket fed by each raw table (telemetry -> 1m, events -> 1h heat cells). */
export const DIRTY_BUCKET_MS: Record<string, number> = {
  telemetry: MINUTE_MS,
  spawn_events: HOUR_MS,
  rare_events: HOUR_MS,
};

/** Milliseconds of an RFC 3339 timestamp as decode.ts admits it (`t`/space separator, `z`). */
function parseTs(s: string): number {
  const ms = Date.parse(s);
  if (!Number.isNaN(ms)) return ms;
  return Date.parse(`${s.slice(0, 10)}T${s.slice(11)}`.replace(/z$/, 'Z'));
}

export interface DirtyRanges {
  lo: number[];
  hi: number[];
  unparsed: string[];
}

/**
 * Touched buckets of `rows` as merged [lo, hi) millisecond ranges. A timestamp with more
 * than millisecond precision may round (in PostgreSQL) into the next bucket, so the
 * bucket of ts + 1 ms counts too. Strings Date.parse refuses are returned for SQL to bucket.
 */
export function dirtyRanges(rows: readonly Row[], widthMs: number): DirtyRanges {
  const buckets = new Set<number>();
  const unparsed: string[] = [];
  for (const row of rows) {
    const ms = parseTs(row[TS] as string);
    if (Number.isNaN(ms)) {
      unparsed.push(row[TS] as string);
      continue;
    }
    buckets.add(Math.floor(ms / widthMs));
    buckets.add(Math.floor((ms + 1) / widthMs));
  }
  const sorted = [...buckets].sort((a, b) => a - b);
  const lo: number[] = [],
    hi: number[] = [];
  for (const b of sorted) {
    if (hi.length > 0 && hi[hi.length - 1] === b * widthMs) hi[hi.length - 1] = (b + 1) * widthMs;
    else {
      lo.push(b * widthMs);
      hi.push((b + 1) * widthMs);
    }
  }
  return { lo, hi, unparsed };
}

const INSERT = `insert into tracker_rollup_dirty (source, lo, hi)
  select $1, to_timestamp(l / 1000.0), to_timestamp(h / 1000.0) from unnest($2::float8[], $3::float8[]) as r(l, h)
  union all
  select $1, time_bucket($4::interval, t), time_bucket($4::interval, t) + $4::interval from unnest($5::timestamptz[]) as u(t)`;

export async function logDirtyBuckets(client: pg.ClientBase, table: string, rows: readonly Row[]): Promise<void> {
  const widthMs = DIRTY_BUCKET_MS[table];
  if (widthMs === undefined || rows.length === 0) return;
  const r = dirtyRanges(rows, widthMs);
  await client.query(INSERT, [table, r.lo, r.hi, `${widthMs / 1000} seconds`, r.unparsed]);
}
