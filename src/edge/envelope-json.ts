// Builds the JetStream message (src/shared/envelope.ts format) from events already
// serialized at accept time: each event is stringified once, its byte size is known
// before batching, and a batch is a string join instead of a second stringify.
// The output is byte-identical to encodeEnvelope() (test/edge/units.unit.test.ts,
// "envelopeFromJson is byte-identical to encodeEnvelope").
import { ENVELOPE_VERSION } from '../shared/envelope.js';
import { EVENT_TYPES, type EventType } from '../shared/subjects.js';

export function envelopeFromJson(
  type: string,
  receivedAt: string,
  ids: readonly string[],
  eventJsons: readonly string[],
): Buffer {
  return Buffer.from(
    `{"v":${ENVELOPE_VERSION},"type":${JSON.stringify(type)},"received_at":${JSON.stringify(receivedAt)},"ids":${JSON.stringify(ids)},"events":[${eventJsons.join(',')}]}`,
  );
}

// Exact sizes, so every limit is checked with the accounting NATS applies (docs/edge.md
// "Size limits"): a message is its envelope plus its headers, and both count against
// the server's max_payload.

/** `received_at` is Date#toISOString(): always 24 characters for years 1970-9999. */
const ISO_SAMPLE = new Date(0).toISOString();

const EMPTY_BYTES = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, envelopeFromJson(t, ISO_SAMPLE, [], []).length]),
) as Record<EventType, number>;

/** Bytes of the envelope holding no event, by type (an extension type's are counted when asked). */
export const emptyEnvelopeBytes = (type: string): number =>
  EMPTY_BYTES[type as EventType] ?? envelopeFromJson(type, ISO_SAMPLE, [], []).length;

/** One event key in `ids`: a UUID in quotes. */
export const EVENT_KEY_BYTES = 38;
/** Each event after the first adds a comma in `ids` and one in `events`. */
export const SEPARATOR_BYTES = 2;

/** Exact bytes of an envelope of `count` events whose JSON adds up to `eventBytes`. */
export const envelopeBytes = (type: string, count: number, eventBytes: number): number =>
  emptyEnvelopeBytes(type) + count * EVENT_KEY_BYTES + eventBytes + Math.max(0, count - 1) * SEPARATOR_BYTES;
