// The JetStream message format (what the edge publishes, the ingest consumer and any
// subscribing service read). One message carries one or more events of ONE type and
// ONE character (the subject says which), in the order the edge received them:
//
//   {"v":1,"type":"telemetry","received_at":"2026-11-25T12:00:00.123Z",
//    "ids":["<event key>", …], "events":[{…event as sent…}, …]}
//
// - `events[i]` is the validated event exactly as the client sent it, unknown fields
//   included (full fidelity for replays); projections ignore fields they don't know.
// - `ids[i]` is the event's key: a UUID derived from the client's `event_id` or, when
//   absent, from the event's canonical JSON (see eventKey). Projections are idempotent
//   on it, so an event stored twice in the stream is applied once.
// - Header `Nats-Msg-Id` is the message's dedup id for JetStream's duplicate window:
//   the event key for a single event, otherwise a hash of all its event keys.
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { EventType } from './subjects.js';

export const ENVELOPE_VERSION = 1;

export interface Envelope<E = Record<string, unknown>> {
  v: typeof ENVELOPE_VERSION;
  type: EventType;
  received_at: string;
  ids: string[];
  events: E[];
}

/**
 * JSON with object keys sorted at every level: equal events give equal text.
 * Written as loops (no filter/map/join): it runs for every event without `event_id`
 * and was ~20% of the edge's busy time in the batched profile (docs/benchmarks.md).
 * Output is pinned against the straightforward version in envelope.unit.test.ts.
 */
const quotedKeys = new Map<string, string>();
const MAX_CACHED_KEYS = 1024;

function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    // Event field names repeat; unknown extra fields could be anything: bound the cache.
    if (quotedKeys.size < MAX_CACHED_KEYS) quotedKeys.set(k, q);
  }
  return q;
}

export function canonicalJson(value: unknown): string {
  // Same text as JSON.stringify for finite numbers (and -0 -> "0" in both).
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) s += ',';
      s += canonicalJson(value[i]) ?? '';
    }
    return `${s}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let s = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const v = obj[keys[i]];
    if (v === undefined) continue;
    if (!first) s += ',';
    first = false;
    s += `${quoteKey(keys[i])}:${canonicalJson(v)}`;
  }
  return `${s}}`;
}

type OneShot = (algorithm: string, data: string, encoding: 'hex') => string;
// One-shot crypto.hash (Node >= 20.12) costs ~0.5 µs against ~6.7 µs for createHash
// with several update() calls (measured by the edge, docs/edge.md); older Node 20
// falls back to a single-update createHash. Same bytes hashed either way.
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;
const sha256Hex: (s: string) => string = typeof oneShot === 'function'
  ? (s) => oneShot('sha256', s, 'hex')
  : (s) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * The idempotency key of an event: scoped by type and character, from `event_id`
 * when the client gives one, else from the whole event's canonical JSON. The UUID is
 * the first 16 bytes of SHA-256 over `type NUL character_name NUL ("id" NUL event_id |
 * "json" NUL canonical JSON)`. Keys are stored in every projection row: never change
 * this definition (test/foundation/envelope.unit.test.ts pins it).
 */
export function eventKey(event: { type: string; character_name: string; event_id?: string; [field: string]: unknown }): string {
  const h = sha256Hex(event.event_id !== undefined
    ? `${event.type}\0${event.character_name}\0id\0${event.event_id}`
    : `${event.type}\0${event.character_name}\0json\0${canonicalJson(event)}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Nats-Msg-Id of a message carrying these event keys. */
export function messageId(ids: readonly string[]): string {
  if (ids.length === 1) return ids[0];
  const h = createHash('sha256');
  for (const id of ids) h.update(id);
  return `b-${h.digest('base64url')}`;
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  return Buffer.from(JSON.stringify(env));
}

/** Parses and shape-checks an envelope; throws a descriptive Error when it is not one. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  const env = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as Envelope;
  if (env?.v !== ENVELOPE_VERSION) throw new Error(`unsupported envelope version ${JSON.stringify(env?.v)}`);
  if (!Array.isArray(env.events) || !Array.isArray(env.ids) || env.events.length !== env.ids.length) {
    throw new Error('envelope needs equal-length `events` and `ids` arrays');
  }
  return env;
}
