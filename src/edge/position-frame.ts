// One /ws/position frame, from bytes to accepted events (wire protocol v1,
// docs/protocol.md): admission (binary, size, shutdown, rate, parse, buffer room),
// then each event checked and handed to the publisher, or to core NATS for chat.
// Replies are corked; nothing here keeps a reference to uWS's message buffer.
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { WebSocket } from '../shared/http/uws.js';
import { envelopeFromJson } from './envelope-json.js';
import {
  parseFrame,
  checkEvent,
  isErrorReply,
  type AcceptedEvent,
  type FrameOptions,
  type ParsedFrame,
} from './frame.js';
import { errorReply, unavailable, type ErrorReply, type AckReply } from './replies.js';
import type { Publisher } from './publisher.js';
import type { AckTrackers } from './ack-tracker.js';
import type { EdgeMetrics } from './metrics.js';
import type { ConnectionRateLimit, RateLimitOptions, RateLimitRefusal } from './rate-limit.js';
import type { UnavailableCloseRule } from './unavailable-close.js';
import type { Quarantine } from './quarantine.js';

export interface PositionConn {
  ws?: WebSocket<PositionConn>;
  ack: boolean;
  closed: boolean;
  frames: number;
  rate: ConnectionRateLimit;
  unavailable: UnavailableCloseRule;
}

/** What bounds /ws/position (docs/edge.md): the route is given these, not the whole configuration. */
export interface PositionLimitOptions {
  readonly maxPayloadBytes: number;
  readonly idleTimeoutSeconds: number;
  readonly maxBackpressureBytes: number;
  readonly maxEventsPerFrame: number;
  /** Seconds of frames refused with `unavailable`, none admitted, before the socket is closed with 1013 (unavailable-close.ts). */
  readonly unavailableCloseAfterSeconds: number;
  readonly rate: RateLimitOptions;
}

type AdmittedFrame = Extract<ParsedFrame, { ok: true }>;
type FrameAcks = ReturnType<AckTrackers['begin']>;

export interface PositionRouteOptions {
  log: Logger;
  nc: NatsConnection;
  publisher: Publisher;
  acks: AckTrackers;
  metrics: EdgeMetrics;
  limits: PositionLimitOptions;
  /** Every accepted plugin secret (docs/security.md). */
  secrets: readonly string[];
  frameOptions: FrameOptions;
  isStopping: () => boolean;
  /** Where events refused for their content are kept (docs/protocol.md "Refused events"). */
  quarantine: Quarantine;
}

export function send(deps: PositionRouteOptions, conn: PositionConn, reply: ErrorReply | AckReply): void {
  if (reply.type === 'error') deps.metrics.rejected.inc({ code: reply.code });
  const ws = conn.ws;
  if (conn.closed || !ws) return;
  ws.cork(() => {
    ws.send(JSON.stringify(reply));
  });
}

export function handleFrame(
  deps: PositionRouteOptions,
  conn: PositionConn,
  frame: number,
  message: ArrayBuffer,
  isBinary: boolean,
): void {
  const parsed = admitFrame(deps, conn, frame, message, isBinary);
  if (!parsed) return;
  const tracker = conn.ack ? deps.acks.begin(frame, (r) => send(deps, conn, r)) : undefined;
  cork(conn, () => acceptEvents(deps, conn, frame, parsed, tracker));
}

/** Every check a frame passes before any of its events is looked at; undefined = answered already. */
function admitFrame(
  deps: PositionRouteOptions,
  conn: PositionConn,
  frame: number,
  message: ArrayBuffer,
  isBinary: boolean,
): AdmittedFrame | undefined {
  const { limits, publisher } = deps;
  if (isBinary) {
    send(
      deps,
      conn,
      errorReply(ErrorCodes.binaryFrame, frame, 'binary frames are not accepted; send JSON text frames'),
    );
    return undefined;
  }
  if (message.byteLength > limits.maxPayloadBytes) {
    const why = `frame is ${message.byteLength} bytes; at most ${limits.maxPayloadBytes} are allowed (WS_MAX_PAYLOAD_BYTES)`;
    send(deps, conn, errorReply(ErrorCodes.tooLarge, frame, why));
    conn.ws?.end(1009, 'frame too large');
    return undefined;
  }
  if (deps.isStopping()) return refuse(deps, conn, frame, 'server shutting down; reconnect later');
  // Every frame counts against the frame rate, even one that does not parse.
  const frameLimited = conn.rate.frame();
  if (frameLimited) return rateLimited(deps, conn, frame, frameLimited);
  // Decoding copies the bytes into a JS string: nothing below refers to `message`.
  const text = Buffer.from(message).toString('utf8');
  const parsed = parseFrame(text, frame, limits.maxEventsPerFrame);
  if (!parsed.ok) {
    deps.quarantine.refused(parsed.error, { frame: text });
    send(deps, conn, parsed.error);
    return undefined;
  }
  const overLimit = conn.rate.events(parsed.events.length);
  if (overLimit) return rateLimited(deps, conn, frame, overLimit);
  const full = publisherRefusal(publisher, conn.ack, parsed.events.length);
  if (full) return refuse(deps, conn, frame, full);
  conn.unavailable.admitted();
  return parsed;
}

/** Why the publisher cannot take `events` now (an `unavailable` reply), or undefined. */
function publisherRefusal(publisher: Publisher, ack: boolean, events: number): string | undefined {
  if (!publisher.canAccept(events))
    return `the edge holds ${publisher.buffered} events not yet stored (EDGE_MAX_BUFFERED_EVENTS); retry later`;
  // The client keeps its events and resends: do not buffer them while JetStream fails.
  if (ack && !publisher.healthy)
    return `JetStream is not accepting events right now (${publisher.failure.error}); retry later`;
  return undefined;
}

function acceptEvents(
  deps: PositionRouteOptions,
  conn: PositionConn,
  frame: number,
  parsed: AdmittedFrame,
  tracker: FrameAcks | undefined,
): void {
  let rejected = 0;
  // Counted once per type per frame (a labelled prom-client inc() is ~150 ns).
  const acceptedByType = new Map<string, number>();
  for (let i = 0; i < parsed.events.length; i++) {
    const index = parsed.isArray ? i : undefined;
    const r = checkEvent(parsed.events[i], index, frame, parsed.checkStrings, deps.frameOptions);
    if (isErrorReply(r)) {
      deps.quarantine.refused(r, { event: parsed.events[i] });
      rejected++;
      send(deps, conn, r);
      continue;
    }
    const label = r.extension ? extensionLabel(r.type) : r.type;
    acceptedByType.set(label, (acceptedByType.get(label) ?? 0) + 1);
    if (r.normalized) for (const rule of r.normalized) deps.metrics.normalized.inc({ rule });
    tracker?.addEvent(r.eventId);
    if (r.type === 'chat') sendChat(deps, conn, frame, r, tracker);
    else deps.publisher.add(r, tracker);
  }
  deps.publisher.endOfFrame();
  for (const [type, n] of acceptedByType) deps.metrics.accepted.inc({ type }, n);
  tracker?.arm(rejected);
}

// Extension types are named by clients: their metric labels are bounded, so a client
// that invents types cannot grow /metrics without end (docs/protocol.md "Extension types").
const MAX_EXTENSION_LABELS = 100;
const extensionLabels = new Set<string>();
function extensionLabel(type: string): string {
  if (extensionLabels.has(type)) return type;
  if (extensionLabels.size >= MAX_EXTENSION_LABELS) return 'other_extension';
  extensionLabels.add(type);
  return type;
}

/**
 * Chat: core NATS only, never JetStream, never the database (docs/protocol.md). Its
 * size was checked against max_payload already; a closed connection still throws.
 */
function sendChat(
  deps: PositionRouteOptions,
  conn: PositionConn,
  frame: number,
  chat: AcceptedEvent,
  tracker: FrameAcks | undefined,
): void {
  let failed: string | undefined;
  try {
    deps.nc.publish(chat.subject, envelopeFromJson('chat', new Date().toISOString(), [chat.key], [chat.json]));
  } catch (err) {
    failed = `chat not sent: ${(err as Error).message}`;
  }
  if (failed === undefined) tracker?.stored(1);
  else if (tracker) tracker.refused(ErrorCodes.unavailable, failed, chat.eventId);
  else {
    const extra = chat.eventId === undefined ? {} : { event_id: chat.eventId };
    send(deps, conn, errorReply(ErrorCodes.unavailable, frame, failed, extra));
  }
}

function refuse(deps: PositionRouteOptions, conn: PositionConn, frame: number, message: string): undefined {
  send(deps, conn, unavailable(frame, message));
  if (conn.unavailable.refused() && conn.ws) conn.ws.end(1013, 'try again later');
  return undefined;
}

function rateLimited(
  deps: PositionRouteOptions,
  conn: PositionConn,
  frame: number,
  refusal: RateLimitRefusal,
): undefined {
  const message = `${refusal.why}; nothing of this frame was accepted: resend it after retry_after_ms`;
  send(deps, conn, errorReply(ErrorCodes.rateLimited, frame, message, { retry_after_ms: refusal.retryAfterMs }));
  if (refusal.close && conn.ws) conn.ws.end(1008, 'rate limit exceeded');
  return undefined;
}

function cork(conn: PositionConn, fn: () => void): void {
  if (conn.ws && !conn.closed) conn.ws.cork(fn);
  else fn();
}
