// GET / and /assets/* from a real web build: content types, cache headers, gzip, and
// a clear 404 when the page was never built.
import t from 'tap';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { createApp, addNotFound, listen, closeListen } from '../../src/shared/http/server.js';
import { Health } from '../../src/shared/health.js';
import { createMetrics } from '../../src/shared/metrics.js';
import { addStaticRoutes } from '../../src/api/static-files.js';
import { createLogger } from '../../src/shared/logger.js';
import { buildWeb } from '../../scripts/build-web.js';

/** Raw GET (fetch would decompress and hide content-encoding). */
function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
        .on('error', reject)
        .end();
    },
  );
}

async function serve(dir: string) {
  const app = createApp(new Health(), createMetrics(), createLogger('silent', 'static-test'));
  addStaticRoutes(app, dir, createLogger('silent', 'static-test'));
  addNotFound(app);
  const { socket, port } = await listen(app, '127.0.0.1', 0);
  return { port, stop: () => closeListen(socket) };
}

t.test('serves the built page with types, cache headers and gzip', async (t) => {
  const out = await buildWeb(mkdtempSync(join(tmpdir(), 'tracker-web-')));
  const s = await serve(out.outDir);
  t.teardown(s.stop);
  const index = await get(s.port, '/');
  t.equal(index.status, 200);
  t.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(index.headers['cache-control'], 'no-cache', 'index.html is revalidated');
  t.match(index.body.toString(), /<section id="map-region" class="map-region" aria-label="Map">/);
  const assets = readdirSync(join(out.outDir, 'assets'));
  const js = assets.find((f) => f.endsWith('.js'))!;
  const css = assets.find((f) => f.endsWith('.css'))!;
  t.match(index.body.toString(), `/assets/${js}`, 'index points at the hashed bundle');
  const jsRes = await get(s.port, `/assets/${js}`, { 'accept-encoding': 'gzip, br' });
  t.equal(jsRes.headers['content-type'], 'text/javascript; charset=utf-8');
  t.equal(jsRes.headers['cache-control'], 'public, max-age=31536000, immutable', 'hashed assets are cached for good');
  t.equal(jsRes.headers['content-encoding'], 'gzip');
  t.ok(gunzipSync(jsRes.body).length > jsRes.body.length, 'gzipped body unpacks to the bundle');
  const plain = await get(s.port, `/assets/${js}`);
  t.equal(plain.headers['content-encoding'], undefined, 'no gzip unless asked for');
  t.same(gunzipSync(jsRes.body), plain.body);
  t.equal((await get(s.port, `/assets/${css}`)).headers['content-type'], 'text/css; charset=utf-8');
  const missing = await get(s.port, '/assets/nope.js');
  t.equal(missing.status, 404);
  t.match(JSON.parse(missing.body.toString()), { error: { code: 'not_found' } });
  t.equal((await get(s.port, '/assets/../package.json')).status, 404, 'no path escapes the build');
  t.equal((await get(s.port, '/elsewhere')).status, 404, 'other paths fall through to the 404');
});

t.test('an unbuilt page answers a 404 that says how to build it', async (t) => {
  const s = await serve(join(tmpdir(), 'no-such-web-build'));
  t.teardown(s.stop);
  const r = await get(s.port, '/');
  t.equal(r.status, 404);
  t.match(JSON.parse(r.body.toString()), { error: { code: 'not_found', message: /npm run build/ } });
});
