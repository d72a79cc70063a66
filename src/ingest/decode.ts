// JetStream message -> projection rows. The stream accepts anything published on its
// subjects, by the edge or by any other service with NATS access, so every message is
// untrusted input: each check below throws a PoisonError with its own code
// (docs/ingest.md "Foreign and malformed messages"), the message is dead-lettered with
// that reason, and the messages behind it flow on. Nothing here may throw anything else.
// Each event is checked once by the edge's compiled schema (schemas/validators.ts), plus
// the little the schema cannot see (docs/ingest.md "Foreign and malformed messages").
// A message the edge signed (`trusted`: its Tracker-Sig verified, in-flight.ts) was
// checked by that same schema at the edge: it skips the schema and the string scans and
// keeps only the cheap type checks and the date-time check the schema is looser about
// (docs/security.md "Signed messages").
import { ENVELOPE_VERSION } from '../shared/envelope.js';
import {
  parseSubject,
  parseExtensionSubject,
  isExtensionSubject,
  STORED_TYPES,
  type StoredType,
} from '../shared/subjects.js';
import type { ValidateFunction } from 'ajv';
import { validators, fieldErrors } from '../../schemas/validators.js';
import { PoisonError, PoisonCodes, type PoisonCode } from '../shared/errors.js';
import { messageSigner, type MessageSigner } from '../shared/message-signature.js';
import { ENVELOPE_COLUMNS, TABLES, type FieldKind, type FieldSpec, type TableSpec } from './tables.js';

export type Value = string | number | null;
export type Row = Value[];

export type DecodedMessage =
  | { readonly type: StoredType; readonly spec: TableSpec; readonly rows: Row[] }
  /** An extension type (`<prefix>.ext.…`): kept in the log, projected nowhere, acked with its batch. */
  | { readonly type: 'extension'; readonly spec?: undefined; readonly rows: readonly [] };

const EXTENSION_MESSAGE: DecodedMessage = { type: 'extension', rows: [] };

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
export interface DecodeOptions {
  readonly prefix: string;
  /** Larger messages are dead-lettered unread (INGEST_MAX_MESSAGE_BYTES). */
  readonly maxMessageBytes: number;
  /** From TRACKER_SIGNING_KEY: checks the edge's `Tracker-Sig` (in-flight.ts); absent = trust nothing. */
  readonly signer?: Pick<MessageSigner, 'verify'>;
}

/** Ingest's and replay's decode options; a signing key makes a verifier (docs/security.md "Signed messages"). */
export function decodeOptions(opts: {
  subjectPrefix: string;
  maxMessageBytes: number;
  signingKey?: string;
}): DecodeOptions {
  return {
    prefix: opts.subjectPrefix,
    maxMessageBytes: opts.maxMessageBytes,
    signer: opts.signingKey === undefined ? undefined : messageSigner(opts.signingKey),
  };
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

/**
 * An extension type's subject names a table once a release projects that type: what the
 * log kept before then is read like the type's own messages, so `replay` fills the new
 * table (docs/adding-event-types.md "Projecting an extension type"). Otherwise undefined.
 */
function projectedExtension(prefix: string, subject: string): { type: StoredType; characterName: string } | undefined {
  const ext = parseExtensionSubject(prefix, subject);
  const type = ext?.type as StoredType | undefined;
  return ext && type && STORED_TYPES.includes(type) ? { type, characterName: ext.characterName } : undefined;
}

/** The stored type and character a subject names. */
function routeOf(prefix: string, subject: string): { type: StoredType; characterName: string } {
  const route = parseSubject(prefix, subject) ?? projectedExtension(prefix, subject);
  const type = route?.type as StoredType | undefined;
  if (!route || !type || !STORED_TYPES.includes(type) || route.characterName === '') {
    throw poison(
      PoisonCodes.badSubject,
      `subject ${subject} is not ${prefix}.<telemetry|spawn|rare>.<character token> (docs/protocol.md "NATS subjects")`,
    );
  }
  return { type, characterName: route.characterName };
}

function receivedAtOf(env: RawEnvelope): string {
  const v = env.received_at;
  if (typeof v !== 'string' || !RFC3339.test(v) || !Number.isFinite(Date.parse(v)))
    throw poison(PoisonCodes.notEnvelope, `received_at must be an RFC 3339 date-time, got ${show(v)}`);
  return v;
}

/** What each event of one message is checked against and filled from. */
interface MessageContext {
  readonly type: StoredType;
  readonly characterName: string;
  readonly spec: TableSpec;
  readonly validate: ValidateFunction;
  readonly ids: readonly unknown[];
  readonly receivedAt: string;
  readonly seq: number;
  /** Signed by the edge: its schema already checked every event (docs/security.md "Signed messages"). */
  readonly trusted: boolean;
}

/**
 * Throws why the schema refused an event: the first failing column check, as it names
 * the column (tests and dead letters rely on those words), else the schema's first error.
 */
function throwRefusal(m: MessageContext, ev: Record<string, unknown>, i: number): never {
  convert('time', ev.timestamp, i, 'timestamp');
  for (const fs of m.spec.fields) {
    const v = ev[fs.field];
    if (v !== undefined && v !== null) convert(fs.kind, v, i, fs.field);
    else if (fs.required) throw invalid(`${where(i, fs.field)} is required`);
  }
  const [first] = fieldErrors(m.validate.errors);
  throw invalid(`events[${i}] fails the ${m.type} schema: ${first?.path ?? '/'} ${first?.message ?? 'is invalid'}`);
}

/**
 * A value the schema accepted, as its column takes it. The schema already checked its
 * type, finiteness and range (test/ingest/decode-schema.unit.test.ts holds every column
 * kind to its schema); it lets through lone surrogates in text and date-times that are
 * not RFC 3339 (e.g. `+0100`, leap seconds), which `convert` still refuses.
 */
function accepted(fs: FieldSpec, v: unknown, i: number): Value {
  if (v === undefined || v === null) return null;
  if (fs.kind === 'float' || fs.kind === 'int') return v as number;
  if (fs.kind === 'float-ish') return typeof v === 'string' ? Number(v) : (v as number);
  return convert(fs.kind, v, i, fs.field);
}

/**
 * A value of a signed message: the edge's schema checked it, so text skips the scan for
 * NUL and lone surrogates (src/edge/deep-check.ts did it); numbers keep their type check
 * and date-times their RFC 3339 check, both cheap. A wrong type still throws by name.
 */
function trustedValue(fs: FieldSpec, v: unknown, i: number): Value {
  if (v === undefined || v === null) {
    if (fs.required) throw invalid(`${where(i, fs.field)} is required`);
    return null;
  }
  return fs.kind === 'text' && typeof v === 'string' ? v : convert(fs.kind, v, i, fs.field);
}

/** The event key `ids[i]`: the edge made it, so a signed message's needs no pattern test. */
function keyOf(m: MessageContext, i: number): string {
  const key = m.ids[i];
  if (typeof key !== 'string' || (!m.trusted && !UUID.test(key)))
    throw poison(PoisonCodes.invalidKey, `ids[${i}] must be a UUID event key, got ${show(key)}`);
  return key;
}

function decodeEvent(m: MessageContext, value: unknown, i: number): Row {
  const ev = value as Record<string, unknown> | null;
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) throw invalid(`events[${i}] is not an object`);
  if (ev.type !== m.type)
    throw poison(PoisonCodes.typeMismatch, `events[${i}].type ${show(ev.type)} does not match subject type ${m.type}`);
  const key = keyOf(m, i);
  const name =
    m.trusted && typeof ev.character_name === 'string'
      ? ev.character_name
      : convert('text', ev.character_name, i, 'character_name');
  if (name !== m.characterName) {
    throw poison(
      PoisonCodes.characterMismatch,
      `events[${i}].character_name ${show(name)} does not match the subject's character ${show(m.characterName)}`,
    );
  }
  // The edge's own schema: a foreign publisher gets no more leeway than a plugin does.
  if (!m.trusted && !m.validate(ev)) throwRefusal(m, ev, i);
  const { fields } = m.spec;
  const row: Row = new Array(ENVELOPE_COLUMNS.length + fields.length);
  row[0] = convert('time', ev.timestamp, i, 'timestamp');
  row[1] = name;
  row[2] = key;
  row[3] = m.receivedAt;
  row[4] = m.seq;
  const column = m.trusted ? trustedValue : accepted;
  for (let f = 0; f < fields.length; f++) row[ENVELOPE_COLUMNS.length + f] = column(fields[f], ev[fields[f].field], i);
  return row;
}

/**
 * Throws PoisonError naming what is wrong. `seq` is the message's stream sequence;
 * `trusted`: the edge's signature over it verified (in-flight.ts), so its schema is not run again.
 */
export function decodeMessage(
  limits: DecodeOptions,
  subject: string,
  data: Uint8Array,
  seq: number,
  trusted = false,
): DecodedMessage {
  // Extension types are for later releases to project (docs/adding-event-types.md); not read here.
  if (isExtensionSubject(limits.prefix, subject) && !projectedExtension(limits.prefix, subject))
    return EXTENSION_MESSAGE;
  const { type, characterName } = routeOf(limits.prefix, subject);
  const { env, ids, events } = parseEnvelope(data, limits.maxMessageBytes);
  if (env.type !== type)
    throw poison(PoisonCodes.typeMismatch, `envelope type ${show(env.type)} does not match subject type ${type}`);
  const spec = TABLES[type];
  const m: MessageContext = {
    type,
    characterName,
    spec,
    validate: validators.get(type)!,
    ids,
    receivedAt: receivedAtOf(env),
    seq,
    trusted,
  };
  const rows: Row[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) rows[i] = decodeEvent(m, events[i], i);
  return { type, spec, rows };
}
