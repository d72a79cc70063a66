// What fits one NATS message, counted the way the NATS client and server count it:
// payload plus headers against the server's max_payload (docs/edge.md "Size limits").
// The edge refuses an event with `too_large` when it could not travel alone, and seals
// a batch before the next event would push it over, so no publish ever fails for size.
import { headers } from '@nats-io/transport-node';
import { messageId } from '../shared/envelope.js';
import { SIGNATURE_CHARS, SIGNATURE_HEADER } from '../shared/message-signature.js';
import { EVENT_TYPES, type EventType } from '../shared/subjects.js';
import { envelopeBytes } from './envelope-json.js';

/**
 * Bytes of the header block, as nats.js encodes it: `Nats-Msg-Id: <id>`, and with
 * `signed` the `Tracker-Sig` of a signing edge (docs/security.md "Signed messages").
 */
export function msgIdHeaderBytes(idLength: number, signed = false): number {
  const h = headers();
  h.set('Nats-Msg-Id', 'x'.repeat(idLength));
  if (signed) h.set(SIGNATURE_HEADER, 'x'.repeat(SIGNATURE_CHARS));
  // MsgHdrs does not declare encode(); it is what nats.js itself sends.
  return (h as unknown as { encode(): Uint8Array }).encode().length;
}

const KEY = '00000000-0000-0000-0000-000000000000';
const SINGLE_ID = messageId([KEY]).length;
const BATCH_ID = messageId([KEY, KEY]).length;

export class SizeBudget {
  private readonly maxEvent: Record<EventType, number>;
  /** Header bytes of a one-event message (its id is the event key) and of a batch (a hash). */
  private readonly singleHeaderBytes: number;
  private readonly batchHeaderBytes: number;

  /**
   * `maxPayload`: the server's max_payload (INFO), headers included; `signed`: the edge
   * adds a `Tracker-Sig` header to every JetStream message.
   */
  constructor(
    readonly maxPayload: number,
    signed = false,
  ) {
    this.singleHeaderBytes = msgIdHeaderBytes(SINGLE_ID, signed);
    this.batchHeaderBytes = msgIdHeaderBytes(BATCH_ID, signed);
    this.maxEvent = Object.fromEntries(EVENT_TYPES.map((t) => [t, maxPayload - this.messageBytes(t, 1, 0)])) as Record<
      EventType,
      number
    >;
  }

  /**
   * Exact bytes NATS counts for a message of `count` events whose JSON adds up to
   * `eventBytes`. Chat goes out on core NATS without headers.
   */
  messageBytes(type: string, count: number, eventBytes: number): number {
    const header = type === 'chat' ? 0 : count === 1 ? this.singleHeaderBytes : this.batchHeaderBytes;
    return envelopeBytes(type, count, eventBytes) + header;
  }

  /** Largest serialized event of this type that fits a message on its own. */
  maxEventBytes(type: string): number {
    return this.maxEvent[type as EventType] ?? this.maxPayload - this.messageBytes(type, 1, 0);
  }

  fits(type: string, count: number, eventBytes: number): boolean {
    return this.messageBytes(type, count, eventBytes) <= this.maxPayload;
  }
}
