// An authenticated PUT route taking a JSON body (PUT /alerts/mutes, docs/api.md "Alerts").
// Behind the same API_TOKEN as the reads (docs/security.md). uWS rules as for GET
// (./server.ts): read the request and register onAborted and onData synchronously, cork
// the reply. The body is bounded: a bigger one is answered 413 without being kept.
import type { HttpResponse, TemplatedApp } from './uws.js';
import { accessOf, errorBody, readRequest, statusLine, type JsonReply, type RequestInfo } from './server.js';
import { corsHeaders, mayRead, SECURITY_HEADERS } from './access.js';
import { ErrorCodes, httpStatusOf, isClientError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface PutJsonOptions {
  /** Largest body accepted, in bytes. */
  readonly maxBodyBytes: number;
  readonly onDone?: (route: string, status: number, seconds: number) => void;
}

type PutHandler = (body: unknown, req: RequestInfo) => Promise<JsonReply>;

const UNAUTHORIZED: JsonReply = {
  status: 401,
  body: errorBody(ErrorCodes.unauthorized, 'send Authorization: Bearer <API_TOKEN>'),
  headers: { 'www-authenticate': 'Bearer' },
};

/** `handler` gets the parsed JSON body; errors become `{"error":{code,message}}` as for GET. */
export function putJson(app: TemplatedApp, path: string, log: Logger, handler: PutHandler, opts: PutJsonOptions): void {
  const access = accessOf(app);
  app.put(path, (res, req) => {
    const info = readRequest(req);
    const started = process.hrtime.bigint();
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const cors = corsHeaders(access, info.headers.origin);
    const reply = (r: JsonReply) => {
      opts.onDone?.(path, r.status, Number(process.hrtime.bigint() - started) / 1e9);
      if (!aborted) res.cork(() => writeReply(res, { ...r, headers: { ...cors, ...r.headers } }));
    };
    readBody(res, opts.maxBodyBytes, (raw) => {
      if (!mayRead(access, info.headers)) return reply(UNAUTHORIZED);
      if (raw === undefined) {
        const message = `the body is larger than ${opts.maxBodyBytes} bytes`;
        return reply({ status: 413, body: errorBody(ErrorCodes.tooLarge, message) });
      }
      void runHandler(handler, raw, info, (err) => log.error({ err, route: path }, 'request failed')).then(reply);
    });
  });
}

/** Collects the body (undefined when over `maxBytes`); must be called before the handler returns. */
function readBody(res: HttpResponse, maxBytes: number, done: (raw: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    size += chunk.byteLength;
    // The chunk is only valid during this callback (docs/dependencies.md "uWebSockets.js"): copy it.
    if (size <= maxBytes) chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
    if (isLast) done(size <= maxBytes ? Buffer.concat(chunks) : undefined);
  });
}

async function runHandler(
  handler: PutHandler,
  raw: Buffer,
  info: RequestInfo,
  logError: (err: unknown) => void,
): Promise<JsonReply> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { status: 400, body: errorBody(ErrorCodes.badRequest, `the body is not JSON: ${(err as Error).message}`) };
  }
  try {
    return await handler(body, info);
  } catch (err) {
    if (isClientError(err)) return { status: httpStatusOf(err.code), body: errorBody(err.code, err.message) };
    logError(err);
    return { status: 500, body: errorBody(ErrorCodes.internal, 'internal error') };
  }
}

function writeReply(res: HttpResponse, r: JsonReply): void {
  res.writeStatus(statusLine(r.status)).writeHeader('content-type', 'application/json');
  res.writeHeader('cache-control', 'no-store');
  for (const [k, v] of Object.entries({ ...SECURITY_HEADERS, ...r.headers })) res.writeHeader(k, v);
  res.end(JSON.stringify(r.body));
}
