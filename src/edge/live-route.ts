// /ws/live: browsers watch telemetry, spawns, rares and chat as they happen
// (docs/protocol.md "7. Live feed for browsers").
// The edge subscribes with core NATS to every live subject of a watched type, so any
// number of edge instances each see everything; events fan out through uWS pub/sub topics, which
// skip a subscriber whose backpressure is over WS_MAX_BACKPRESSURE_BYTES until it
// catches up (docs/dependencies.md "uWebSockets.js": slow clients must not grow memory). Work is skipped entirely
// for topics nobody watches.
// Message to browsers, one per event: the event as sent plus `received_at`.
// Filters: ?types=telemetry,chat (default: all built-in event types) and ?character=<name> (default: all).
// ?types=alert adds the alerts role's opens and resolves (docs/alerts.md "Live"), sent as published.
// ?coalesce_ms=N (browsers): positions are held per character and only the newest of
// each is sent every N ms; spawns, rares and chat are never coalesced (docs/protocol.md §7).
import { mayRead } from '../shared/http/access.js';
import type { NatsConnection, Subscription, Msg } from '@nats-io/transport-node';
import {
  uws,
  type TemplatedApp,
  type WebSocket,
  type HttpResponse,
  type WebSocketBehavior,
} from '../shared/http/uws.js';
import { accessOf, errorBody, statusLine } from '../shared/http/server.js';
import { ErrorCodes } from '../shared/errors.js';
import { decodeEnvelope } from '../shared/envelope.js';
import { ALERT_TOKEN, EVENT_TYPES, EXTENSION_TOKEN, EXTENSION_TYPE, encodeToken } from '../shared/subjects.js';
import type { Logger } from '../shared/logger.js';
import type { EdgeMetrics } from './metrics.js';

export interface LiveConn {
  ws?: WebSocket<LiveConn>;
  topics: string[];
  /** Built-in types, or extension types (docs/protocol.md "Extension types"). */
  types: string[];
  coalesceMs?: number;
}

const isBuiltIn = (type: string) => (EVENT_TYPES as readonly string[]).includes(type);

const ROUTE = '/ws/live';

/** What bounds /ws/live: the route is given these, not the whole configuration. */
export interface LiveLimitOptions {
  readonly idleTimeoutSeconds: number;
  readonly maxBackpressureBytes: number;
  /** Largest `coalesce_ms` a client may ask for. */
  readonly maxCoalesceMs: number;
}

const topicOf = (type: string, token?: string, coalesceMs?: number) => {
  const base = coalesceMs ? `live~${coalesceMs}/${type}` : `live/${type}`;
  return token === undefined ? base : `${base}/${token}`;
};

function reject(res: HttpResponse, message: string, status = 400, code: string = ErrorCodes.badRequest): void {
  res.cork(() => {
    res
      .writeStatus(statusLine(status))
      .writeHeader('content-type', 'application/json')
      .end(JSON.stringify(errorBody(code, message)));
  });
}

/** Topics (and their types) for a query, or an error message. */
export function liveTopics(
  query: URLSearchParams,
  maxCoalesceMs = 0,
): { topics: string[]; types: string[]; coalesceMs?: number } | string {
  const typesParam = query.get('types');
  const types = typesParam
    ? typesParam
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : [...EVENT_TYPES];
  // The default stays the built-in types; an extension type is watched only by name.
  const unknown = types.filter((t) => !isBuiltIn(t) && !EXTENSION_TYPE.test(t));
  if (unknown.length || types.length === 0)
    return `types must be a comma-separated list of ${EVENT_TYPES.join(', ')}, ${ALERT_TOKEN} or extension types (such as vitals)`;
  const character = query.get('character');
  if (character !== null && (character.length === 0 || character.length > 64))
    return 'character must be 1 to 64 characters';
  const token = character === null ? undefined : encodeToken(character);
  const unique = [...new Set(types)];
  const c = query.get('coalesce_ms');
  const coalesceMs = c === null || c === '' ? 0 : Number(c);
  if (!Number.isInteger(coalesceMs) || coalesceMs < 0 || coalesceMs > maxCoalesceMs || !/^\d+$/.test(c ?? '0')) {
    return `coalesce_ms must be an integer from 0 to ${maxCoalesceMs} (EDGE_LIVE_MAX_COALESCE_MS)`;
  }
  const topics = unique.map((t) => topicOf(t, token, t === 'telemetry' ? coalesceMs : 0));
  return coalesceMs > 0 && unique.includes('telemetry')
    ? { topics, types: unique, coalesceMs }
    : { topics, types: unique };
}

export function addLiveRoute(
  app: TemplatedApp,
  limits: LiveLimitOptions,
  metrics: EdgeMetrics,
  feed: LiveFeed,
  sockets: Set<LiveConn>,
  isStopping: () => boolean,
): void {
  const access = accessOf(app);
  app.ws<LiveConn>(ROUTE, {
    maxPayloadLength: 4096, // browsers only listen
    idleTimeout: limits.idleTimeoutSeconds,
    maxBackpressure: limits.maxBackpressureBytes,
    closeOnBackpressureLimit: 0,
    sendPingsAutomatically: true,
    compression: uws.DISABLED,
    upgrade: upgradeHandler(access, limits, isStopping),
    open: (ws) => {
      const conn = ws.getUserData();
      conn.ws = ws;
      for (const t of conn.topics) ws.subscribe(t);
      feed.watch(conn.types, conn.coalesceMs);
      sockets.add(conn);
      metrics.connections.inc({ route: ROUTE });
    },
    close: (ws) => {
      const conn = ws.getUserData();
      conn.ws = undefined;
      feed.unwatch(conn.types, conn.coalesceMs);
      sockets.delete(conn);
      metrics.connections.dec({ route: ROUTE });
    },
  });
}

/** The read token and the filters, checked before the socket exists (docs/protocol.md §7). */
function upgradeHandler(
  access: ReturnType<typeof accessOf>,
  limits: LiveLimitOptions,
  isStopping: () => boolean,
): WebSocketBehavior<LiveConn>['upgrade'] {
  return (res, req, context) => {
    const query = new URLSearchParams(req.getQuery() ?? '');
    // The same optional read token as the read API (docs/security.md); browsers
    // cannot set headers on a WebSocket, so `?token=` is accepted here.
    if (!mayRead(access, { authorization: req.getHeader('authorization') }, query)) {
      return reject(res, 'send ?token=<API_TOKEN> (or Authorization: Bearer)', 401, ErrorCodes.unauthorized);
    }
    const wanted = liveTopics(query, limits.maxCoalesceMs);
    if (typeof wanted === 'string') return reject(res, wanted);
    if (isStopping()) return reject(res, 'server shutting down');
    res.upgrade<LiveConn>(
      { ...wanted },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  };
}

/**
 * Core NATS subscriptions feeding the live topics, on the edge's own NATS connection
 * for the feed (a slow-consumer disconnect of the feed never touches publishing).
 * A type is subscribed while at least one browser watches it: with nobody watching,
 * the edge does not receive the whole cluster's traffic for nothing.
 */
export class LiveFeed {
  private readonly watchers = new Map<string, number>();
  private readonly subs = new Map<string, Subscription>();
  /** Types whose subscription the server has confirmed (a flush round-trip after SUB). */
  private readonly ready = new Set<string>();
  /** One coalescer per coalesce_ms value in use: newest position per character token. */
  private readonly coalescers = new Map<
    number,
    { refs: number; pending: Map<string, string>; timer: ReturnType<typeof setInterval> }
  >();

  constructor(
    private readonly nc: NatsConnection,
    private readonly app: TemplatedApp,
    private readonly prefix: string,
    private readonly metrics: EdgeMetrics,
    private readonly log: Logger,
  ) {}

  /** `<prefix>.<type>.` for a built-in type and `alert`, `<prefix>.ext.<type>.` for an extension type. */
  private subjectBase(type: string): string {
    return isBuiltIn(type) || type === ALERT_TOKEN
      ? `${this.prefix}.${type}.`
      : `${this.prefix}.${EXTENSION_TOKEN}.${type}.`;
  }

  watch(types: readonly string[], coalesceMs?: number): void {
    if (coalesceMs) this.coalesce(coalesceMs, +1);
    for (const type of types) {
      const n = (this.watchers.get(type) ?? 0) + 1;
      this.watchers.set(type, n);
      if (n !== 1) continue;
      const sub = this.nc.subscribe(`${this.subjectBase(type)}>`, { callback: this.forward(type) });
      this.subs.set(type, sub);
      this.nc.flush().then(
        () => {
          if (this.subs.get(type) === sub) this.ready.add(type);
        },
        () => {},
      );
    }
  }

  unwatch(types: readonly string[], coalesceMs?: number): void {
    if (coalesceMs) this.coalesce(coalesceMs, -1);
    for (const type of types) {
      const n = (this.watchers.get(type) ?? 1) - 1;
      this.watchers.set(type, n);
      if (n === 0) {
        this.subs.get(type)?.unsubscribe();
        this.subs.delete(type);
        this.ready.delete(type);
      }
    }
  }

  /** Types with an active NATS subscription (shown in /health). */
  get subscribedTypes(): string[] {
    return [...this.ready];
  }

  private coalesce(ms: number, delta: 1 | -1): void {
    let c = this.coalescers.get(ms);
    if (!c && delta > 0) {
      const pending = new Map<string, string>();
      const all = topicOf('telemetry', undefined, ms);
      const timer = setInterval(() => {
        if (pending.size === 0) return;
        const toAll = this.app.numSubscribers(all) > 0;
        for (const [token, text] of pending) {
          if (toAll) this.app.publish(all, text);
          const one = topicOf('telemetry', token, ms);
          if (this.app.numSubscribers(one) > 0) this.app.publish(one, text);
        }
        pending.clear();
      }, ms);
      timer.unref();
      c = { refs: 0, pending, timer };
      this.coalescers.set(ms, c);
    }
    if (!c) return;
    c.refs += delta;
    if (c.refs <= 0) {
      clearInterval(c.timer);
      this.coalescers.delete(ms);
    }
  }

  async close(): Promise<void> {
    for (const c of this.coalescers.values()) clearInterval(c.timer);
    this.coalescers.clear();
    for (const s of this.subs.values()) s.unsubscribe();
    this.subs.clear();
    await this.nc.close().catch(() => {});
  }

  private forward(type: string) {
    if (type === ALERT_TOKEN) return this.forwardAlert();
    const base = this.subjectBase(type);
    // Extension types are named by clients: one label for all keeps /metrics bounded.
    const label = isBuiltIn(type) ? type : 'extension';
    return (err: Error | null, msg: Msg) => {
      if (err) return;
      try {
        const token = msg.subject.slice(base.length);
        const all = topicOf(type);
        const one = topicOf(type, token);
        const toAll = this.app.numSubscribers(all) > 0;
        const toOne = this.app.numSubscribers(one) > 0;
        const coalesced = type === 'telemetry' ? this.coalescers : undefined;
        if (!toAll && !toOne && !coalesced?.size) return;
        const env = decodeEnvelope(msg.data);
        let text = '';
        for (const ev of env.events) {
          text = JSON.stringify({ ...ev, received_at: env.received_at });
          if (toAll) this.app.publish(all, text);
          if (toOne) this.app.publish(one, text);
        }
        // One subject = one character: the envelope's last event is its newest position.
        if (coalesced && text) for (const c of coalesced.values()) c.pending.set(token, text);
        this.metrics.liveMessages.inc({ type: label }, env.events.length);
      } catch (e) {
        this.log.warn(
          { subject: msg.subject, err: (e as Error).message },
          'live feed: skipped a message that is not an envelope',
        );
      }
    };
  }

  /** Alerts are one JSON object per message, `"type":"alert"` (docs/alerts.md "Live"), passed on as they are. */
  private forwardAlert() {
    const base = this.subjectBase(ALERT_TOKEN);
    return (err: Error | null, msg: Msg) => {
      if (err) return;
      const all = topicOf(ALERT_TOKEN);
      const one = topicOf(ALERT_TOKEN, msg.subject.slice(base.length));
      const toAll = this.app.numSubscribers(all) > 0;
      const toOne = this.app.numSubscribers(one) > 0;
      if (!toAll && !toOne) return;
      let alert: unknown;
      try {
        alert = JSON.parse(msg.string());
      } catch {
        alert = undefined;
      }
      // Anyone with NATS access can publish here: pass on only what looks like an alert.
      if (typeof alert !== 'object' || alert === null || (alert as { type?: unknown }).type !== ALERT_TOKEN) {
        this.log.warn({ subject: msg.subject }, 'live feed: skipped an alert message that is not an alert object');
        return;
      }
      const text = JSON.stringify(alert);
      if (toAll) this.app.publish(all, text);
      if (toOne) this.app.publish(one, text);
      this.metrics.liveMessages.inc({ type: ALERT_TOKEN });
    };
  }
}
