// JetStream message -> projection rows. The edge validated every event, but the
// stream is the system of record and may hold anything a past or buggy publisher put
// there, so each field is checked again: a field of the wrong type makes the whole
// message poison (PoisonError, dead-lettered with this reason), never a wrong row.
import { decodeEnvelope, type Envelope } from '../shared/envelope.js';
import { parseSubject, STORED_TYPES, type StoredType } from '../shared/subjects.js';
import { PoisonError } from './errors.js';
import { TABLES, type FieldKind, type TableSpec } from './tables.js';

export type Value = string | number | null;
export type Row = Value[];

export interface DecodedMessage {
  readonly type: StoredType;
  readonly spec: TableSpec;
  readonly rows: Row[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
// PostgreSQL text cannot hold NUL; a lone surrogate would silently become U+FFFD in UTF-8.
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
};

// Where a bad value sits, built only when one is found: a path string per field of
// every event was a steady source of garbage (GC was ~18% of ingest's busy time).
const where = (i: number, field: string) => (i < 0 ? field : `events[${i}].${field}`);

function convert(kind: FieldKind, v: unknown, i: number, field: string): Value {
  switch (kind) {
    case 'text':
      if (typeof v !== 'string') throw new PoisonError(`${where(i, field)} must be a string, got ${show(v)}`);
      if (BAD_TEXT.test(v)) throw new PoisonError(`${where(i, field)} holds a NUL character or a lone UTF-16 surrogate`);
      return v;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new PoisonError(`${where(i, field)} must be a finite number, got ${show(v)}`);
      return v;
    case 'float-ish': {
      const n = typeof v === 'string' && NUMERIC.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new PoisonError(`${where(i, field)} must be a finite number or numeric string, got ${show(v)}`);
      return n;
    }
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new PoisonError(`${where(i, field)} must be an integer, got ${show(v)}`);
      return v;
    case 'time':
      if (typeof v !== 'string' || !RFC3339.test(v) || !Number.isFinite(Date.parse(v))) throw new PoisonError(`${where(i, field)} must be an RFC 3339 date-time, got ${show(v)}`);
      return v;
  }
}

/** Throws PoisonError naming what is wrong. `seq` is the message's stream sequence. */
export function decodeMessage(prefix: string, subject: string, data: Uint8Array, seq: number): DecodedMessage {
  const route = parseSubject(prefix, subject);
  const type = route?.type as StoredType | undefined;
  if (!route || !type || !STORED_TYPES.includes(type)) throw new PoisonError(`subject ${subject} is not ${prefix}.<telemetry|spawn|rare>.<character>`);
  let env: Envelope;
  try {
    env = decodeEnvelope(data);
  } catch (err) {
    throw new PoisonError(`undecodable envelope: ${(err as Error).message}`);
  }
  if (env.type !== type) throw new PoisonError(`envelope type ${show(env.type)} does not match subject type ${type}`);
  const receivedAt = convert('time', env.received_at, -1, 'received_at');
  const spec = TABLES[type];
  const rows: Row[] = new Array(env.events.length);
  for (let i = 0; i < env.events.length; i++) {
    const ev = env.events[i] as Record<string, unknown> | null;
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) throw new PoisonError(`events[${i}] is not an object`);
    if (ev.type !== type) throw new PoisonError(`events[${i}].type ${show(ev.type)} does not match subject type ${type}`);
    const key = env.ids[i];
    if (typeof key !== 'string' || !UUID.test(key)) throw new PoisonError(`ids[${i}] must be a UUID event key, got ${show(key)}`);
    const name = convert('text', ev.character_name, i, 'character_name');
    if (name !== route.characterName) throw new PoisonError(`events[${i}].character_name ${show(name)} does not match the subject's character ${show(route.characterName)}`);
    const row: Row = [convert('time', ev.timestamp, i, 'timestamp'), name, key, receivedAt, seq];
    for (const fs of spec.fields) {
      const v = ev[fs.field];
      if (v === undefined || v === null) {
        if (fs.required) throw new PoisonError(`${where(i, fs.field)} is required`);
        row.push(null);
      } else {
        row.push(convert(fs.kind, v, i, fs.field));
      }
    }
    rows[i] = row;
  }
  return { type, spec, rows };
}
