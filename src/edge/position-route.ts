// /ws/position: game plugins send events here (wire protocol v1, docs/protocol.md).
// uWS rules followed (docs/dependencies.md "uWebSockets.js"): auth in `upgrade`, read synchronously
// and answered with a real 401; the message ArrayBuffer is decoded to a string before
// returning (nothing async touches it); a socket is used only between open and close
// (`closed` flag in its user data); replies are corked; every handler catches.
// What a frame goes through: src/edge/position-frame.ts.
import { uws, type TemplatedApp, type HttpResponse, type WebSocketBehavior } from '../shared/http/uws.js';
import { errorBody, statusLine } from '../shared/http/server.js';
import { ErrorCodes } from '../shared/errors.js';
import { errorReply } from './replies.js';
import { secretChecker } from '../shared/secret-checker.js';
import { UnavailableCloseRule } from './unavailable-close.js';
import { ConnectionRateLimit } from './rate-limit.js';
import { handleFrame, send, type PositionConn, type PositionRouteOptions } from './position-frame.js';

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

export function addPositionRoute(app: TemplatedApp, deps: PositionRouteOptions, sockets: Set<PositionConn>): void {
  const { limits, log, metrics } = deps;

  app.ws<PositionConn>(ROUTE, {
    maxPayloadLength: hardPayloadCap(limits.maxPayloadBytes),
    idleTimeout: limits.idleTimeoutSeconds,
    maxBackpressure: limits.maxBackpressureBytes,
    // Replies are part of the protocol: a client that does not read them is closed
    // rather than silently missing errors or acks.
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: true,
    compression: uws.DISABLED,

    upgrade: upgradeHandler(deps),

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
        handleFrame(deps, conn, frame, message, isBinary);
      } catch (err) {
        // Never reached by any input we know of (fuzz-tested); never crash on one either.
        log.error({ err, frame }, 'unexpected error handling a frame');
        send(deps, conn, errorReply(ErrorCodes.internal, frame, 'internal error handling this frame'));
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
}

/** Auth and per-connection state, decided before the socket exists (docs/security.md). */
function upgradeHandler(deps: PositionRouteOptions): WebSocketBehavior<PositionConn>['upgrade'] {
  const { limits, metrics } = deps;
  const checkSecret = secretChecker(deps.secrets);
  return (res, req, context) => {
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
    const rate = new ConnectionRateLimit(limits.rate);
    res.upgrade<PositionConn>(
      {
        ack,
        closed: false,
        frames: 0,
        rate,
        unavailable: new UnavailableCloseRule(limits.unavailableCloseAfterSeconds),
      },
      key,
      protocol,
      extensions,
      context,
    );
  };
}
