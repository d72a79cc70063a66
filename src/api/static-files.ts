// The web page at `/` (docs/web.md): the files `npm run build` bundles into dist/web
// (scripts/build-web.ts), read once at startup and kept in memory with a gzipped copy.
// index.html is revalidated on every load (`no-cache`) so a new build shows at once;
// assets carry a content hash in their name and are cached for a year (`immutable`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TemplatedApp, HttpResponse } from '../shared/http/uws.js';
import { errorBody, statusLine } from '../shared/http/server.js';
import { ErrorCodes } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
// The page loads only its own files and talks only to this server (HTTP and /ws/live);
// nothing inline, no framing (docs/security.md).
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const REVALIDATE = 'no-cache';
// Compressing tiny or already-compressed files gains nothing.
const GZIP_MIN_BYTES = 1024;
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.map', '.json', '.svg']);

export interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  contentType: string;
  cacheControl: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** URL path -> file, for every file under `dir` (empty when `dir` does not exist). */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  for (const path of walk(dir)) {
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    const ext = extname(path);
    const body = readFileSync(path);
    files.set(url, {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length >= GZIP_MIN_BYTES ? gzipSync(body, { level: 9 }) : undefined,
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      cacheControl: url.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

function send(res: HttpResponse, file: StaticFile, acceptsGzip: boolean): void {
  const gz = acceptsGzip && file.gzip !== undefined;
  res.cork(() => {
    res
      .writeStatus(statusLine(200))
      .writeHeader('content-type', file.contentType)
      .writeHeader('cache-control', file.cacheControl)
      .writeHeader('vary', 'accept-encoding')
      .writeHeader('x-content-type-options', 'nosniff')
      .writeHeader('referrer-policy', 'no-referrer')
      .writeHeader('content-security-policy', PAGE_CSP);
    if (gz) res.writeHeader('content-encoding', 'gzip');
    res.end(gz ? file.gzip! : file.body);
  });
}

function notBuilt(res: HttpResponse, dir: string): void {
  res.cork(() => {
    res
      .writeStatus(statusLine(404))
      .writeHeader('content-type', 'application/json')
      .writeHeader('cache-control', 'no-store')
      .end(
        JSON.stringify(
          errorBody(ErrorCodes.notFound, `the web page is not built (no index.html in ${dir}): run \`npm run build\``),
        ),
      );
  });
}

/** GET / and GET /assets/*; anything else falls through to the app's 404. */
export function addStaticRoutes(app: TemplatedApp, dir: string, log: Logger): Map<string, StaticFile> {
  const files = loadStaticFiles(dir);
  const index = files.get('/index.html');
  if (!index) log.warn({ dir }, 'web page not built: GET / answers 404 until `npm run build` has run');
  const accepts = (header: string) => /\bgzip\b/.test(header);
  app.get('/', (res, req) =>
    index ? send(res, index, accepts(req.getHeader('accept-encoding'))) : notBuilt(res, dir),
  );
  app.get('/index.html', (res, req) =>
    index ? send(res, index, accepts(req.getHeader('accept-encoding'))) : notBuilt(res, dir),
  );
  app.get('/assets/*', (res, req) => {
    const file = files.get(req.getUrl());
    if (file) return send(res, file, accepts(req.getHeader('accept-encoding')));
    res.cork(() => {
      res
        .writeStatus(statusLine(404))
        .writeHeader('content-type', 'application/json')
        .writeHeader('cache-control', 'no-store')
        .end(JSON.stringify(errorBody(ErrorCodes.notFound, 'no such asset')));
    });
  });
  return files;
}
