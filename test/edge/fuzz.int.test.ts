// Fuzz: thousands of random and mutated frames from several connections. The server
// stays up, only valid events are ever stored, and a valid client keeps being served.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { validators, validateExtension } from '../../schemas/validators.js';
import { startEdgeApp, openPlugin, telemetry, spawn, rare, chat } from './helpers.js';

const FRAMES = 4000;
const BUDGET_MS = 15000;

// Deterministic PRNG so a failure can be replayed from the seed in the output.
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '',
  ' ',
  'NaN',
  'Infinity',
  '\u0000',
  '\ud800',
  '🌍',
  'x'.repeat(300),
  [],
  {},
  [[[[]]]],
  { __proto__: null },
  '__proto__',
  'constructor',
  '2026-13-45T99:99:99Z',
  '2026-11-25T12:00:00Z',
];

function mutate(rand: () => number, ev: Record<string, unknown>): unknown {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const e: Record<string, unknown> = { ...ev };
  const keys = Object.keys(e);
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.4) e[pick(keys)] = pick(WEIRD);
    else if (r < 0.6) delete e[pick(keys)];
    else if (r < 0.8)
      e[pick(['type', 'character_name', 'timestamp', 'extra', '__proto__', 'constructor'])] = pick(WEIRD);
    else e[`k${Math.floor(rand() * 100)}`] = pick(WEIRD);
  }
  return e;
}

function frame(rand: () => number): string | Buffer {
  const r = rand();
  const valid = [telemetry, spawn, rare, chat][Math.floor(rand() * 4)](`Fuzz ${Math.floor(rand() * 20)}`);
  if (r < 0.1) return randomBytes(Math.floor(rand() * 200)); // binary garbage
  if (r < 0.2) return randomBytes(Math.floor(rand() * 200)).toString('latin1'); // text garbage
  const text = JSON.stringify(rand() < 0.3 ? [mutate(rand, valid), valid, mutate(rand, valid)] : mutate(rand, valid));
  if (r < 0.35) {
    // byte-level mutation of JSON text
    const i = Math.floor(rand() * text.length);
    return (
      text.slice(0, i) + String.fromCharCode(Math.floor(rand() * 128)) + text.slice(i + 1 + Math.floor(rand() * 3))
    );
  }
  if (r < 0.4) return text.slice(0, Math.floor(rand() * text.length)); // truncated
  return text;
}

t.test('fuzzed frames never crash the edge nor get invalid events stored', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  t.comment(`FUZZ_SEED=${seed}`);
  const rand = prng(seed);
  const edge = await startEdgeApp({ WS_MAX_PAYLOAD_BYTES: '65536' });
  t.teardown(() => edge.stop());
  const clients = await Promise.all([
    openPlugin(edge),
    openPlugin(edge, '?ack=1'),
    openPlugin(edge),
    openPlugin(edge, '?ack=1'),
  ]);
  const started = Date.now();
  let sent = 0;
  let reconnects = 0;
  for (; sent < FRAMES && Date.now() - started < BUDGET_MS; sent++) {
    const slot = sent % clients.length;
    // Invalid UTF-8 in a text frame makes uWS close the socket (RFC 6455): reconnect.
    if (clients[slot].ws.readyState !== clients[slot].ws.OPEN) {
      clients[slot] = await openPlugin(edge, slot % 2 ? '?ack=1' : '');
      reconnects++;
    }
    const c = clients[slot];
    const f = frame(rand);
    if (Buffer.isBuffer(f)) c.ws.send(f, { binary: rand() < 0.5 });
    else c.send(f);
    if (sent % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  t.ok(sent >= 1000, `${sent} frames sent (${reconnects} reconnects after invalid UTF-8)`);
  const good = await openPlugin(edge, '?ack=1');
  good.send([telemetry('Still Works'), chat('Still Works')]);
  t.match(await good.next((m) => m.type === 'ack'), { accepted: 2, rejected: 0 }, 'a valid client is still served');
  const health = await fetch(`http://127.0.0.1:${edge.app.port}/health`);
  t.equal(health.status, 200, 'healthy after the fuzz');
  for (const c of clients) c.close();
  // Every stored event passes its schema (invalid UTF-8 is closed by uWS; those clients may be gone).
  const stored = await edge.stored();
  let checked = 0;
  for (const m of stored)
    for (const ev of m.env.events) {
      checked++;
      // A fuzzed type that is a well-formed extension type name is kept in the log (docs/protocol.md "Extension types").
      const validate = validators.get(m.env.type) ?? validateExtension;
      if (!validate(ev)) t.fail(`stored an invalid event: ${JSON.stringify(ev)}`);
    }
  t.ok(checked > 0, `${checked} stored events re-validated`);
});
