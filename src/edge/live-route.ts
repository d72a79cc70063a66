// /ws/live: browsers watch telemetry, spawns, rares and chat as they happen (issue 3).
// Each edge subscribes with core NATS to every live subject, so any number of edge
// instances each see everything; events fan out through uWS pub/sub topics, which
// skip a subscriber whose backpressure is over WS_MAX_BACKPRESSURE_BYTES until it
// catches up (NOTES: slow clients must not grow memory). Work is skipped entirely
// for topics nobody watches.
// Message to browsers, one per event: the event as sent plus `received_at`.
// Filters: ?types=telemetry,chat (default: all) and ?character=<name> (default: all).
import type { NatsConnection, Subscription, Msg } from '@nats-io/transport-node';
import { uws, type TemplatedApp, type WebSocket, type HttpResponse } from '../shared/http/uws.js';
import { errorBody, statusLine } from '../shared/http/server.js';
import { ErrorCodes } from '../shared/errors.js';
import { decodeEnvelope } from '../shared/envelope.js';
import { EVENT_TYPES, encodeToken, type EventType } from '../shared/subjects.js';
import type { Logger } from '../shared/logger.js';
import type { Config } from '../shared/config.js';
import type { EdgeMetrics } from './metrics.js';

export interface LiveConn { ws?: WebSocket<LiveConn>; closed: boolean; topics: string[] }

const ROUTE = '/ws/live';
const topicOf = (type: string, token?: string) => (token === undefined ? `live/${type}` : `live/${type}/${token}`);

function reject(res: HttpResponse, message: string): void {
  res.cork(() => { res.writeStatus(statusLine(400)).writeHeader('content-type', 'application/json').end(JSON.stringify(errorBody(ErrorCodes.badRequest, message))); });
}

/** Topics for a query, or an error message. */
export function liveTopics(query: URLSearchParams): string[] | string {
  const typesParam = query.get('types');
  const types = typesParam ? typesParam.split(',').map((t) => t.trim()).filter(Boolean) : [...EVENT_TYPES];
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length || types.length === 0) return `types must be a comma-separated list of ${EVENT_TYPES.join(', ')}`;
  const character = query.get('character');
  if (character !== null && (character.length === 0 || character.length > 64)) return 'character must be 1 to 64 characters';
  const token = character === null ? undefined : encodeToken(character);
  return [...new Set(types)].map((t) => topicOf(t, token));
}

export function addLiveRoute(app: TemplatedApp, cfg: Config, metrics: EdgeMetrics, sockets: Set<LiveConn>, isStopping: () => boolean): void {
  app.ws<LiveConn>(ROUTE, {
    maxPayloadLength: 4096, // browsers only listen
    idleTimeout: cfg.WS_IDLE_TIMEOUT_SECONDS,
    maxBackpressure: cfg.WS_MAX_BACKPRESSURE_BYTES,
    closeOnBackpressureLimit: 0,
    sendPingsAutomatically: true,
    compression: uws.DISABLED,
    upgrade: (res, req, context) => {
      const topics = liveTopics(new URLSearchParams(req.getQuery() ?? ''));
      if (typeof topics === 'string') return reject(res, topics);
      if (isStopping()) return reject(res, 'server shutting down');
      res.upgrade<LiveConn>({ closed: false, topics }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      const conn = ws.getUserData();
      conn.ws = ws;
      for (const t of conn.topics) ws.subscribe(t);
      sockets.add(conn);
      metrics.connections.inc({ route: ROUTE });
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

/** Core NATS subscriptions feeding the live topics. */
export function subscribeLive(nc: NatsConnection, app: TemplatedApp, prefix: string, metrics: EdgeMetrics, log: Logger): Subscription[] {
  const forward = (type: EventType) => (err: Error | null, msg: Msg) => {
    if (err) return;
    try {
      const token = msg.subject.slice(prefix.length + type.length + 2);
      const all = topicOf(type);
      const one = topicOf(type, token);
      const toAll = app.numSubscribers(all) > 0;
      const toOne = app.numSubscribers(one) > 0;
      if (!toAll && !toOne) return;
      const env = decodeEnvelope(msg.data);
      for (const ev of env.events) {
        const text = JSON.stringify({ ...ev, received_at: env.received_at });
        if (toAll) app.publish(all, text);
        if (toOne) app.publish(one, text);
      }
      metrics.liveMessages.inc({ type }, env.events.length);
    } catch (e) {
      log.warn({ subject: msg.subject, err: (e as Error).message }, 'live feed: skipped a message that is not an envelope');
    }
  };
  return EVENT_TYPES.map((type) => nc.subscribe(`${prefix}.${type}.>`, { callback: forward(type) }));
}
