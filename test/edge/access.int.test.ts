// Access to /ws/position: several plugin secrets at once (rotation without downtime)
// and per-connection rate limits with a documented code and close (docs/security.md,
// docs/protocol.md "Rate limits").
import t from 'tap';
import { ConnectionRateLimit, TokenBucket } from '../../src/edge/rate-limit.js';
import { loadConfig } from '../../src/config.js';
import { startEdgeApp, openClient, positionUrl, telemetry } from './helpers.js';

t.test('token buckets: burst up to the rate, then the rate', async (t) => {
  const b = new TokenBucket(10, 0);
  for (let i = 0; i < 10; i++) t.ok(b.take(1, 0), `burst ${i + 1}`);
  t.notOk(b.take(1, 0), 'the eleventh in the same instant is refused');
  t.ok(b.take(1, 100), 'refilled at 10/s: one token after 100 ms');
  t.notOk(b.take(1, 100));
  t.ok(b.take(10, 5000), "at most one second's worth is kept");
  t.notOk(b.take(1, 5000));
  const unlimited = new TokenBucket(0, 0);
  t.ok(Array.from({ length: 1000 }, () => unlimited.take(100, 0)).every(Boolean), '0 = unlimited');
  const c = new ConnectionRateLimit({ framesPerSecond: 100, eventsPerSecond: 30 }, 0);
  t.equal(c.events(20, 0), undefined);
  t.match(c.events(20, 0), /more than 30 events per second .*EDGE_RATE_LIMIT_EVENTS_PER_SECOND/);
  t.equal(c.events(10, 0), undefined, 'a refused frame takes no tokens');
});

t.test('config: secrets and limits that cannot work are refused in one line', async (t) => {
  t.throws(
    () => loadConfig({ PLUGIN_SECRETS: 'long-enough-1,short' }),
    /PLUGIN_SECRETS entry 2 is shorter than 8 characters/,
  );
  t.throws(
    () => loadConfig({ EDGE_RATE_LIMIT_EVENTS_PER_SECOND: '10', EDGE_MAX_EVENTS_PER_FRAME: '100' }),
    /EDGE_RATE_LIMIT_EVENTS_PER_SECOND must be 0 or at least EDGE_MAX_EVENTS_PER_FRAME/,
  );
  t.doesNotThrow(
    () => loadConfig({ HOST: '0.0.0.0', PLUGIN_SECRETS: 'only-this-one' }),
    'PLUGIN_SECRETS alone satisfies the non-loopback rule',
  );
});

t.test('rotation: the old and the new secret both work, nothing else does', async (t) => {
  const edge = await startEdgeApp({ PLUGIN_SECRET: 'old-secret-1', PLUGIN_SECRETS: 'new-secret-2, newer-secret-3' });
  t.teardown(() => edge.stop());
  for (const secret of ['old-secret-1', 'new-secret-2', 'newer-secret-3']) {
    const c = await openClient(positionUrl(edge, '?ack=1'), { 'X-Plugin-Secret': secret });
    c.send(telemetry(`Rot-${secret}`));
    t.match(await c.next((m) => m.type === 'ack'), { accepted: 1 }, `${secret} is accepted`);
    c.close();
  }
  await t.rejects(
    openClient(positionUrl(edge), { 'X-Plugin-Secret': 'old-secret-0' }),
    { message: 'HTTP 401' },
    'any other secret: 401',
  );
});

t.test('rate limits: rate_limited per frame, then 1008 after repeated violations', async (t) => {
  const edge = await startEdgeApp({
    EDGE_RATE_LIMIT_FRAMES_PER_SECOND: '3',
    EDGE_RATE_LIMIT_EVENTS_PER_SECOND: '10',
    EDGE_MAX_EVENTS_PER_FRAME: '10',
    EDGE_RATE_LIMIT_CLOSE_AFTER: '4',
  });
  t.teardown(() => edge.stop());
  const events = await openClient(positionUrl(edge, '?ack=1'), { 'X-Plugin-Secret': 'test-secret-123' });
  const batch = () => Array.from({ length: 10 }, (_, i) => telemetry('Rate', { event_id: `r${i}-${Math.random()}` }));
  events.send(batch());
  events.send(batch());
  // Tokens come back at 10 events/s: the second frame passes only if a whole second went by.
  t.match(
    await events.next((m) => m.frame === 1),
    { type: 'ack', accepted: 10 },
    'the first 10-event frame is accepted',
  );
  t.match(
    await events.next((m) => m.frame === 2),
    { type: 'error', code: 'rate_limited', message: /10 events per second/ },
    'the second one in the same burst is over 10 events/s',
  );
  events.close();

  const frames = await openClient(positionUrl(edge), { 'X-Plugin-Secret': 'test-secret-123' });
  for (let i = 0; i < 12; i++) frames.send('not json'); // counted even when they do not parse
  t.equal((await frames.closed).code, 1008, 'closed with 1008 after 4 rate-limited frames in a row');
  const codes = frames.received.map((m) => m.code);
  t.same(codes.slice(0, 3), Array(3).fill('malformed_json'), 'the burst of three frames is read');
  t.same(codes.slice(-4), Array(4).fill('rate_limited'), 'then four rate_limited in a row, and the close');
  const m = await edge.app.rt.metrics.getSingleMetricAsString('tracker_edge_events_rejected_total');
  t.match(m, /code="rate_limited"\} [1-9]/, 'counted by code');
});

t.test('/ws/live takes the same optional read token as the read API', async (t) => {
  const token = 'reader-token-0123456789';
  const edge = await startEdgeApp({ API_TOKEN: token });
  t.teardown(() => edge.stop());
  await t.rejects(openClient(edge.url('/ws/live')), { message: 'HTTP 401' }, 'no token: 401');
  await t.rejects(
    openClient(edge.url('/ws/live?token=wrong-token-0123456789')),
    { message: 'HTTP 401' },
    'wrong token: 401',
  );
  const byQuery = await openClient(edge.url(`/ws/live?types=chat&token=${token}`));
  byQuery.close();
  const byHeader = await openClient(edge.url('/ws/live?types=chat'), { authorization: `Bearer ${token}` });
  byHeader.close();
  t.pass('the token in ?token= or in Authorization opens the feed');
  const plugin = await openClient(positionUrl(edge, '?ack=1'), { 'X-Plugin-Secret': 'test-secret-123' });
  plugin.send(telemetry('Tok'));
  t.match(
    await plugin.next((m) => m.type === 'ack'),
    { accepted: 1 },
    'plugins still use their own secret, not the read token',
  );
});
