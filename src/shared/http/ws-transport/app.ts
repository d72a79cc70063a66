// uWS `TemplatedApp` on node:http + `ws`: the subset of uWebSockets.js this project
// uses, with the same routing, upgrade, pub/sub and limits (docs/transports.md).
// Plain requests arrive on node:http's 'request' event; WebSocket upgrades on
// 'upgrade', where the route's own `upgrade` handler decides (a refusal is written as
// plain HTTP on the raw socket) and `res.upgrade()` hands the socket to `ws`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type {
  HttpRequest,
  HttpResponse,
  RecognizedString,
  TemplatedApp,
  WebSocketBehavior,
  us_listen_socket,
  us_socket_context_t,
} from '../uws.js';
import { Router } from './router.js';
import { WsHttpRequest } from './request.js';
import { WsHttpResponse, serverResponseSink, rawSocketSink } from './response.js';
import { WsWebSocket, IDLE_REASON } from './websocket.js';
import { Topics } from './topics.js';
import { IdleSweeper } from './idle.js';
import { ErrorCodes, TrackerError } from '../../errors.js';
import type { Socket } from 'node:net';

type HttpHandler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;
interface WsRoute {
  // biome-ignore lint/suspicious/noExplicitAny: routes register their own user-data type; the router only forwards it.
  behavior: WebSocketBehavior<any>;
  wss: WebSocketServer;
}

/** uWS defaults: maxPayloadLength 16 KiB, maxBackpressure 64 KiB, idleTimeout 120 s. */
const UWS_DEFAULT_MAX_PAYLOAD = 16 * 1024;
/**
 * Largest request head: the pinned native build takes 60 KB of headers and resets the
 * connection at 100 KB (measured); node:http answers 431 above this. uWS also drops
 * idle HTTP connections after 10 s.
 */
const MAX_HEADER_BYTES = 64 * 1024;
const HTTP_IDLE_TIMEOUT_MS = 10_000;
const kProtocol = Symbol('chosen subprotocol');

class WsListenSocket implements us_listen_socket {
  constructor(readonly server: Server) {}
}

export function wsListenPort(s: us_listen_socket): number {
  const addr = (s as WsListenSocket).server.address();
  return addr && typeof addr === 'object' ? (addr as AddressInfo).port : -1;
}

/** Stops accepting connections, like us_listen_socket_close; open WebSockets stay (their owners end them). */
export function wsListenClose(s: us_listen_socket): void {
  const { server } = s as WsListenSocket;
  server.close();
  server.closeIdleConnections();
}

export const createWsApp = (): TemplatedApp => new WsApp();

/** A uWebSockets.js feature the ws transport does not implement: a bug in the caller, not bad input. */
class UnsupportedError extends TrackerError {
  constructor(what: string) {
    super(ErrorCodes.internal, `${what} is not supported by the ws transport (docs/transports.md)`);
  }
}

export class WsApp implements TemplatedApp {
  private readonly http = new Router<HttpHandler>();
  private readonly wsRoutes = new Router<WsRoute>();
  private readonly topics = new Topics();
  private readonly sockets = new Set<WsWebSocket<unknown>>();
  private readonly sweeper = new IdleSweeper(this.sockets, IDLE_REASON);

  private route(method: string, pattern: RecognizedString, handler: HttpHandler): TemplatedApp {
    this.http.add(method, String(pattern), handler);
    return this;
  }
  get(p: RecognizedString, h: HttpHandler) {
    return this.route('get', p, h);
  }
  post(p: RecognizedString, h: HttpHandler) {
    return this.route('post', p, h);
  }
  options(p: RecognizedString, h: HttpHandler) {
    return this.route('options', p, h);
  }
  del(p: RecognizedString, h: HttpHandler) {
    return this.route('delete', p, h);
  }
  patch(p: RecognizedString, h: HttpHandler) {
    return this.route('patch', p, h);
  }
  put(p: RecognizedString, h: HttpHandler) {
    return this.route('put', p, h);
  }
  head(p: RecognizedString, h: HttpHandler) {
    return this.route('head', p, h);
  }
  connect(p: RecognizedString, h: HttpHandler) {
    return this.route('connect', p, h);
  }
  trace(p: RecognizedString, h: HttpHandler) {
    return this.route('trace', p, h);
  }
  any(p: RecognizedString, h: HttpHandler) {
    return this.route('*', p, h);
  }

  ws<UserData>(pattern: RecognizedString, behavior: WebSocketBehavior<UserData>): TemplatedApp {
    if (behavior.compression) throw new UnsupportedError('WebSocket compression');
    if (behavior.maxLifetime) throw new UnsupportedError('maxLifetime');
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: behavior.maxPayloadLength ?? UWS_DEFAULT_MAX_PAYLOAD,
      // uWS answers with the protocol the upgrade handler passed, whatever it is.
      handleProtocols: (_offered, req) => (req as unknown as Record<symbol, string>)[kProtocol] || false,
    });
    this.wsRoutes.add('get', String(pattern), { behavior, wss });
    return this;
  }

  listen(...args: unknown[]): TemplatedApp {
    const cb = args[args.length - 1] as (s: us_listen_socket | false) => void;
    const host = typeof args[0] === 'string' ? args[0] : undefined;
    const port = (typeof args[0] === 'string' ? args[1] : args[0]) as number;
    this.start((server, ready) => server.listen({ host, port, exclusive: true }, ready), cb);
    return this;
  }

  listen_unix(cb: (s: us_listen_socket) => void | Promise<void>, path: RecognizedString): TemplatedApp {
    this.start(
      (server, ready) => server.listen({ path: String(path) }, ready),
      cb as (s: us_listen_socket | false) => void,
    );
    return this;
  }

  private start(bind: (server: Server, ready: () => void) => void, cb: (s: us_listen_socket | false) => void): void {
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = HTTP_IDLE_TIMEOUT_MS;
    server.headersTimeout = HTTP_IDLE_TIMEOUT_MS;
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    const failed = () => cb(false);
    server.once('error', failed);
    bind(server, () => {
      server.off('error', failed);
      cb(new WsListenSocket(server));
    });
  }

  publish(topic: RecognizedString, message: RecognizedString, isBinary = false): boolean {
    return this.topics.publish(String(topic), message, isBinary);
  }
  numSubscribers(topic: RecognizedString): number {
    return this.topics.count(String(topic));
  }

  addServerName(): TemplatedApp {
    throw new UnsupportedError('addServerName (TLS)');
  }
  removeServerName(): TemplatedApp {
    throw new UnsupportedError('removeServerName (TLS)');
  }
  missingServerName(): TemplatedApp {
    throw new UnsupportedError('missingServerName (TLS)');
  }
  domain(): TemplatedApp {
    throw new UnsupportedError('domain (TLS)');
  }

  private onRequest(raw: IncomingMessage, res: ServerResponse): void {
    const req = new WsHttpRequest(raw);
    this.dispatch(req, new WsHttpResponse(serverResponseSink(res), undefined, raw));
  }

  /** Runs the best matching handler; a handler that yields passes to the next (uWS setYield). */
  private dispatch(req: WsHttpRequest, res: WsHttpResponse): void {
    for (const m of this.http.match(req.getMethod(), req.url)) {
      req.setYield(false);
      req.setParams(m.params);
      void m.handler(res, req);
      if (!req.didYield) return;
    }
    res.writeStatus('404 Not Found').end();
  }

  private onUpgrade(raw: IncomingMessage, stream: Duplex, head: Buffer): void {
    const socket = stream as Socket;
    // node:http hands the socket over without an error listener: a reset would crash.
    socket.on('error', () => socket.destroy());
    const req = new WsHttpRequest(raw);
    const route =
      (raw.headers.upgrade ?? '').toLowerCase() === 'websocket' ? this.wsRoutes.match('get', req.url)[0] : undefined;
    if (!route) return this.dispatch(req, new WsHttpResponse(rawSocketSink(socket), undefined, raw));
    req.setParams(route.params);
    const { behavior, wss } = route.handler;
    const res = new WsHttpResponse(
      rawSocketSink(socket),
      {
        upgrade: (userData, _key, protocol, _extensions, _context: us_socket_context_t) => {
          (raw as unknown as Record<symbol, string>)[kProtocol] = protocol;
          wss.handleUpgrade(raw, socket, head, (internal) => {
            const ws = new WsWebSocket(internal, socket, userData, behavior, this.topics, (w) =>
              this.sockets.delete(w),
            );
            this.sockets.add(ws);
            this.sweeper.ensureRunning();
            void behavior.open?.(ws);
          });
        },
      },
      raw,
    );
    const context = route.handler as unknown as us_socket_context_t;
    if (behavior.upgrade) void behavior.upgrade(res, req, context);
    else
      res.upgrade(
        {},
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
  }
}
