// JetStream message -> projection rows. The stream accepts anything published on its
// subjects, by the edge or by any other service with NATS access, so every message is
// untrusted input: each check below throws a PoisonError with its own code
// (docs/ingest.md "Foreign and malformed messages"), the message is dead-lettered with
// that reason, and the messages behind it flow on. Nothing here may throw anything else.
import { ENVELOPE_VERSION } from '../shared/envelope.js';
import { parseSubject, STORED_TYPES, type StoredType } from '../shared/subjects.js';
import { validators, fieldErrors } from '../../schemas/validators.js';
import { PoisonError, PoisonCodes, type PoisonCode } from '../shared/errors.js';
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
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v) ?? v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
};

// Where a bad value sits, built only when one is found: a path string per field of
// every event was a steady source of garbage (GC was ~18% of ingest's busy time).
const where = (i: number, field: string) => (i < 0 ? field : `events[${i}].${field}`);

const poison = (code: PoisonCode, detail: string) => new PoisonError(code, detail);
const invalid = (detail: string) => poison(PoisonCodes.invalidEvent, detail);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function convert(kind: FieldKind, v: unknown, i: number, field: string): Value {
  switch (kind) {
    case 'text':
      if (typeof v !== 'string') throw invalid(`${where(i, field)} must be a string, got ${show(v)}`);
      if (BAD_TEXT.test(v)) throw invalid(`${where(i, field)} holds a NUL character or a lone UTF-16 surrogate`);
      return v;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw invalid(`${where(i, field)} must be a finite number, got ${show(v)}`);
      return v;
    case 'float-ish': {
      const n = typeof v === 'string' && NUMERIC.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n))
        throw invalid(`${where(i, field)} must be a finite number or numeric string, got ${show(v)}`);
      return n;
    }
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        throw invalid(`${where(i, field)} must be an integer, got ${show(v)}`);
      return v;
    case 'time':
      if (typeof v !== 'string' || !RFC3339.test(v) || !Number.isFinite(Date.parse(v)))
        throw invalid(`${where(i, field)} must be an RFC 3339 date-time, got ${show(v)}`);
      return v;
  }
}

/** What decoding is allowed to accept. */
export interface DecodeLimits {
  readonly prefix: string;
  /** Larger messages are dead-lettered unread (INGEST_MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes: number;
}

interface RawEnvelope {
  v?: unknown;
  type?: unknown;
  received_at?: unknown;
  ids?: unknown;
  events?: unknown;
}

/** The envelope's JSON, shape-checked: PoisonError on anything that is not a v1 envelope. */
function parseEnvelope(data: Uint8Array, maxBytes: number): { env: RawEnvelope; ids: unknown[]; events: unknown[] } {
  if (data.byteLength === 0) throw poison(PoisonCodes.emptyPayload, 'the message is empty');
  if (data.byteLength > maxBytes)
    throw poison(
      PoisonCodes.tooLarge,
      `the message is ${data.byteLength} bytes; at most ${maxBytes} are read (INGEST_MAX_MESSAGE_BYTES)`,
    );
  let env: unknown;
  try {
    env = JSON.parse(utf8.decode(data));
  } catch (err) {
    throw poison(PoisonCodes.notJson, `undecodable envelope: ${(err as Error).message}`);
  }
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    throw poison(
      PoisonCodes.notEnvelope,
      `undecodable envelope: a JSON ${Array.isArray(env) ? 'array' : env === null ? 'null' : typeof env}, not an ` +
        `object`,
    );
  }
  const e = env as RawEnvelope;
  if (e.v !== ENVELOPE_VERSION)
    throw poison(
      PoisonCodes.unknownVersion,
      `unsupported envelope version ${show(e.v)} (this consumer reads v${ENVELOPE_VERSION})`,
    );
  if (!Array.isArray(e.events) || !Array.isArray(e.ids))
    throw poison(PoisonCodes.notEnvelope, 'the envelope needs `events` and `ids` arrays');
  if (e.events.length !== e.ids.length) {
    throw poison(
      PoisonCodes.idsEventsMismatch,
      `the envelope needs equal-length \`events\` and \`ids\` arrays, got ${e.events.length} and ${e.ids.length}`,
    );
  }
  return { env: e, ids: e.ids, events: e.events };
}

/** Throws PoisonError naming what is wrong. `seq` is the message's stream sequence. */
export function decodeMessage(limits: DecodeLimits, subject: string, data: Uint8Array, seq: number): DecodedMessage {
  const { prefix } = limits;
  const route = parseSubject(prefix, subject);
  const type = route?.type as StoredType | undefined;
  if (!route || !type || !STORED_TYPES.includes(type) || route.characterName === '') {
    throw poison(
      PoisonCodes.badSubject,
      `subject ${subject} is not ${prefix}.<telemetry|spawn|rare>.<character token> (docs/protocol.md "NATS subjects")`,
    );
  }
  const { env, ids, events } = parseEnvelope(data, limits.maxMessageBytes);
  if (env.type !== type)
    throw poison(PoisonCodes.typeMismatch, `envelope type ${show(env.type)} does not match subject type ${type}`);
  if (
    typeof env.received_at !== 'string' ||
    !RFC3339.test(env.received_at) ||
    !Number.isFinite(Date.parse(env.received_at))
  ) {
    throw poison(PoisonCodes.notEnvelope, `received_at must be an RFC 3339 date-time, got ${show(env.received_at)}`);
  }
  const receivedAt = env.received_at;
  const spec = TABLES[type];
  const validate = validators.get(type)!;
  const rows: Row[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as Record<string, unknown> | null;
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) throw invalid(`events[${i}] is not an object`);
    if (ev.type !== type)
      throw poison(PoisonCodes.typeMismatch, `events[${i}].type ${show(ev.type)} does not match subject type ${type}`);
    const key = ids[i];
    if (typeof key !== 'string' || !UUID.test(key))
      throw poison(PoisonCodes.invalidKey, `ids[${i}] must be a UUID event key, got ${show(key)}`);
    const name = convert('text', ev.character_name, i, 'character_name');
    if (name !== route.characterName) {
      throw poison(
        PoisonCodes.characterMismatch,
        `events[${i}].character_name ${show(name)} does not match the subject's character ${show(route.characterName)}`,
      );
    }
    const row: Row = [convert('time', ev.timestamp, i, 'timestamp'), name, key, receivedAt, seq];
    for (const fs of spec.fields) {
      const v = ev[fs.field];
      if (v === undefined || v === null) {
        if (fs.required) throw invalid(`${where(i, fs.field)} is required`);
        row.push(null);
      } else {
        row.push(convert(fs.kind, v, i, fs.field));
      }
    }
    // The column checks above guard the database; the edge's own schema guards the
    // rest (lengths, ranges, formats), so a foreign publisher gets no more leeway
    // than a plugin does.
    if (!validate(ev)) {
      const [first] = fieldErrors(validate.errors);
      throw invalid(`events[${i}] fails the ${type} schema: ${first?.path ?? '/'} ${first?.message ?? 'is invalid'}`);
    }
    rows[i] = row;
  }
  return { type, spec, rows };
}
