// Builds the JetStream message (src/shared/envelope.ts format) from events already
// serialized at accept time: each event is stringified once, its byte size is known
// before batching, and a batch is a string join instead of a second stringify.
// The output is byte-identical to encodeEnvelope() (test/edge/envelope-json.unit.test.ts).
import { ENVELOPE_VERSION } from '../shared/envelope.js';
import type { EventType } from '../shared/subjects.js';

export function envelopeFromJson(type: EventType, receivedAt: string, ids: readonly string[], eventJsons: readonly string[]): Buffer {
  return Buffer.from(`{"v":${ENVELOPE_VERSION},"type":${JSON.stringify(type)},"received_at":${JSON.stringify(receivedAt)},"ids":${JSON.stringify(ids)},"events":[${eventJsons.join(',')}]}`);
}

/** Bytes the envelope adds around its events: fixed part plus per-event id and comma. */
export const ENVELOPE_FIXED_BYTES = 128;
export const ENVELOPE_PER_EVENT_BYTES = 40;
