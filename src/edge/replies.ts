// Server -> client frames of /ws/position (wire protocol v1, docs/protocol.md).
import { ErrorCodes, type ErrorCode } from '../shared/errors.js';
import type { FieldError } from '../../schemas/validators.js';

export interface ErrorReply {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** Number of the frame on this connection (1 = first frame received). */
  frame: number;
  errors?: FieldError[];
  /** Position in the array, when the frame was an array. */
  index?: number;
  event_id?: string;
  /** `rate_limited` only: ms after which a resend of this frame would pass (docs/protocol.md "Rate limits"). */
  retry_after_ms?: number;
}

export interface AckReply {
  type: 'ack';
  frame: number;
  /** Events of the frame now stored in JetStream (chat: handed to NATS). */
  accepted: number;
  /** Events of the frame refused (each got an `invalid_event`/`too_large` error before). */
  rejected: number;
  /** `event_id`s of the accepted events that had one, in frame order. */
  event_ids: string[];
}

export const errorReply = (
  code: ErrorCode,
  frame: number,
  message: string,
  extra: Partial<ErrorReply> = {},
): ErrorReply => ({ type: 'error', code, message, frame, ...extra });

export const unavailable = (frame: number, message: string) => errorReply(ErrorCodes.unavailable, frame, message);
