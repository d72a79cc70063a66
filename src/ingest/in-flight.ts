// The decode step of ingest (docs/ingest.md "How it works"): each JetStream message is
// decoded once, when it joins a batch; bisecting and retries re-use its rows.
import type { JsMsg } from '@nats-io/jetstream';
import { PoisonCodes, PoisonError, errorMessage, type PoisonCode } from '../shared/errors.js';
import { decodeMessage, type DecodedMessage, type DecodeOptions } from './decode.js';

/** A message of the current batch, decoded. */
export interface InFlight {
  readonly msg: JsMsg;
  readonly decoded?: DecodedMessage;
  /** Why the message can never be applied (set instead of `decoded`). */
  readonly poison?: string;
  readonly poisonCode?: PoisonCode;
  /** Events it carries (at least 1, for batch sizing). */
  readonly size: number;
}

export type DecodedInFlight = InFlight & { readonly decoded: DecodedMessage };

export const isDecoded = (item: InFlight): item is DecodedInFlight => item.decoded !== undefined;

/** Never throws: whatever is wrong with one message stays with that message. */
export function decodeInFlight(limits: DecodeOptions, msg: JsMsg): InFlight {
  try {
    const decoded = decodeMessage(limits, msg.subject, msg.data, msg.seq);
    return { msg, decoded, size: Math.max(1, decoded.rows.length) };
  } catch (err) {
    if (err instanceof PoisonError) return { msg, poison: err.reason, poisonCode: err.code, size: 1 };
    return {
      msg,
      poison: `${PoisonCodes.decodeFailed}: ${errorMessage(err)}`,
      poisonCode: PoisonCodes.decodeFailed,
      size: 1,
    };
  }
}
