// The same contract on both HTTP/WebSocket transports (docs/transports.md): every
// reply, close code and limit a client can observe is identical on native uWS and on
// the ws + node:http transport. Where native does not load (Node 22+), ws alone runs.
import t from 'tap';
import WebSocket from 'ws';
import { loadNativeUws } from '../../src/shared/http/uws.js';
import { whenCaughtUp } from '../helpers/stack.js';
import { startEdgeApp, openPlugin, openClient, positionUrl, SECRET, type EdgeUnderTest } from './helpers.js';

const TRANSPORTS = [...(loadNativeUws().ok ? [['uws', 'false'] as const] : []), ['ws', 'true'] as const];

async function edges(
  t: { teardown(fn: () => unknown): void },
  overrides: Record<string, string> = {},
): Promise<Array<{ name: string; edge: EdgeUnderTest }>> {
  const out = [];
  for (const [name, mode] of TRANSPORTS) {
    const edge = await startEdgeApp({ UWS_USE_FALLBACK: mode, ...overrides });
    t.teardown(() => edge.stop());
    out.push({ name, edge });
  }
  return out;
}

const http = (edge: EdgeUnderTest, path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${edge.app.port}${path}`, init);

t.test('health and metrics name the transport', async (t) => {
  for (const { name, edge } of await edges(t)) {
    const h = (await (await http(edge, '/health')).json()) as {
      checks: { http: { ok: boolean; detail: { transport: string; reason: string; node: string } } };
    };
    t.match(h.checks.http, { ok: true, detail: { transport: name, node: process.versions.node } }, `${name}: /health`);
    t.match(
      await (await http(edge, '/metrics')).text(),
      new RegExp(`tracker_http_transport_info\\{transport="${name}",node="${process.versions.node}"\\} 1`),
      `${name}: /metrics`,
    );
  }
});

t.test('HTTP replies are the same on both transports', async (t) => {
  const requests: Array<[string, RequestInit?]> = [
    ['/nope'],
    ['/ws/live'],
    ['/ws/position'],
    ['/health', { method: 'HEAD' }],
    ['/health', { method: 'POST', body: 'x' }],
    ['/health?x=1'],
  ];
  const seen: Record<string, string[]> = {};
  for (const { name, edge } of await edges(t)) {
    seen[name] = [];
    for (const [path, init] of requests) {
      const r = await http(edge, path, init);
      const body = await r.text();
      seen[name].push(
        `${init?.method ?? 'GET'} ${path} -> ${r.status} ${r.headers.get('content-type')} ${path.startsWith('/health') && r.status === 200 ? '(health body)' : body}`,
      );
    }
  }
  if (seen.uws) t.same(seen.ws, seen.uws, 'identical status, content type and body');
  t.match(seen.ws[0], /^GET \/nope -> 404 application\/json \{"error":\{"code":"not_found"/);
  t.match(seen.ws[1], /^GET \/ws\/live -> 404/, 'a WebSocket route without an upgrade is not found');
});

t.test('refused upgrades are plain HTTP with the documented status and body', async (t) => {
  for (const { name, edge } of await edges(t)) {
    const noSecret = await openClient(positionUrl(edge)).then(
      () => undefined,
      (e) => e,
    );
    t.equal(noSecret?.status, 401, `${name}: 401`);
    t.match(JSON.parse(noSecret?.body ?? '{}'), { error: { code: 'unauthorized', message: /missing plugin secret/ } });
    const badFilter = await openClient(edge.url('/ws/live?types=Nope!')).then(
      () => undefined,
      (e) => e,
    );
    t.equal(badFilter?.status, 400, `${name}: 400`);
    t.match(JSON.parse(badFilter?.body ?? '{}'), { error: { code: 'bad_request' } });
  }
});

t.test('protocol violations drop the connection: the client sees 1006', async (t) => {
  for (const { name, edge } of await edges(t, { WS_MAX_PAYLOAD_BYTES: '4096' })) {
    const big = await openPlugin(edge);
    big.send('x'.repeat(4096 * 2 + 1));
    t.equal((await big.closed).code, 1006, `${name}: frame over twice WS_MAX_PAYLOAD_BYTES`);
    const utf8 = await openPlugin(edge);
    // A final text frame (0x81), masked, zero mask key, whose 4 bytes are not UTF-8:
    // written on the raw socket, below the client's own checks.
    (utf8.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(
      Buffer.from([0x81, 0x80 | 4, 0, 0, 0, 0, 0x7b, 0xff, 0xfe, 0x7d]),
    );
    t.equal((await utf8.closed).code, 1006, `${name}: invalid UTF-8`);
    t.same([...big.received, ...utf8.received], [], `${name}: no reply`);
  }
});

t.test('a /ws/position client that does not read its replies is dropped over WS_MAX_BACKPRESSURE_BYTES', async (t) => {
  for (const { name, edge } of await edges(t, { WS_MAX_BACKPRESSURE_BYTES: '1024' })) {
    const c = await openPlugin(edge);
    const socket = (c.ws as unknown as { _socket: { pause(): void } })._socket;
    socket.pause();
    // Every binary frame gets a ~100-byte error reply; the kernel buffers take the first MBs.
    const chunk = Buffer.from('x');
    let sent = 0;
    const closed = c.closed.then((r) => ({ ...r, sent }));
    await whenCaughtUp(
      () => {
        for (let i = 0; i < 2000 && c.ws.readyState === c.ws.OPEN; i++, sent++) c.ws.send(chunk, { binary: true });
        return c.ws.readyState !== c.ws.OPEN;
      },
      { what: `${name}: closed for not reading`, timeoutMs: 60000 },
    );
    t.equal((await closed).code, 1006, `${name}: dropped (1006) after ${sent} unread replies`);
  }
});

t.test('idle sockets are pinged; one that never answers is dropped within WS_IDLE_TIMEOUT_SECONDS', async (t) => {
  const all = await edges(t, { WS_IDLE_TIMEOUT_SECONDS: '8' });
  await Promise.all(
    all.map(async ({ name, edge }) => {
      const started = Date.now();
      const mute = new WebSocket(positionUrl(edge), { headers: { 'X-Plugin-Secret': SECRET }, autoPong: false });
      let pings = 0;
      mute.on('ping', () => pings++);
      const answering = await openPlugin(edge);
      let answeringPings = 0;
      answering.ws.on('ping', () => answeringPings++);
      const code = await new Promise<number>((r) => mute.on('close', (c) => r(c)));
      const took = Date.now() - started;
      t.equal(code, 1006, `${name}: dropped without a close frame`);
      t.ok(pings >= 1, `${name}: pinged first (${pings})`);
      t.ok(
        took >= 3500 && took < 8000 + 5000,
        `${name}: after ${took} ms (idle timeout 8 s: a ping after up to 4 s, the drop 4 s later; uWS ticks every 4 s)`,
      );
      await whenCaughtUp(() => answeringPings >= 2, {
        what: `${name}: second ping to the answering client`,
        timeoutMs: 15000,
      });
      t.equal(answering.ws.readyState, WebSocket.OPEN, `${name}: a client that answers pings stays connected`);
      answering.close();
    }),
  );
});
