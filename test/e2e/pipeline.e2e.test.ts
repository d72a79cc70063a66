// The whole product in one process: a plugin sends over /ws/position, a browser watches
// /ws/live, and the read API serves what ingest projected into TimescaleDB.
import t from 'tap';
import WebSocket from 'ws';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';

const SECRET = 'e2e-secret-123';

function open(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const received: any[] = [];
  ws.on('message', (d) => received.push(JSON.parse(String(d))));
  return {
    ws,
    received,
    ready: new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    }),
  };
}

t.test('plugin -> edge -> JetStream -> ingest -> TimescaleDB -> API, and chat live only', async (t) => {
  const cfg = await testConfig({ PLUGIN_SECRET: SECRET });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'e2e'));
  t.teardown(() => app.stop());
  const http = (path: string) =>
    fetch(`http://127.0.0.1:${app.port}${path}`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as any,
    }));

  const browser = open(`ws://127.0.0.1:${app.port}/ws/live`);
  await browser.ready;
  const plugin = open(`ws://127.0.0.1:${app.port}/ws/position?ack=1`, { 'X-Plugin-Secret': SECRET });
  await plugin.ready;
  t.teardown(() => {
    plugin.ws.close();
    browser.ws.close();
  });

  const names = ['Zoë the Bold', 'dot.ted*>', 'Plain'];
  const base = Date.now() - 60_000;
  const frame: unknown[] = [];
  for (const [i, name] of names.entries()) {
    for (let k = 0; k < 5; k++) {
      frame.push({
        type: 'telemetry',
        character_name: name,
        timestamp: new Date(base + k * 1000).toISOString(),
        event_id: `${i}-t-${k}`,
        ew: i + k / 10,
        ns: -i - k / 10,
        z: k,
        kills: k,
        latency_ms: 10 + k,
        mem_mb: 100.5,
        cpu_pct: 3.25,
        mem_handles: 400 + k,
        kills_per_hour: '12.5',
      });
    }
  }
  frame.push({
    type: 'spawn',
    character_name: 'Plain',
    timestamp: new Date(base).toISOString(),
    event_id: 's-1',
    mob: 'Drudge\tSkulker "\\N"',
    ew: 1.25,
    ns: 2.5,
  });
  frame.push({
    type: 'rare',
    character_name: 'Zoë the Bold',
    timestamp: new Date(base).toISOString(),
    event_id: 'r-1',
    name: 'Prismatic 🦄 Gem',
    ew: -3,
    ns: 4,
    z: 1,
  });
  frame.push({ type: 'telemetry', character_name: 'Plain', timestamp: 'yesterday', ew: 1, ns: 1, z: 1 });
  plugin.ws.send(JSON.stringify(frame));

  const ack = await whenCaughtUp(() => plugin.received.find((m) => m.type === 'ack'), { what: 'ack' });
  t.equal(ack.accepted, 17);
  t.equal(ack.rejected, 1);
  const err = plugin.received.find((m) => m.type === 'error');
  t.equal(err?.code, 'invalid_event');
  t.equal(err?.index, 17);

  plugin.ws.send(
    JSON.stringify({ type: 'chat', character_name: 'Plain', timestamp: new Date().toISOString(), text: 'gg all' }),
  );
  const chat = await whenCaughtUp(() => browser.received.find((m) => m.type === 'chat'), { what: 'chat on /ws/live' });
  t.equal(chat.text, 'gg all');

  const live = await whenCaughtUp(
    async () => {
      const r = await http('/live?seconds=3600');
      return r.body.players?.length === 3 ? r.body : undefined;
    },
    { what: '/live shows three players' },
  );
  const zoe = live.players.find((p: any) => p.character_name === 'Zoë the Bold');
  t.equal(zoe.timestamp, new Date(base + 4000).toISOString(), 'latest telemetry wins');
  t.match(zoe, {
    ew: 0.4,
    ns: -0.4,
    z: 4,
    kills: 4,
    latency_ms: 14,
    mem_mb: 100.5,
    cpu_pct: 3.25,
    mem_handles: 404,
    kills_per_hour: 12.5,
  });

  const trails = await http(`/trails?seconds=3600&character=${encodeURIComponent('dot.ted*>')}`);
  t.equal(trails.status, 200);
  t.same(
    trails.body.trails.map((p: any) => p.ew),
    [1, 1.1, 1.2, 1.3, 1.4],
  );

  const spawns = await whenCaughtUp(async () => (await http('/spawns')).body.spawns?.[0]);
  t.equal(spawns.mob, 'Drudge\tSkulker "\\N"', 'hostile string intact through COPY');
  const rares = await whenCaughtUp(async () => (await http('/rares')).body.rares?.[0]);
  t.equal(rares.name, 'Prismatic 🦄 Gem');

  const health = await http('/health');
  t.equal(health.status, 200, JSON.stringify(health.body));
  t.equal(health.body.checks.stream.detail.messages >= 1, true, 'health reports the stream state');
  t.equal(health.body.checks.ingest.detail.lag, 0, 'health reports consumer lag');
  const { rows } = await app.rt.pool.query('select count(*)::int as n from telemetry');
  t.equal(rows[0].n, 15, 'every valid telemetry event stored once, the invalid one never');
});
