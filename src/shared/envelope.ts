// The JetStream message format (what the edge publishes, the ingest consumer and any
// subscribing service read). One message carries one or more events of ONE type and
// ONE character (the subject says which), in the order the edge received them:
//
//   {"v":1,"type":"telemetry","received_at":"2026-11-25T12:00:00.123Z",
//    "ids":["<event key>", …], "events":[{…event as sent…}, …]}
//
// - `events[i]` is the validated event with every field the client sent, unknown fields
//   included (full fidelity for replays), as canonical JSON (keys sorted, numbers in
//   JavaScript's shortest form); projections ignore fields they don't know.
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

export { canonicalJson } from './canonical-json.js';
import { canonicalJson } from './canonical-json.js';

type OneShot = (algorithm: string, data: string, encoding: 'hex' | 'base64url') => string;
// One-shot crypto.hash (Node >= 20.12) is much cheaper than createHash with several
// update() calls (see docs/benchmarks.md "Figures behind code choices"); older Node 20
// falls back to a single-update createHash. Same bytes hashed either way.
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;
const sha256: (s: string, encoding: 'hex' | 'base64url') => string =
  typeof oneShot === 'function'
    ? (s, encoding) => oneShot('sha256', s, encoding)
    : (s, encoding) => createHash('sha256').update(s, 'utf8').digest(encoding);
const sha256Hex = (s: string) => sha256(s, 'hex');

/**
 * The idempotency key of an event: scoped by type and character, from `event_id`
 * when the client gives one, else from the whole event's canonical JSON. The UUID is
 * the first 16 bytes of SHA-256 over `type NUL character_name NUL ("id" NUL event_id |
 * "json" NUL canonical JSON)`. Keys are stored in every projection row: never change
 * this definition (test/foundation/envelope.unit.test.ts pins it).
 */
export function eventKey(event: {
  type: string;
  character_name: string;
  event_id?: string;
  [field: string]: unknown;
}): string {
  return eventKeyOf(
    event.type,
    event.character_name,
    event.event_id,
    event.event_id === undefined ? canonicalJson(event) : '',
  );
}

/** eventKey() when the caller already has the event's canonical JSON (the edge does). */
export function eventKeyOf(
  type: string,
  characterName: string,
  eventId: string | undefined,
  canonical: string,
): string {
  const h = sha256Hex(
    eventId !== undefined
      ? `${type}\0${characterName}\0id\0${eventId}`
      : `${type}\0${characterName}\0json\0${canonical}`,
  );
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Nats-Msg-Id of a message carrying these event keys. */
export function messageId(ids: readonly string[]): string {
  if (ids.length === 1) return ids[0];
  // SHA-256 of the keys concatenated, in one call (an update() per key was ~8% of
  // the edge's busy time with ~100 events per message).
  return `b-${sha256(ids.join(''), 'base64url')}`;
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
