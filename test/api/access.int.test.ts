// Read access (docs/security.md): the optional bearer token on the read API and
// /metrics, /health left open, the CORS allow-list with its preflight, and the security
// headers on every reply. Run on both HTTP transports (docs/transports.md).
import t from 'tap';
import { loadNativeUws } from '../../src/shared/http/uws.js';
import { loadConfig } from '../../src/config.js';
import { startApiUnderTest } from './helpers.js';

const TOKEN = 'reader-token-0123456789';
const ALLOWED = 'http://dash.example:3000';
const transports = loadNativeUws().ok ? ['false', 'true'] : ['true'];

t.test('config: CORS origins must be bare origins', async (t) => {
  t.throws(
    () => loadConfig({ API_CORS_ORIGINS: 'http://ok.example, http://bad.example/path' }),
    /API_CORS_ORIGINS entries must be scheme:\/\/host\[:port\] without a path, got "http:\/\/bad.example\/path"/,
  );
  t.throws(() => loadConfig({ API_TOKEN: 'short' }), /API_TOKEN/);
});

for (const fallback of transports) {
  t.test(`token, CORS and headers (UWS_USE_FALLBACK=${fallback})`, async (t) => {
    const api = await startApiUnderTest({ API_TOKEN: TOKEN, API_CORS_ORIGINS: ALLOWED, UWS_USE_FALLBACK: fallback });
    t.teardown(() => api.stop());
    const base = `http://127.0.0.1:${api.app.port}`;
    const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });
    const bearer = { authorization: `Bearer ${TOKEN}` };

    for (const path of ['/live', '/metrics', '/openapi.json', '/spawns/heatmap']) {
      const anon = await get(path);
      t.equal(anon.status, 401, `${path} without the token: 401`);
      t.equal(anon.headers.get('www-authenticate'), 'Bearer');
      t.match(await anon.json(), { error: { code: 'unauthorized' } });
      t.equal(
        (await get(path, { authorization: 'Bearer wrong-token-0123456789' })).status,
        401,
        `${path} with a wrong token: 401`,
      );
      t.equal((await get(path, bearer)).status, 200, `${path} with the token: 200`);
    }
    t.equal((await get('/health')).status, 200, '/health stays open for load balancers');
    t.equal((await get('/no-such-route', bearer)).status, 404);

    const ok = await get('/live', { ...bearer, origin: ALLOWED });
    t.equal(ok.headers.get('access-control-allow-origin'), ALLOWED, 'an allow-listed origin may read');
    t.match(ok.headers.get('vary') ?? '', /Origin/);
    const other = await get('/live', { ...bearer, origin: 'http://evil.example' });
    t.equal(other.headers.get('access-control-allow-origin'), null, 'any other origin gets no CORS header');
    const pre = await fetch(`${base}/live`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    t.equal(pre.status, 204, 'preflight answered');
    t.equal(pre.headers.get('access-control-allow-origin'), ALLOWED);
    t.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const preOther = await fetch(`${base}/live`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
    t.equal(preOther.headers.get('access-control-allow-origin'), null, 'preflight from another origin: no grant');

    for (const res of [ok, await get('/health'), await get('/live')]) {
      t.equal(res.headers.get('x-content-type-options'), 'nosniff');
      t.equal(res.headers.get('referrer-policy'), 'no-referrer');
      t.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
  });
}
