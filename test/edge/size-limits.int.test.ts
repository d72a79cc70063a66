// The per-event size limit is exact (headers count against max_payload, as NATS counts
// them), and a message JetStream refuses for good is isolated per event: it never
// wedges the lane, the edge, or anyone else's acks (docs/edge.md "Size limits",
// "Failures").
import t from 'tap';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { canonicalJson } from '../../src/shared/envelope.js';
import { streamConfig } from '../../src/shared/nats.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { SizeBudget } from '../../src/edge/size-budget.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { startEdgeApp, openPlugin, telemetry, spawn, rare, chat, type EdgeUnderTest } from './helpers.js';

const health = async (edge: EdgeUnderTest) =>
  (await fetch(`http://127.0.0.1:${edge.app.port}/health`)).json() as Promise<{
    checks: { edge: { ok: boolean; reason?: string } };
  }>;
const metric = async (edge: EdgeUnderTest, name: string) =>
  (await edge.app.rt.metrics.getSingleMetricAsString(name)).trim();

/** The event padded (with an unknown field) so its canonical JSON is exactly `bytes` long. */
function sized(ev: Record<string, unknown>, bytes: number): string {
  const base = canonicalJson({ ...ev, zz_pad: '' });
  const json = canonicalJson({ ...ev, zz_pad: 'x'.repeat(bytes - Buffer.byteLength(base)) });
  if (Buffer.byteLength(json) !== bytes) throw new Error('padding did not reach the size');
  return json;
}

t.test('the largest event of each type is stored; one byte more is too_large', async (t) => {
  const edge = await startEdgeApp({ WS_MAX_PAYLOAD_BYTES: String(2 * 1024 * 1024) });
  t.teardown(() => edge.stop());
  const maxPayload = edge.nc.info!.max_payload;
  const budget = new SizeBudget(maxPayload);
  const chats: number[] = [];
  const sub = edge.nc.subscribe(`${edge.cfg.SUBJECT_PREFIX}.chat.>`, {
    callback: (_e, m) => {
      chats.push(m.data.length);
    },
  });
  await edge.nc.flush();
  t.teardown(() => sub.unsubscribe());
  const client = await openPlugin(edge, '?ack=1');
  let frame = 0;
  const makers = { telemetry, spawn, rare, chat } as const;
  for (const [type, make] of Object.entries(makers)) {
    const limit = budget.maxEventBytes(type as keyof typeof makers);
    t.ok(limit > maxPayload - 200 && limit < maxPayload - 100, `${type}: limit ${limit} of max_payload ${maxPayload}`);
    client.send(sized(make('Big', { event_id: `${type}-fits` }), limit));
    frame++;
    const fits = await client
      .next((m) => m.frame === frame, 20000)
      .catch(async (err) => {
        console.error(
          'DIAG',
          JSON.stringify(client.received.map((r) => ({ ...r, message: r.message?.slice(0, 300) }))),
          await metric(edge, 'tracker_edge_publish_failures_total'),
          JSON.stringify(await health(edge)),
        );
        throw err;
      });
    t.match(
      fits,
      { type: 'ack', accepted: 1, rejected: 0, event_ids: [`${type}-fits`] },
      `${type}: ${limit} bytes accepted and stored`,
    );
    client.send(sized(make('Big', { event_id: `${type}-over` }), limit + 1));
    frame++;
    const over = await client
      .next((m) => m.frame === frame && m.type === 'error')
      .catch((err) => {
        console.error(JSON.stringify(client.received.map((r) => ({ ...r, message: r.message?.slice(0, 300) }))));
        throw err;
      });
    t.match(
      over,
      { code: 'too_large', event_id: `${type}-over`, message: new RegExp(`${limit + 1} bytes.*at most ${limit}`) },
      `${type}: ${limit + 1} bytes refused`,
    );
    t.match(await client.next((m) => m.frame === frame && m.type === 'ack'), { accepted: 0, rejected: 1 });
  }
  const stored = await edge.stored();
  t.same(
    stored.map((m) => m.env.events[0].event_id),
    ['telemetry-fits', 'spawn-fits', 'rare-fits'],
    'the three largest stored events are in JetStream',
  );
  await whenCaughtUp(() => chats.length === 1, { what: 'the largest chat on core NATS' });
  t.equal(chats[0], maxPayload, 'the largest chat message is exactly max_payload');
  t.equal(
    await metric(edge, 'tracker_edge_publish_failures_total'),
    '# HELP tracker_edge_publish_failures_total JetStream publishes that failed and will be retried.\n# TYPE tracker_edge_publish_failures_total counter\ntracker_edge_publish_failures_total 0',
    'no publish failed',
  );
});

t.test('regression: a near-limit event no longer stops the edge for every client', async (t) => {
  const edge = await startEdgeApp();
  t.teardown(() => edge.stop());
  const budget = new SizeBudget(edge.nc.info!.max_payload);
  const big = await openPlugin(edge, '?ack=1');
  const other = await openPlugin(edge, '?ack=1');
  // 1,048,400 bytes used to be accepted (the old estimate left the headers out), and
  // its publish then failed for size and was retried forever. It is over the exact limit.
  const limit = budget.maxEventBytes('telemetry');
  big.send(sized(telemetry('Wedger', { event_id: 'near-limit' }), 1_048_400));
  t.match(
    await big.next((m) => m.frame === 1 && m.type === 'error'),
    { code: 'too_large', event_id: 'near-limit' },
    `1,048,400 bytes is over the exact limit of ${limit}: too_large`,
  );
  big.send(sized(telemetry('Wedger', { event_id: 'at-limit' }), limit));
  t.match(await big.next((m) => m.frame === 2 && m.type === 'ack'), { accepted: 1 }, 'the largest event is stored');
  for (let i = 0; i < 3; i++) {
    other.send(telemetry(`Other${i}`, { event_id: `other-${i}` }));
    t.match(
      await other.next((m) => m.frame === i + 1),
      { type: 'ack', accepted: 1 },
      `another client's frame ${i + 1} is acked`,
    );
  }
  const h = await health(edge);
  t.ok(h.checks.edge.ok, `edge stays healthy: ${h.checks.edge.reason ?? 'ok'}`);
});

t.test('several large events of one character are packed without crossing max_payload', async (t) => {
  const edge = await startEdgeApp({ WS_MAX_PAYLOAD_BYTES: String(4 * 1024 * 1024), EDGE_BATCH_FLUSH_MS: '50' });
  t.teardown(() => edge.stop());
  const client = await openPlugin(edge, '?ack=1');
  const events = Array.from({ length: 7 }, (_, i) =>
    JSON.parse(sized(telemetry('Packer', { event_id: `p${i}` }), 300_000)),
  );
  client.send(events);
  t.match(await client.next((m) => m.type === 'ack', 20000), { accepted: 7, rejected: 0 });
  const stored = await edge.stored();
  t.same(
    stored.flatMap((m) => m.env.events.map((e) => e.event_id)),
    events.map((e) => e.event_id),
    'all stored, in order',
  );
  t.ok(
    stored.length >= 3 && stored.every((m) => m.env.events.length <= 3),
    `split into ${stored.length} messages of at most 3 events`,
  );
  t.match(
    await metric(edge, 'tracker_edge_publish_failures_total'),
    /tracker_edge_publish_failures_total 0$/,
    'no publish failed',
  );
});

t.test('a message JetStream refuses for good is split; only the event that cannot fit is given up', async (t) => {
  // A stream whose max_msg_size is below the server's max_payload: the edge accepts
  // the 100 kB event (it fits a NATS message), JetStream refuses every message holding it.
  const cfg = await testConfig();
  const nc = await connect({ servers: cfg.NATS_URL! });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ ...streamConfig(cfg), max_msg_size: 64 * 1024 });
  await nc.close();
  const edge = await startEdgeApp({
    STREAM_NAME: cfg.STREAM_NAME,
    SUBJECT_PREFIX: cfg.SUBJECT_PREFIX,
    EDGE_BATCH_FLUSH_MS: '20',
  });
  t.teardown(() => edge.stop());
  const client = await openPlugin(edge, '?ack=1');
  const plain = await openPlugin(edge);
  const big = JSON.parse(sized(telemetry('Split', { event_id: 'b' }), 100_000));
  client.send([telemetry('Split', { event_id: 'a' }), big, telemetry('Split', { event_id: 'c' })]);
  const refused = await client.next((m) => m.type === 'error');
  t.match(
    refused,
    { code: 'too_large', frame: 1, event_id: 'b', message: /JetStream refused the message: .*not stored/ },
    'the client hears which event was given up',
  );
  t.match(
    await client.next((m) => m.type === 'ack'),
    { frame: 1, accepted: 2, rejected: 1, event_ids: ['a', 'c'] },
    'the ack counts it as rejected',
  );
  plain.send(big); // fire and forget: given up, counted, logged
  client.send(telemetry('Split', { event_id: 'd' }));
  t.match(await client.next((m) => m.type === 'ack' && m.frame === 2), { accepted: 1 }, 'the same character goes on');
  const ids = (await edge.stored()).flatMap((m) => m.env.events.map((e) => e.event_id));
  t.same(ids, ['a', 'c', 'd'], 'the events around it are stored, in order');
  await whenCaughtUp(
    async () =>
      /tracker_edge_events_given_up_total\{code="too_large"\} 2/.test(
        await metric(edge, 'tracker_edge_events_given_up_total'),
      ),
    { what: 'two events given up' },
  );
  t.match(
    await metric(edge, 'tracker_edge_publish_failures_total'),
    /tracker_edge_publish_failures_total 0$/,
    'never retried',
  );
  const h = await health(edge);
  t.ok(h.checks.edge.ok, `edge healthy while it isolates: ${h.checks.edge.reason ?? 'ok'}`);
  t.equal(subjectFor(cfg.SUBJECT_PREFIX, 'telemetry', 'Split').endsWith('.Split'), true);
});
