// The decode step of ingest (docs/ingest.md "How it works"): each JetStream message is
// decoded once, when it joins a batch; bisecting and retries re-use its rows.
import type { JsMsg } from '@nats-io/jetstream';
import { PoisonCodes, PoisonError, errorMessage, type PoisonCode } from '../shared/errors.js';
import { SIGNATURE_HEADER } from '../shared/message-signature.js';
import { decodeMessage, type DecodedMessage, type DecodeOptions } from './decode.js';

/**
 * What the message's `Tracker-Sig` says (docs/security.md "Signed messages"): `valid`
 * (signed by an edge with our key: its schema is not run again), `invalid` (a header our
 * key did not make: checked in full), `absent` (no header, or no key here: checked in full).
 */
export type SignatureCheck = 'valid' | 'invalid' | 'absent';

/** A message of the current batch, decoded. */
export interface InFlight {
  readonly msg: JsMsg;
  readonly decoded?: DecodedMessage;
  /** Why the message can never be applied (set instead of `decoded`). */
  readonly poison?: string;
  readonly poisonCode?: PoisonCode;
  /** Events it carries (at least 1, for batch sizing). */
  readonly size: number;
  readonly signature: SignatureCheck;
}

export type DecodedInFlight = InFlight & { readonly decoded: DecodedMessage };

export const isDecoded = (item: InFlight): item is DecodedInFlight => item.decoded !== undefined;

/** Never throws: whatever is wrong with one message stays with that message. */
export function decodeInFlight(limits: DecodeOptions, msg: JsMsg): InFlight {
  const signature = checkSignature(limits, msg);
  try {
    const decoded = decodeMessage(limits, msg.subject, msg.data, msg.seq, signature === 'valid');
    return { msg, decoded, size: Math.max(1, decoded.rows.length), signature };
  } catch (err) {
    if (err instanceof PoisonError) return { msg, poison: err.reason, poisonCode: err.code, size: 1, signature };
    return {
      msg,
      poison: `${PoisonCodes.decodeFailed}: ${errorMessage(err)}`,
      poisonCode: PoisonCodes.decodeFailed,
      size: 1,
      signature,
    };
  }
}

/**
 * One HMAC per message (a message is a batch of events); headers are read only with a
 * key, and a message too large to be read is not hashed either (it is dead-lettered unread).
 */
function checkSignature(limits: DecodeOptions, msg: JsMsg): SignatureCheck {
  if (!limits.signer || !msg.headers || msg.data.byteLength > limits.maxMessageBytes) return 'absent';
  const sig = msg.headers.get(SIGNATURE_HEADER);
  if (!sig) return 'absent';
  return limits.signer.verify(msg.subject, msg.data, sig) ? 'valid' : 'invalid';
}
