// The capacity warning fires on a fast-filling store, with real processes: a stream
// capped at 2 MiB, filled through the real edge in a few seconds, is projected to fill
// within CAPACITY_WARN_DAYS (a `warning`, still 200); filled to the cap, /health fails on
// CAPACITY_MIN_FREE_PERCENT. /metrics carries the figures and passes `promtool check
// metrics`. Sampling interval and window are test seams (src/capacity/index.ts), shrunk
// from a minute and an hour to 250 ms and 20 s. docs/operations.md "Capacity".
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { Registry } from 'prom-client';
import { startApp } from '../../src/app.js';
import { startCapacity } from '../../src/capacity/index.js';
import { createPool } from '../../src/shared/db.js';
import { Health } from '../../src/shared/health.js';
import { createLogger } from '../../src/shared/logger.js';
import { getStack, testConfig, whenCaughtUp } from '../helpers/stack.js';
import { openClient, SECRET, telemetry } from '../edge/helpers.js';

const provision = spawnSync('bash', [fileURLToPath(new URL('../../scripts/provision-promtool.sh', import.meta.url))], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (provision.status !== 0) throw new Error('scripts/provision-promtool.sh failed: promtool is needed for this test');

const CAP = 2 * 1024 * 1024;
const stack = await getStack();
const dirs = { nats: join(stack.dir, 'nats'), postgres: join(stack.dir, 'pg') };
const cfg = await testConfig({ ROLES: 'edge,ingest', PLUGIN_SECRET: SECRET, STREAM_MAX_BYTES: String(CAP) });
const app = await startApp(
  cfg,
  createLogger(cfg.LOG_LEVEL, 'capacity-test'),
  { capacity: { sampleIntervalMs: 250, windowMs: 20_000, probeTtlMs: 100 } },
  dirs,
);
t.teardown(() => app.stop());
const base = `http://127.0.0.1:${app.port}`;
const health = async () => {
  const r = await fetch(`${base}/health`);
  return { status: r.status, body: (await r.json()) as any };
};
const streamBytes = async () => (await app.rt.health.run()).checks.stream.detail?.bytes as number;

const client = await openClient(`ws://127.0.0.1:${app.port}/ws/position`, { 'X-Plugin-Secret': SECRET });
t.teardown(() => client.close());
/** Sends telemetry frames (fire and forget) until the stream holds `bytes`. */
async function fillTo(bytes: number) {
  const pad = 'x'.repeat(200); // a longer character name: fewer events per byte
  let i = 0;
  while ((await streamBytes()) < bytes) {
    client.send(Array.from({ length: 50 }, () => telemetry(`Filler ${pad.slice(0, 20)} ${i++ % 7}`, { kills: i })));
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('an idle store gives no warning', async (t) => {
  const { status, body } = await health();
  t.equal(status, 200);
  t.equal(body.checks.capacity.ok, true);
  t.notOk(body.checks.capacity.warning, 'no warning');
  t.equal(body.checks.capacity.detail.stream.limit, 'stream max_bytes');
  t.equal(body.checks.capacity.detail.stream.limit_bytes, CAP);
  t.match(body.checks.capacity.detail.database.limit, /^free space of /, 'the embedded database dir is watched');
});

t.test(
  'a stream filling at this rate is projected to fill within CAPACITY_WARN_DAYS: a warning, still 200',
  async (t) => {
    await fillTo(CAP * 0.5);
    const { status, body } = await whenCaughtUp(
      async () => {
        const h = await health();
        return /NATS log/.test(h.body.checks.capacity.warning ?? '') ? h : undefined;
      },
      { timeoutMs: 20_000, what: 'the capacity warning' },
    );
    const c = body.checks.capacity;
    t.equal(status, 200, '/health stays 200');
    t.equal(c.ok, true);
    t.match(c.warning, /the NATS log \(stream\): full in [\d.]+ days at [\d.]+ GiB\/day/);
    t.ok(c.detail.stream.days_left < 7, `days left ${c.detail.stream.days_left}`);
    t.ok(c.detail.stream.growth_bytes_per_day > 0, `growth ${c.detail.stream.growth_bytes_per_day} bytes/day`);
    t.ok(c.detail.stream.used_bytes >= CAP * 0.4, `bytes used ${c.detail.stream.used_bytes}`);
    t.equal(c.detail.stream.left_bytes, CAP - c.detail.stream.used_bytes, 'bytes left = max_bytes - used');
  },
);

t.test('/metrics carries the capacity figures and passes promtool check metrics', async (t) => {
  // The gauges are read through the probe's cache: wait for a reading taken after the fill.
  const stored = `^tracker_stream_bytes\\{stream="${cfg.STREAM_NAME}"\\} (\\S+)$`;
  const exposition = await whenCaughtUp(async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(new RegExp(stored, 'm').exec(text)?.[1]) >= CAP * 0.5 ? text : undefined;
  });
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  t.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  t.equal((r.stdout + r.stderr).trim(), '', 'no lint findings');
  const value = (re: RegExp) => Number(re.exec(exposition)?.[1]);
  const s = `\\{stream="${cfg.STREAM_NAME}"\\}`;
  t.equal(value(new RegExp(`^tracker_stream_max_bytes${s} (\\S+)$`, 'm')), CAP);
  t.ok(value(new RegExp(`^tracker_stream_bytes${s} (\\S+)$`, 'm')) >= CAP * 0.5);
  t.ok(value(new RegExp(`^tracker_stream_messages${s} (\\S+)$`, 'm')) > 0);
  t.equal(value(new RegExp(`^tracker_stream_max_messages${s} (\\S+)$`, 'm')), -1, 'unlimited is -1');
  t.ok(value(/^tracker_jetstream_storage_used_bytes (\S+)$/m) > 0);
  t.ok(value(/^tracker_jetstream_storage_reserved_bytes (\S+)$/m) >= CAP, 'the cap is reserved');
  t.ok(value(/^tracker_database_size_bytes (\S+)$/m) > 1_000_000);
  t.ok(value(/^tracker_data_dir_free_bytes\{store="nats",path="[^"]+"\} (\S+)$/m) > 0);
  t.ok(value(/^tracker_data_dir_free_bytes\{store="postgres",path="[^"]+"\} (\S+)$/m) > 0);
  t.ok(value(/^tracker_capacity_seconds_left\{store="stream"\} (\S+)$/m) < 7 * 86_400, 'time left, as /health says');
  t.ok(value(/^tracker_capacity_left_bytes\{store="stream"\} (\S+)$/m) < CAP * 0.5);
});

t.test('a stream at its cap fails /health on CAPACITY_MIN_FREE_PERCENT', async (t) => {
  await fillTo(CAP * 0.985);
  const { body } = await whenCaughtUp(
    async () => {
      const h = await health();
      return h.status === 503 && h.body.checks.capacity.ok === false ? h : undefined;
    },
    { timeoutMs: 20_000, what: '/health 503 on capacity' },
  );
  t.match(
    body.checks.capacity.reason,
    /the NATS log \(stream\): [\d.]+ GiB left of stream max_bytes .*CAPACITY_MIN_FREE_PERCENT \(2%\)/,
  );
});

t.test('PostgreSQL unreachable: capacity is not measured, says so, and /metrics still renders', async (t) => {
  const health = new Health();
  const metrics = new Registry();
  const pool = createPool('postgres://nobody:x@127.0.0.1:1/none', 1, createLogger('silent'));
  t.teardown(() => pool.end());
  const capacity = startCapacity(
    { jsm: await jetstreamManager(app.rt.nc), pool, health, metrics, log: createLogger('silent') },
    { streamName: cfg.STREAM_NAME, warnDays: 7, minFreePercent: 2, dirs },
  );
  t.teardown(() => capacity.stop());
  const { checks } = await health.run();
  t.equal(checks.capacity.ok, true, 'not a second failure: the database check says why');
  t.match(checks.capacity.warning, /^capacity not measured: .*ECONNREFUSED/);
  t.match(await metrics.metrics(), /# TYPE tracker_stream_bytes gauge/, '/metrics renders without the figures');
});
