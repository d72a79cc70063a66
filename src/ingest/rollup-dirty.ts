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
const CHARACTER = ENVELOPE_COLUMNS.indexOf('character_name');
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

export interface CharacterSpans {
  names: string[];
  lo: number[];
  hi: number[];
}

/**
 * Per character, the [lo, hi) milliseconds its telemetry rows span: the stored sessions
 * to recompute (sql/180_sessions.sql). A timestamp Date.parse refuses widens its
 * character's span to everything (rare: decode.ts admits few such forms).
 */
export function characterSpans(rows: readonly Row[]): CharacterSpans {
  const spans = new Map<string, { lo: number; hi: number }>();
  for (const row of rows) {
    const ms = parseTs(row[TS] as string);
    const [lo, hi] = Number.isNaN(ms) ? [-Infinity, Infinity] : [Math.floor(ms), Math.floor(ms) + 1];
    const name = row[CHARACTER] as string;
    const s = spans.get(name);
    if (!s) spans.set(name, { lo, hi });
    else {
      s.lo = Math.min(s.lo, lo);
      s.hi = Math.max(s.hi, hi);
    }
  }
  const out: CharacterSpans = { names: [], lo: [], hi: [] };
  for (const [name, s] of spans) {
    out.names.push(name);
    out.lo.push(s.lo);
    out.hi.push(s.hi);
  }
  return out;
}

// Telemetry also logs its spans per character for the sessions, in the same statement.
const INSERT_TELEMETRY = `with rollup_buckets as (${INSERT})
  insert into tracker_session_dirty (character_name, lo, hi)
  select n, to_timestamp(l / 1000.0), to_timestamp(h / 1000.0) from unnest($6::text[], $7::float8[], $8::float8[]) as s(n, l, h)`;

export async function logDirtyBuckets(client: pg.ClientBase, table: string, rows: readonly Row[]): Promise<void> {
  const widthMs = DIRTY_BUCKET_MS[table];
  if (widthMs === undefined || rows.length === 0) return;
  const r = dirtyRanges(rows, widthMs);
  const params = [table, r.lo, r.hi, `${widthMs / 1000} seconds`, r.unparsed];
  if (table !== 'telemetry') return void (await client.query(INSERT, params));
  const c = characterSpans(rows);
  await client.query(INSERT_TELEMETRY, [...params, c.names, c.lo, c.hi]);
}
