// The process's one HTTP/WebSocket server (uWebSockets.js, or the ws transport with
// the same API where its binary does not load: ./transport.ts). Roles register routes
// on `app`; this module adds GET /health and GET /metrics and the async-JSON plumbing
// every route needs (uWS rules: read the request synchronously, register onAborted
// before any await, cork every write after one).
import { Gauge } from 'prom-client';
import type { TemplatedApp, HttpResponse, HttpRequest, us_listen_socket } from './uws.js';
import { selectTransport, type Transport } from './transport.js';
import { corsHeaders, mayRead, preflightHeaders, OPEN_ACCESS, SECURITY_HEADERS, type HttpAccess } from './access.js';
import { TrackerError, httpStatusOf, ErrorCodes, isClientError } from '../errors.js';
import type { Health } from '../health.js';
import type { Registry } from '../metrics.js';
import type { Logger } from '../logger.js';

export interface RequestInfo {
  readonly url: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
}

export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  413: '413 Payload Too Large',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};
export const statusLine = (s: number) => STATUS_TEXT[s] ?? `${s} Status`;

export function readRequest(req: HttpRequest): RequestInfo {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = v;
  });
  return { url: req.getUrl(), query: new URLSearchParams(req.getQuery() ?? ''), headers };
}

/** Writes a reply unless the client went away. Must be called inside cork. */
function write(res: HttpResponse, reply: JsonReply, contentType = 'application/json'): void {
  res
    .writeStatus(statusLine(reply.status))
    .writeHeader('content-type', contentType)
    .writeHeader('cache-control', 'no-store');
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.headers?.[k]) res.writeHeader(k, v);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
  res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
}

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

/**
 * Registers an async GET route returning JSON. Errors become `{"error":{code,message}}`
 * with the status of their code; unexpected errors are logged and answered 500.
 */
export interface GetJsonOptions {
  contentType?: string;
  onDone?: (route: string, status: number, seconds: number) => void;
  /** Open to anyone even when API_TOKEN is set (/health, for load balancers). */
  public?: boolean;
}

export function getJson(
  app: TemplatedApp,
  path: string,
  log: Logger,
  handler: (req: RequestInfo) => Promise<JsonReply>,
  opts: GetJsonOptions = {},
): void {
  const access = accessOf(app);
  app.get(path, (res, req) => {
    const info = readRequest(req);
    const started = process.hrtime.bigint();
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const cors = corsHeaders(access, info.headers.origin);
    const allowed = opts.public === true || mayRead(access, info.headers);
    const run = allowed
      ? handler(info)
      : Promise.resolve<JsonReply>({
          status: 401,
          body: errorBody(ErrorCodes.unauthorized, 'send Authorization: Bearer <API_TOKEN>'),
          headers: { 'www-authenticate': 'Bearer' },
        });
    void run
      .then(
        (reply) => ({ ...reply, headers: { ...cors, ...reply.headers } }),
        (err: unknown) => {
          if (isClientError(err))
            return { status: httpStatusOf(err.code), body: errorBody(err.code, err.message), headers: cors };
          log.error({ err, route: path }, 'request failed');
          return { status: 500, body: errorBody(ErrorCodes.internal, 'internal error'), headers: cors };
        },
      )
      .then((reply) => {
        opts.onDone?.(path, reply.status, Number(process.hrtime.bigint() - started) / 1e9);
        if (aborted) return;
        res.cork(() => write(res, reply, opts.contentType));
      });
  });
}

const transports = new WeakMap<TemplatedApp, Transport>();
const accesses = new WeakMap<TemplatedApp, HttpAccess>();
/** The access rules the app was made with (routes added by roles follow them too). */
export const accessOf = (app: TemplatedApp): HttpAccess => accesses.get(app) ?? OPEN_ACCESS;
const listenTransports = new WeakMap<us_listen_socket, Transport>();
const transportOf = (app: TemplatedApp) =>
  transports.get(app) ??
  (() => {
    throw new Error('not an app made by createApp');
  })();

export function createApp(
  health: Health,
  metrics: Registry,
  log: Logger,
  transport: Transport = selectTransport(),
  access: HttpAccess = OPEN_ACCESS,
): TemplatedApp {
  const app = transport.App();
  transports.set(app, transport);
  accesses.set(app, access);
  const about = { transport: transport.name, reason: transport.reason, node: process.versions.node };
  log.info(about, `HTTP/WebSocket transport: ${transport.name} (${transport.reason})`);
  health.register('http', async () => ({ ok: true, detail: about }));
  transportInfo(metrics).set({ transport: transport.name, node: process.versions.node }, 1);
  addHealthAndMetrics(app, health, metrics, log);
  // CORS preflight: browsers ask before sending `Authorization` cross-origin.
  app.options('/*', (res, req) => {
    const headers = preflightHeaders(access, req.getHeader('origin'));
    res.cork(() => {
      res.writeStatus('204 No Content');
      for (const [k, v] of Object.entries({ ...SECURITY_HEADERS, ...headers })) res.writeHeader(k, v);
      res.end();
    });
  });
  return app;
}

/** The always-present routes: /health (public) and /metrics (docs/operations.md). */
function addHealthAndMetrics(app: TemplatedApp, health: Health, metrics: Registry, log: Logger): void {
  const noQuery = (req: RequestInfo, path: string) => {
    if ([...req.query.keys()].length > 0)
      throw new TrackerError(ErrorCodes.badRequest, `${path} takes no query parameters`);
  };
  getJson(
    app,
    '/health',
    log,
    async (req) => {
      noQuery(req, '/health');
      const h = await health.run();
      return { status: h.ok ? 200 : 503, body: { status: h.ok ? 'ok' : 'unhealthy', checks: h.checks } };
    },
    { public: true },
  );
  getJson(
    app,
    '/metrics',
    log,
    async (req) => {
      noQuery(req, '/metrics');
      return { status: 200, body: await metrics.metrics() };
    },
    { contentType: metrics.contentType },
  );
}

const transportInfo = (metrics: Registry) =>
  new Gauge({
    name: 'tracker_http_transport_info',
    help:
      'Always 1; labels say which HTTP/WebSocket transport runs (uws = native uWebSockets.js, ws = ws + node:http) ' +
      'on which Node.',
    labelNames: ['transport', 'node'],
    registers: [metrics],
  });

/** Registers the catch-all 404; call after every role added its routes. */
export function addNotFound(app: TemplatedApp): void {
  app.any('/*', (res) => {
    res.cork(() => write(res, { status: 404, body: errorBody(ErrorCodes.notFound, 'no such route') }));
  });
}

export function listen(
  app: TemplatedApp,
  host: string,
  port: number,
): Promise<{ socket: us_listen_socket; port: number }> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) return reject(new Error(`cannot listen on ${host}:${port} (in use, or not allowed)`));
      listenTransports.set(socket, transportOf(app));
      resolve({ socket, port: transportOf(app).localPort(socket) });
    });
  });
}

export function closeListen(socket: us_listen_socket): void {
  listenTransports.get(socket)?.closeListen(socket);
}
