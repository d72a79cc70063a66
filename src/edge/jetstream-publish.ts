// JetStream publishes with PubAcks, without nats.js's request machinery.
//
// `js.publish()` rides on `nc.request()`: per message a RequestOne with its own
// setTimeout, a Promise.race, and, once the PubAck is in, an Error("cancelled") built
// (stack trace and all) only to reject an already-settled promise (RequestOne.cancel in
// nats-core). In the 1,000-client latency run that was ~8% of the edge's busy time,
// and the edge's per-message cost is what caps JetStream messages/s there
// (docs/benchmarks.md). This sends the very same wire message -- PUB with a
// `Nats-Msg-Id` header and a reply subject -- and matches the PubAcks on ONE wildcard
// subscription, with one timer sweeping deadlines for all of them.
import {
  createInbox,
  headers,
  InvalidArgumentError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { ErrorCodes, RejectedMessageError, TrackerError } from '../shared/errors.js';
import { SIGNATURE_HEADER, type MessageSigner } from '../shared/message-signature.js';

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** Publishes one message to a stream subject; resolves with its PubAck. */
export type JetStreamPublish = (
  subject: string,
  payload: Uint8Array,
  msgId: string,
  timeoutMs: number,
) => Promise<PubAck>;

interface Pending {
  resolve(ack: PubAck): void;
  reject(err: Error): void;
  deadline: number;
}

const SWEEP_MS = 100;

/**
 * Smaller messages go unsigned: an HMAC costs ~3 µs per message plus ~0.5 µs per KiB
 * (sign at the edge and check at ingest alike), and a signature saves ingest ~1.6 µs per
 * event (its second validation). Signing pays from about 5 telemetry events (~2.5 KiB);
 * 4 KiB keeps a margin (test/ingest/measure/decode-cost.ts, docs/benchmarks.md
 * "Per-event CPU budget"). An unsigned message is checked in full: same outcome, more CPU.
 */
export const SIGN_MIN_BYTES = 4096;

export class JetStreamPublisher {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly sub: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private seq = 0;
  private closed = false;

  /** With a `signer`, messages of SIGN_MIN_BYTES or more carry their `Tracker-Sig` (docs/security.md "Signed messages"). */
  constructor(
    private readonly nc: NatsConnection,
    private readonly signer?: MessageSigner,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.reply(err, msg) });
    this.sweep = setInterval(() => this.expire(Date.now()), SWEEP_MS);
    this.sweep.unref();
  }

  readonly publish: JetStreamPublish = (subject, payload, msgId, timeoutMs) => {
    if (this.closed) return Promise.reject(new Error('publisher closed'));
    const token = (++this.seq).toString(36);
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    if (this.signer && payload.length >= SIGN_MIN_BYTES) h.set(SIGNATURE_HEADER, this.signer.sign(subject, payload));
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + timeoutMs });
      try {
        this.nc.publish(subject, payload, { reply: `${this.inbox}.${token}`, headers: h });
      } catch (err) {
        // Closed or draining connection, bad subject, too big: nothing went out.
        this.pending.delete(token);
        reject(classifyPublishError(err as Error));
      }
    });
  };

  get inflight(): number {
    return this.pending.size;
  }

  /** Rejects what is still pending and stops listening. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweep);
    this.failAll(new Error('publisher closed'));
    this.sub.unsubscribe();
  }

  private reply(err: Error | null, msg: Msg): void {
    if (err || !msg) {
      // A subscription-level failure (permissions, for one): no reply will come.
      this.failAll(err ?? new Error('PubAck subscription failed'));
      return;
    }
    const token = msg.subject.slice(this.inbox.length + 1);
    const p = this.pending.get(token);
    if (!p) return; // already timed out: the caller retries with the same Nats-Msg-Id
    this.pending.delete(token);
    try {
      p.resolve(parsePubAck(msg));
    } catch (e) {
      p.reject(e as Error);
    }
  }

  private expire(now: number): void {
    for (const [token, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(token);
      p.reject(new Error('JetStream publish timed out (no PubAck)'));
    }
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}

/**
 * nats.js checks arguments before anything is sent (InvalidArgumentError: payload plus
 * headers over max_payload, a bad subject): sending the same message again fails the
 * same way. A closed or draining connection is not the message's fault: retried.
 */
function classifyPublishError(err: Error): Error {
  if (!(err instanceof InvalidArgumentError)) return err;
  const code = /max_payload/.test(err.message) ? ErrorCodes.tooLarge : ErrorCodes.internal;
  return new RejectedMessageError(code, `NATS refused the message: ${err.message}`, { cause: err });
}

/** JetStream API error codes that refuse the message itself (nats-server's errors.json). */
const MESSAGE_TOO_LARGE = 10054;

/**
 * JetStream refused a publish for want of room (docs/operations.md "Limits"):
 * - `log_full`: the stream reached its own cap (STREAM_MAX_BYTES, `discard: new`):
 *   err_code 10077 "maximum bytes exceeded" / "maximum messages exceeded";
 * - `disk_full`: the server's store is full: its JetStream storage limit, sized from the
 *   free disk when it started (10023 "insufficient resources", 10047 "insufficient
 *   storage resources available"), or a write that hit ENOSPC ("no space left on device").
 * Retried like any failure (the same message fits once there is room), but counted and
 * named so clients and /health say which limit was reached.
 */
export class StoreFullError extends TrackerError {
  constructor(
    readonly kind: 'log_full' | 'disk_full',
    message: string,
  ) {
    super(ErrorCodes.unavailable, message);
  }
}

const STREAM_STORE_FAILED = 10077;
const INSUFFICIENT_RESOURCES = new Set([10023, 10047]);

function storeFull(
  stream: string | undefined,
  error: { err_code?: number; description?: string },
  text: string,
): StoreFullError | undefined {
  const what = error.description ?? '';
  if (error.err_code === STREAM_STORE_FAILED && /^maximum (bytes|messages) exceeded/.test(what))
    return new StoreFullError(
      'log_full',
      `the log is full: stream ${stream ?? '?'} reached its cap (STREAM_MAX_BYTES) and refuses new events until ` +
        `older ones age out (STREAM_MAX_AGE_SECONDS) or the cap is raised; ${text}`,
    );
  if (INSUFFICIENT_RESOURCES.has(error.err_code ?? 0) || /no space left/i.test(what))
    return new StoreFullError(
      'disk_full',
      `NATS has no room left: the JetStream store is full (its disk, or the server's max_file_store); ${text}`,
    );
  return undefined;
}

/** A PubAck, or the JetStream error/no-responders status it carries, as an Error. */
export function parsePubAck(msg: Pick<Msg, 'data' | 'headers' | 'string'>): PubAck {
  if (msg.headers?.code === 503)
    throw new Error('no responders: no JetStream stream takes this subject (is JetStream up?)');
  if (msg.data.length === 0)
    throw new Error(
      `empty JetStream reply${msg.headers ? ` (status ${msg.headers.code} ${msg.headers.description})` : ''}`,
    );
  const ack = JSON.parse(msg.string()) as {
    stream?: string;
    seq?: number;
    duplicate?: boolean;
    error?: { code?: number; err_code?: number; description?: string };
  };
  if (ack.error) {
    const text = `JetStream refused the message: ${ack.error.description ?? 'unknown error'} (${ack.error.code ?? '?'}/${ack.error.err_code ?? '?'})`;
    if (ack.error.err_code === MESSAGE_TOO_LARGE) throw new RejectedMessageError(ErrorCodes.tooLarge, text);
    throw storeFull(ack.stream, ack.error, text) ?? new Error(text);
  }
  if (typeof ack.stream !== 'string' || typeof ack.seq !== 'number')
    throw new Error(`invalid PubAck: ${msg.string().slice(0, 200)}`);
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true };
}
