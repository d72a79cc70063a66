// Access to /ws/position: several plugin secrets at once (rotation without downtime)
// and per-connection rate limits with a documented code and close (docs/security.md,
// docs/protocol.md "Rate limits"); the bucket arithmetic and close rules: rate-limit.unit.test.ts.
import t from 'tap';
import { loadConfig, renamedVarWarnings } from '../../src/config.js';
import { startEdgeApp, openClient, positionUrl, telemetry } from './helpers.js';

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

t.test('rate limits: rate_limited per frame with retry_after_ms, then 1008 for a sustained flood', async (t) => {
  const edge = await startEdgeApp({
    EDGE_RATE_LIMIT_FRAMES_PER_SECOND: '3',
    EDGE_RATE_LIMIT_EVENTS_PER_SECOND: '10',
    EDGE_MAX_EVENTS_PER_FRAME: '10',
    EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS: '1',
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
  const refused = await events.next((m) => m.frame === 2);
  t.match(
    refused,
    { type: 'error', code: 'rate_limited', message: /10 events per second/ },
    'the second one in the same burst is over 10 events/s',
  );
  t.ok(refused.retry_after_ms > 900 && refused.retry_after_ms <= 1000, `retry_after_ms ${refused.retry_after_ms}`);
  events.close();

  const frames = await openClient(positionUrl(edge), { 'X-Plugin-Secret': 'test-secret-123' });
  const started = Date.now();
  const flood = setInterval(() => frames.send('not json'), 10); // counted even when they do not parse
  t.teardown(() => clearInterval(flood));
  const closed = await frames.closed;
  clearInterval(flood);
  const tookMs = Date.now() - started;
  t.equal(closed.code, 1008, 'a client that ignores retry_after_ms is closed with 1008');
  t.ok(tookMs >= 1000 && tookMs < 5000, `after EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS (1 s): ${tookMs} ms`);
  const codes = frames.received.map((m) => m.code);
  t.same(codes.slice(0, 3), Array(3).fill('malformed_json'), 'the burst of three frames is read');
  t.ok(
    frames.received.slice(3).every((m) => m.code !== 'rate_limited' || m.retry_after_ms > 0),
    'then rate_limited, each with retry_after_ms',
  );
  t.equal(codes.at(-1), 'rate_limited', 'the last reply before the close');
  const m = await edge.app.rt.metrics.getSingleMetricAsString('tracker_edge_events_rejected_total');
  t.match(m, /code="rate_limited"\} [1-9]/, 'counted by code');
});

t.test('the old EDGE_RATE_LIMIT_CLOSE_AFTER is read as seconds, with a warning', async (t) => {
  const cfg = loadConfig({ EDGE_RATE_LIMIT_CLOSE_AFTER: '4', EDGE_UNAVAILABLE_CLOSE_AFTER: '7' });
  t.equal(cfg.EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS, 4);
  t.equal(cfg.EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS, 7);
  t.match(renamedVarWarnings(cfg), [/EDGE_RATE_LIMIT_CLOSE_AFTER is deprecated/, /EDGE_UNAVAILABLE_CLOSE_AFTER is/]);
  const both = loadConfig({ EDGE_RATE_LIMIT_CLOSE_AFTER: '4', EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS: '30' });
  t.equal(both.EDGE_RATE_LIMIT_CLOSE_AFTER_SECONDS, 30, 'the new variable wins when both are set');
  t.same(renamedVarWarnings(loadConfig({})), [], 'no warning when neither is set');
  t.throws(() => loadConfig({ EDGE_RATE_LIMIT_CLOSE_AFTER: '0' }), /EDGE_RATE_LIMIT_CLOSE_AFTER must be an integer/);
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
