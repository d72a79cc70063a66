// JetStream down or the buffer full: bounded buffering, `unavailable` to ack-mode
// clients, close 1013 for clients that keep pushing (for EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS;
// the rule's arithmetic: rate-limit.unit.test.ts), and every accepted event stored
// once NATS is back (a private nats-server, stopped and restarted on the same store).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../../src/localstack/nats.js';
import { whenCaughtUp } from '../helpers/stack.js';
import { startEdgeApp, openPlugin, telemetry } from './helpers.js';

const health = async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}/health`)).json() as Promise<{
    checks: Record<string, { ok: boolean; reason?: string }>;
  }>;

t.test('JetStream outage: unavailable, 1013, then everything accepted is stored once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-outage-'));
  let nats = await startNats({ dir, port: 0 });
  const edge = await startEdgeApp({
    NATS_URL: nats.url,
    EDGE_PUBLISH_TIMEOUT_MS: '300',
    EDGE_PUBLISH_RETRY_MAX_MS: '200',
    EDGE_ACK_TIMEOUT_MS: '1000',
    EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS: '1',
  });
  t.teardown(async () => {
    await edge.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const acked = await openPlugin(edge, '?ack=1');
  const plain = await openPlugin(edge);
  acked.send(telemetry('Out', { event_id: 'a' }));
  await acked.next((m) => m.type === 'ack' && m.frame === 1);

  await nats.stop();
  const during = telemetry('Out', { event_id: 'b' });
  acked.send(during);
  plain.send([telemetry('Out', { event_id: 'c' }), telemetry('Other', { event_id: 'd' })]);
  t.match(
    await acked.next((m) => m.frame === 2),
    { type: 'error', code: 'unavailable' },
    'ack-mode frame not stored in time: unavailable',
  );
  const h = await health(edge.app.port);
  t.equal(h.checks.edge.ok, false, `edge health check fails: ${h.checks.edge.reason}`);
  // Pushing ten frames a second, ignoring the refusals: closed once that lasted 1 s.
  let i = 0;
  const push = setInterval(() => acked.send(telemetry('Out', { event_id: `refused-${i++}` })), 100);
  t.teardown(() => clearInterval(push));
  t.equal((await acked.closed).code, 1013, 'closed with 1013 after a second of refusals');
  clearInterval(push);
  const later = acked.received.filter((m) => m.frame > 2).map((m) => m.code);
  t.ok(later.length >= 10, `${later.length} frames refused before the close (the first second is not counted)`);
  t.ok(
    later.every((code) => code === 'unavailable'),
    'refused without buffering while JetStream fails',
  );
  t.same(plain.received, [], 'plain clients are buffered, not refused');

  nats = await startNats({ dir, port: nats.port });
  await whenCaughtUp(async () => (await edge.stored().catch(() => [])).flatMap((m) => m.env.events).length === 4, {
    what: 'a, b, c, d stored after the restart',
    timeoutMs: 20000,
  });
  await whenCaughtUp(async () => (await health(edge.app.port)).checks.edge.ok, { what: 'edge healthy again' });
  const again = await openPlugin(edge, '?ack=1');
  again.send(during); // the client resends the frame it got `unavailable` for
  await again.next((m) => m.type === 'ack');
  const ids = (await edge.stored()).flatMap((m) => m.env.events.map((e) => e.event_id));
  t.same(ids.sort(), ['a', 'b', 'c', 'd'], 'each event stored exactly once; refused ones never');
});

t.test('buffer full (EDGE_MAX_BUFFERED_EVENTS): unavailable, whole frames refused', async (t) => {
  const edge = await startEdgeApp({
    EDGE_MAX_BUFFERED_EVENTS: '5',
    EDGE_BATCH_FLUSH_MS: '1000',
  });
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge);
  c.send([1, 2, 3, 4].map(() => telemetry('Full')));
  c.send([telemetry('Full'), telemetry('Full')]); // 4 + 2 > 5: refused as a whole
  t.match(await c.next((m) => m.frame === 2), { type: 'error', code: 'unavailable' });
  c.send(telemetry('Full')); // 4 + 1 fits
  c.send(telemetry('Full'));
  c.send(telemetry('Full'));
  await c.next((m) => m.frame === 5);
  t.same(
    c.received.map((m) => [m.frame, m.code]),
    [
      [2, 'unavailable'],
      [4, 'unavailable'],
      [5, 'unavailable'],
    ],
    'whole frames refused; the one that fits is taken',
  );
  // The close for a client that keeps pushing is the outage test's above: here the
  // buffer frees itself within EDGE_BATCH_FLUSH_MS, before the close rule's first second is over.
  await whenCaughtUp(async () => (await edge.stored()).flatMap((m) => m.env.events).length === 5, { what: '5 stored' });
});

t.test('stop() while JetStream is down returns within its bound', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-stop-'));
  const nats = await startNats({ dir, port: 0 });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const edge = await startEdgeApp({ NATS_URL: nats.url, SHUTDOWN_TIMEOUT_MS: '1000', EDGE_PUBLISH_TIMEOUT_MS: '200' });
  const c = await openPlugin(edge, '?ack=1');
  c.send(telemetry('Stop'));
  await c.next((m) => m.type === 'ack');
  await nats.stop();
  const plain = await openPlugin(edge);
  plain.send([telemetry('Stop'), telemetry('Stop')]);
  await whenCaughtUp(
    async () => / 2$/m.test(await edge.app.rt.metrics.getSingleMetricAsString('tracker_edge_inflight_events')),
    { what: 'two events buffered' },
  );
  const started = Date.now();
  await edge.nc.close();
  await edge.app.stop();
  const took = Date.now() - started;
  t.ok(took < 5000, `stopped in ${took} ms (edge drain bounded by SHUTDOWN_TIMEOUT_MS / 2)`);
  t.equal((await plain.closed).code, 1001);
  // app.ts drains its NATS connection; with the server gone the drain gives up but
  // leaves the connection reconnecting (reported to the lead): close it here.
  await edge.app.rt.nc.close();
});
