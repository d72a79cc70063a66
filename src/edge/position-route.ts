// /ws/position: game plugins send events here (wire protocol v1, docs/protocol.md).
// uWS rules followed (docs/dependencies.md "uWebSockets.js"): auth in `upgrade`, read synchronously
// and answered with a real 401; the message ArrayBuffer is decoded to a string before
// returning (nothing async touches it); a socket is used only between open and close
// (`closed` flag in its user data); replies are corked; every handler catches.
import type { NatsConnection } from '@nats-io/transport-node';
import { uws, type TemplatedApp, type WebSocket, type HttpResponse } from '../shared/http/uws.js';
import { errorBody, statusLine } from '../shared/http/server.js';
import { ErrorCodes } from '../shared/errors.js';
import { envelopeFromJson } from './envelope-json.js';
import type { Logger } from '../shared/logger.js';
import { pluginSecrets, type Config } from '../shared/config.js';
import { parseFrame, checkEvent, isErrorReply, type FrameLimits } from './frame.js';
import { errorReply, unavailable, type ErrorReply, type AckReply } from './replies.js';
import type { Publisher } from './publisher.js';
import type { AckTrackers } from './ack-tracker.js';
import type { EdgeMetrics } from './metrics.js';
import { secretChecker } from '../shared/secret-checker.js';
import { ConnectionRateLimit } from './rate-limit.js';

export interface PositionConn {
  ws?: WebSocket<PositionConn>;
  ack: boolean;
  closed: boolean;
  frames: number;
  refusedInARow: number;
  rate: ConnectionRateLimit;
  rateLimitedInARow: number;
}

export interface PositionDeps {
  cfg: Config;
  log: Logger;
  nc: NatsConnection;
  publisher: Publisher;
  acks: AckTrackers;
  metrics: EdgeMetrics;
  limits: FrameLimits;
  isStopping: () => boolean;
}

/** uWS cuts frames above this without letting us reply (documented in docs/protocol.md). */
export const hardPayloadCap = (limit: number) => limit * 2;

const ROUTE = '/ws/position';

function reject(res: HttpResponse, status: number, code: string, message: string): void {
  res.cork(() => {
    res
      .writeStatus(statusLine(status))
      .writeHeader('content-type', 'application/json')
      .end(JSON.stringify(errorBody(code, message)));
  });
}

export function addPositionRoute(app: TemplatedApp, deps: PositionDeps, sockets: Set<PositionConn>): void {
  const { cfg, log, metrics } = deps;
  const checkSecret = secretChecker(pluginSecrets(cfg));
  const send = (conn: PositionConn, reply: ErrorReply | AckReply) => {
    if (reply.type === 'error') metrics.rejected.inc({ code: reply.code });
    const ws = conn.ws;
    if (conn.closed || !ws) return;
    ws.cork(() => {
      ws.send(JSON.stringify(reply));
    });
  };

  app.ws<PositionConn>(ROUTE, {
    maxPayloadLength: hardPayloadCap(cfg.WS_MAX_PAYLOAD_BYTES),
    idleTimeout: cfg.WS_IDLE_TIMEOUT_SECONDS,
    maxBackpressure: cfg.WS_MAX_BACKPRESSURE_BYTES,
    // Replies are part of the protocol: a client that does not read them is closed
    // rather than silently missing errors or acks.
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: true,
    compression: uws.DISABLED,

    upgrade: (res, req, context) => {
      // Everything is read synchronously: the request object dies on return (docs/dependencies.md "uWebSockets.js").
      const query = new URLSearchParams(req.getQuery() ?? '');
      const given = req.getHeader('x-plugin-secret') || query.get('secret') || '';
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      if (!checkSecret(given)) {
        metrics.rejected.inc({ code: ErrorCodes.unauthorized });
        return reject(
          res,
          401,
          ErrorCodes.unauthorized,
          given ? 'wrong plugin secret' : 'missing plugin secret: send X-Plugin-Secret or ?secret=',
        );
      }
      if (deps.isStopping()) return reject(res, 503, ErrorCodes.unavailable, 'server shutting down');
      const ack = /^(1|true|yes)$/i.test(query.get('ack') ?? '');
      const rate = new ConnectionRateLimit({
        framesPerSecond: cfg.EDGE_RATE_LIMIT_FRAMES_PER_SECOND,
        eventsPerSecond: cfg.EDGE_RATE_LIMIT_EVENTS_PER_SECOND,
      });
      res.upgrade<PositionConn>(
        { ack, closed: false, frames: 0, refusedInARow: 0, rate, rateLimitedInARow: 0 },
        key,
        protocol,
        extensions,
        context,
      );
    },

    open: (ws) => {
      const conn = ws.getUserData();
      conn.ws = ws;
      sockets.add(conn);
      metrics.connections.inc({ route: ROUTE });
    },

    message: (ws, message, isBinary) => {
      const conn = ws.getUserData();
      const frame = ++conn.frames;
      try {
        handleFrame(conn, frame, message, isBinary);
      } catch (err) {
        // Never reached by any input we know of (fuzz-tested); never crash on one either.
        log.error({ err, frame }, 'unexpected error handling a frame');
        send(conn, errorReply(ErrorCodes.internal, frame, 'internal error handling this frame'));
      }
    },

    close: (ws) => {
      const conn = ws.getUserData();
      conn.closed = true;
      conn.ws = undefined;
      sockets.delete(conn);
      metrics.connections.dec({ route: ROUTE });
    },
  });

  function refuse(conn: PositionConn, frame: number, message: string): void {
    send(conn, unavailable(frame, message));
    if (++conn.refusedInARow >= cfg.EDGE_UNAVAILABLE_CLOSE_AFTER && conn.ws) {
      conn.ws.end(1013, 'try again later');
    }
  }

  function rateLimited(conn: PositionConn, frame: number, why: string): void {
    send(
      conn,
      errorReply(ErrorCodes.rateLimited, frame, `${why}; nothing of this frame was accepted: slow down and resend`),
    );
    if (++conn.rateLimitedInARow >= cfg.EDGE_RATE_LIMIT_CLOSE_AFTER && conn.ws)
      conn.ws.end(1008, 'rate limit exceeded');
  }

  function handleFrame(conn: PositionConn, frame: number, message: ArrayBuffer, isBinary: boolean): void {
    if (isBinary)
      return send(
        conn,
        errorReply(ErrorCodes.binaryFrame, frame, 'binary frames are not accepted; send JSON text frames'),
      );
    if (message.byteLength > cfg.WS_MAX_PAYLOAD_BYTES) {
      send(
        conn,
        errorReply(
          ErrorCodes.tooLarge,
          frame,
          `frame is ${message.byteLength} bytes; at most ${cfg.WS_MAX_PAYLOAD_BYTES} are allowed (WS_MAX_PAYLOAD_BYTES)`,
        ),
      );
      conn.ws?.end(1009, 'frame too large');
      return;
    }
    if (deps.isStopping()) return refuse(conn, frame, 'server shutting down; reconnect later');
    // Every frame counts against the frame rate, even one that does not parse.
    const frameLimited = conn.rate.frame();
    if (frameLimited) return rateLimited(conn, frame, frameLimited);
    // Decoding copies the bytes into a JS string: nothing below refers to `message`.
    const parsed = parseFrame(Buffer.from(message).toString('utf8'), frame, cfg.EDGE_MAX_EVENTS_PER_FRAME);
    if (!parsed.ok) return send(conn, parsed.error);
    const overLimit = conn.rate.events(parsed.events.length);
    if (overLimit) return rateLimited(conn, frame, overLimit);
    conn.rateLimitedInARow = 0;
    const { publisher } = deps;
    if (!publisher.canAccept(parsed.events.length)) {
      return refuse(
        conn,
        frame,
        `the edge holds ${publisher.buffered} events not yet stored (EDGE_MAX_BUFFERED_EVENTS); retry later`,
      );
    }
    if (conn.ack && !publisher.healthy) {
      // The client keeps its events and resends: do not buffer them while JetStream fails.
      return refuse(conn, frame, 'JetStream is not accepting events right now; retry later');
    }
    conn.refusedInARow = 0;
    let rejected = 0;
    const tracker = conn.ack ? deps.acks.begin(frame, (r) => send(conn, r)) : undefined;
    // Counted once per type per frame (a labelled prom-client inc() is ~150 ns).
    const acceptedByType = new Map<string, number>();
    cork(conn, () => {
      for (let i = 0; i < parsed.events.length; i++) {
        const r = checkEvent(parsed.events[i], parsed.isArray ? i : undefined, frame, parsed.checkStrings, deps.limits);
        if (isErrorReply(r)) {
          rejected++;
          send(conn, r);
          continue;
        }
        acceptedByType.set(r.type, (acceptedByType.get(r.type) ?? 0) + 1);
        tracker?.addEvent(r.eventId);
        if (r.type === 'chat') {
          const failed = publishChat(deps.nc, r.subject, r.key, r.json);
          if (failed === undefined) tracker?.stored(1);
          else if (tracker) tracker.refused(ErrorCodes.unavailable, `chat not sent: ${failed}`, r.eventId);
          else
            send(
              conn,
              errorReply(
                ErrorCodes.unavailable,
                frame,
                `chat not sent: ${failed}`,
                r.eventId === undefined ? {} : { event_id: r.eventId },
              ),
            );
        } else {
          publisher.add(r, tracker);
        }
      }
      publisher.endOfFrame();
      for (const [type, n] of acceptedByType) metrics.accepted.inc({ type }, n);
      tracker?.arm(rejected);
    });
  }
}

function cork(conn: PositionConn, fn: () => void): void {
  if (conn.ws && !conn.closed) conn.ws.cork(fn);
  else fn();
}

/**
 * Chat: core NATS only, never JetStream, never the database (docs/protocol.md). Its
 * size was checked against max_payload already; a closed connection still throws.
 * Returns why it was not sent, or undefined.
 */
function publishChat(nc: NatsConnection, subject: string, key: string, json: string): string | undefined {
  try {
    nc.publish(subject, envelopeFromJson('chat', new Date().toISOString(), [key], [json]));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
