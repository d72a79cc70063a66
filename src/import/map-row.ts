// One row of the old app's SQLite file -> one event of this project's schema, or the
// reason it is skipped (docs/import.md "Row quirks"). Numbers stored as text and
// kills_per_hour's "no value" texts go through the edge's own normaliser
// (schemas/normalize.ts, docs/protocol.md "Older plugins"), here, before the event id
// is computed, so an imported row and a live event agree on every rule. The result is
// then validated by the edge's compiled validators (batches.ts), so anything this lets
// through that the schema refuses is skipped with the validator's message instead.
import { normalizeEvent, type NormalizeOptions } from '../../schemas/normalize.js';
import type { StoredType } from '../shared/subjects.js';
import { parseOldTimestamp } from './timestamps.js';

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlRow = Record<string, SqlValue>;
/** Column name -> position in a row array (source.ts reads rows as arrays). */
export type ColumnIndex = Readonly<Record<string, number>>;

export const indexColumns = (columns: readonly string[]): ColumnIndex =>
  Object.fromEntries(columns.map((c, i) => [c, i]));

export type Mapped = { ok: true; event: Record<string, unknown>; ms: number } | { ok: false; reason: string };

/**
 * Rows carry a timestamp the importer already made canonical (timestamps.ts: epoch
 * seconds, Python's str(datetime), … which the normaliser does not read); a row without
 * one is skipped before normalising, so the receive time is never asked for.
 */
const NORMALIZE: NormalizeOptions = { zonelessTimestamps: 'utc', missingTimestamp: 'refuse' };
const NO_RECEIVE_TIME = () => '';
const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

const COORDINATES: Record<StoredType, readonly string[]> = {
  telemetry: ['ew', 'ns', 'z'],
  spawn: ['ew', 'ns'],
  rare: ['ew', 'ns'],
};
const TEXT_FIELDS: Record<StoredType, readonly string[]> = {
  telemetry: ['char_tag', 'session_id', 'onlinetime', 'vt_state'],
  spawn: ['mob'],
  rare: ['name'],
};
/** Numeric telemetry fields: counters and the plugin's client metrics (schemas/telemetry-fields.ts). */
const NUMBER_FIELDS = [
  'kills',
  'deaths',
  'rares_found',
  'prismatic_taper_count',
  'latency_ms',
  'mem_mb',
  'cpu_pct',
  'mem_handles',
];

const isBlob = (v: SqlValue): v is Buffer => Buffer.isBuffer(v);

/** A SQLite number or numeric text as a JS number; undefined when it is neither. */
function toNumber(v: SqlValue): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return undefined;
}

function toText(v: SqlValue): string | undefined {
  if (v === null || isBlob(v)) return undefined;
  return typeof v === 'string' ? v : String(v);
}

/**
 * Maps `row` to a `type` event. Fields the old app never had, and NULLs in optional
 * columns, are left out (they land as NULL). NULL or non-numeric coordinates skip the row.
 */
export function mapRow(type: StoredType, values: readonly SqlValue[], idx: ColumnIndex): Mapped {
  const row = (c: string): SqlValue | undefined => (idx[c] === undefined ? undefined : values[idx[c]]);
  const ts = parseOldTimestamp(row('timestamp'));
  if (!ts)
    return {
      ok: false,
      reason: row('timestamp') === null || row('timestamp') === undefined ? 'null timestamp' : 'unparsable timestamp',
    };
  const name = toText(row('character_name') ?? null);
  if (name === undefined) return { ok: false, reason: 'null character_name' };
  const event: Record<string, unknown> = { type, character_name: name, timestamp: ts.iso };
  for (const c of COORDINATES[type]) {
    const v = row(c);
    if (v === null || v === undefined) return { ok: false, reason: `null coordinate ${c}` };
    const n = toNumber(v);
    if (n === undefined) return { ok: false, reason: `non-numeric coordinate ${c}` };
    event[c] = n;
  }
  if (type !== 'telemetry' && row('z') !== null && row('z') !== undefined) {
    // z is optional for spawns and rares: a bad one is dropped, not the whole sighting.
    const z = toNumber(row('z')!);
    if (z !== undefined) event.z = z;
  }
  for (const f of TEXT_FIELDS[type]) {
    const v = row(f);
    if (v === null || v === undefined) continue;
    const s = toText(v);
    if (s === undefined) return { ok: false, reason: `${f} is a blob` };
    event[f] = s;
  }
  if (type !== 'telemetry') return { ok: true, event, ms: ts.ms };
  for (const f of [...NUMBER_FIELDS, 'kills_per_hour']) {
    const v = row(f);
    if (v !== undefined) event[f] = typeof v === 'bigint' ? Number(v) : v;
  }
  const out = normalizeEvent(event, NORMALIZE, NO_RECEIVE_TIME).event;
  for (const f of NUMBER_FIELDS) {
    // A counter or metric that is still not a number stays null; the validator refuses
    // negative ones, and fractional counters (the row is then skipped with its message).
    if (out[f] !== undefined && !isFiniteNumber(out[f])) delete out[f];
  }
  if (out.kills_per_hour !== undefined && !isFiniteNumber(out.kills_per_hour))
    return { ok: false, reason: 'kills_per_hour is neither a number nor N/A' };
  return { ok: true, event: out, ms: ts.ms };
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
