// What plugins already in the field send -> today's canonical event (docs/protocol.md
// "Older plugins"). One function, used by the edge before validation and by the SQLite
// importer after it maps a row, so the live path and the import agree on every rule.
// Pure: no I/O, never throws, and never changes the object it is given (a changed event
// is a shallow copy), so a refused event can still be quarantined as it was sent.
import type { TSchema } from '@sinclair/typebox';
import { eventSchemas } from './index.js';

/** Each rule, as counted in `tracker_edge_normalized_total{rule}`. */
export const NORMALIZE_RULES = [
  'typeless_telemetry',
  'kills_per_hour_no_value',
  'number_from_string',
  'zoneless_timestamp',
  'timestamp_form',
  'missing_timestamp',
] as const;
export type NormalizeRule = (typeof NORMALIZE_RULES)[number];

export interface NormalizeOptions {
  /** `utc`: a date-time without a zone is read as UTC; `refuse`: left as sent, so the schema refuses it. */
  readonly zonelessTimestamps: 'utc' | 'refuse';
  /**
   * `receive`: a missing timestamp becomes the receive time (and `timestamp_source:
   * "server"`); `refuse`: left missing.
   */
  readonly missingTimestamp: 'receive' | 'refuse';
}

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = { zonelessTimestamps: 'utc', missingTimestamp: 'receive' };

export interface Normalized {
  /** The canonical event: the input itself when no rule applied. */
  readonly event: Record<string, unknown>;
  /** The rules that changed something, each once; empty when the event was canonical. */
  readonly rules: readonly NormalizeRule[];
}

/** kills_per_hour texts that mean "no value yet" (the old app showed N/A before the first kill). */
const NO_VALUE = /^\s*(n\/?a|none|null|-|)\s*$/i;
/** One finite decimal number, spaces around allowed: "42", "12.50", "-3.5", " 7 ". */
const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;
/**
 * ISO 8601 / RFC 3339 date-time as .NET, Python and JavaScript write it: `T` or space,
 * `.` or `,` before any number of fractional digits, then `Z`, `±HH:MM`, `±HHMM`, `±HH`
 * or no zone at all (a .NET DateTime of kind Unspecified).
 */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;
/** Already canonical (the shape ingest stores as it is): checked first, it is the common case. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Fields whose schema is a number or an integer, by event type, read from the schemas themselves. */
const NUMERIC_FIELDS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(eventSchemas).map(([type, schema]) => [type, numericProperties(schema)]),
);

function numericProperties(schema: TSchema): string[] {
  const isNumeric = (s: TSchema): boolean =>
    s.type === 'number' || s.type === 'integer' || (Array.isArray(s.anyOf) && s.anyOf.some(isNumeric));
  return Object.entries(schema.properties as Record<string, TSchema>)
    .filter(([, s]) => isNumeric(s))
    .map(([name]) => name);
}

/** The receive time when the event carries none: a function, so it is only read when needed. */
export type ReceiveTime = () => string;

/** Applies every rule to `ev` (docs/protocol.md "Older plugins"); see Normalized. */
export function normalizeEvent(
  ev: Record<string, unknown>,
  opts: NormalizeOptions,
  receivedAt: ReceiveTime,
): Normalized {
  let out = ev;
  const rules: NormalizeRule[] = [];
  const set = (field: string, value: unknown, rule: NormalizeRule) => {
    if (out === ev) out = { ...ev };
    if (value === undefined) delete out[field];
    else out[field] = value;
    if (!rules.includes(rule)) rules.push(rule);
  };
  if (ev.type === undefined && ev.ew !== undefined && ev.ns !== undefined)
    set('type', 'telemetry', 'typeless_telemetry');
  const kph = ev.kills_per_hour;
  if (out.type === 'telemetry' && (kph === null || (typeof kph === 'string' && NO_VALUE.test(kph))))
    set('kills_per_hour', undefined, 'kills_per_hour_no_value');
  for (const field of NUMERIC_FIELDS.get(out.type as string) ?? []) {
    const v = out[field];
    if (typeof v === 'string' && DECIMAL.test(v)) set(field, Number(v), 'number_from_string');
  }
  const ts = ev.timestamp;
  if (ts === undefined || ts === null) {
    if (opts.missingTimestamp === 'receive') {
      set('timestamp', receivedAt(), 'missing_timestamp');
      set('timestamp_source', 'server', 'missing_timestamp');
    }
  } else if (typeof ts === 'string' && !CANONICAL_TIME.test(ts)) {
    const fixed = canonicalTimestamp(ts, opts);
    if (fixed) set('timestamp', fixed.value, fixed.rule);
  }
  return { event: out, rules };
}

/**
 * A date-time in the canonical form `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, or
 * undefined when `ts` is not one this can read (the schema then refuses it). Fractions
 * past 9 digits are cut (PostgreSQL keeps 6); the instant is never moved.
 */
function canonicalTimestamp(ts: string, opts: NormalizeOptions): { value: string; rule: NormalizeRule } | undefined {
  const m = DATE_TIME.exec(ts.trim());
  if (!m) return undefined;
  const [, date, time, fraction, z, sign, hh, mm = '00'] = m;
  const frac = fraction ? `.${fraction.slice(0, 9)}` : '';
  if (z || sign) return { value: `${date}T${time}${frac}${z ? 'Z' : `${sign}${hh}:${mm}`}`, rule: 'timestamp_form' };
  if (opts.zonelessTimestamps !== 'utc') return undefined;
  return { value: `${date}T${time}${frac}Z`, rule: 'zoneless_timestamp' };
}

/**
 * True when `ev` may need normalising even though the schema accepts it (a numeric
 * string, or a timestamp not in the canonical form).
 */
export function mayNeedNormalizing(ev: Record<string, unknown>): boolean {
  if (typeof ev.kills_per_hour === 'string') return true;
  const ts = ev.timestamp;
  return typeof ts === 'string' && !CANONICAL_TIME.test(ts);
}
