// Every invalid case of docs/protocol.md "Errors" over a real connection: the documented reply, and
// nothing published (stream message count).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../src/shared/subjects.js';
import { startEdgeApp, openPlugin, openClient, openLive, positionUrl, telemetry, chat, SECRET } from './helpers.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8'));

t.test('invalid events and frames: documented replies, nothing published', async (t) => {
  // Strict timestamps, so the fixtures marked `strict` (accepted by default from older plugins) are refused too,
  // and no extension types, so a type such as `constructor` is refused as unknown (docs/protocol.md "Older plugins").
  const edge = await startEdgeApp({
    EDGE_ZONELESS_TIMESTAMPS: 'refuse',
    EDGE_MISSING_TIMESTAMP: 'refuse',
    EDGE_EXTENSION_TYPES: 'none',
  });
  t.teardown(() => edge.stop());
  const live = await openLive(edge);
  const c = await openPlugin(edge, '?ack=1');
  const cases: Array<{ case: string; frame: string; code: string; path?: string; index?: number; eventId?: string }> =
    [];
  for (const type of EVENT_TYPES) {
    for (const x of fixture(`${type}.invalid.json`))
      cases.push({
        case: `${type}: ${x.case}`,
        frame: JSON.stringify(x.event),
        code: 'invalid_event',
        path: x.path,
        eventId: x.event.event_id,
      });
  }
  for (const x of fixture('frames.invalid.json'))
    cases.push({ case: x.case, frame: x.frame, code: x.code, path: x.path ?? undefined, index: x.index });
  cases.push({
    case: 'too many events',
    frame: JSON.stringify(new Array(1001).fill(telemetry('Many'))),
    code: 'too_many_events',
  });
  for (const x of cases) c.send(x.frame);
  c.ws.send(Buffer.from('{"type":"telemetry"}'), { binary: true });
  const last = cases.length + 1;
  await c.next((m) => m.frame === last);
  for (const [i, x] of cases.entries()) {
    const frame = i + 1;
    const replies = c.received.filter((m) => m.frame === frame);
    const err = replies.find((m) => m.type === 'error');
    t.ok(err, `${x.case}: error reply`);
    if (!err) continue;
    t.equal(err.code, x.code, `${x.case}: code ${x.code}`);
    t.type(err.message, 'string');
    if (x.path) t.equal(err.errors?.[0]?.path, x.path, `${x.case}: path ${x.path}`);
    if (x.index !== undefined) t.equal(err.index, x.index);
    if (typeof x.eventId === 'string') t.equal(err.event_id, x.eventId.slice(0, 128), `${x.case}: event_id echoed`);
    const ack = replies.find((m) => m.type === 'ack');
    if (x.code === 'invalid_event') t.match(ack, { accepted: 0 }, `${x.case}: acked with 0 accepted`);
  }
  t.match(
    c.received.find((m) => m.frame === last),
    { type: 'error', code: 'binary_frame' },
  );
  // Flush point: a valid event after all of them; its ack means everything before was handled.
  c.send(telemetry('After'));
  await c.next((m) => m.type === 'ack' && m.frame === last + 1);
  t.equal(await edge.count(), 1, 'only the one valid event was stored');
  t.notOk(
    live.received.some((m) => m.character_name !== 'After'),
    'nothing invalid reached the live feed',
  );
  t.ok(c.ws.readyState === c.ws.OPEN, 'the connection survives every invalid frame');
});

t.test('arrays mixing valid and invalid events: valid ones are stored, each invalid one gets its reply', async (t) => {
  const edge = await startEdgeApp();
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge, '?ack=1');
  const frame = [
    telemetry('Mix', { event_id: 'ok-1' }),
    { ...telemetry('Mix'), ew: 'x', event_id: 'bad-1' },
    chat('Mix'),
    null,
    { type: 'spawn', character_name: 'Mix', timestamp: 'yesterday', mob: 'Drudge', ew: 1, ns: 2 },
    telemetry('Mix', { event_id: 'ok-2' }),
  ];
  c.send(frame);
  const ack = await c.next((m) => m.type === 'ack');
  t.same(ack, { type: 'ack', frame: 1, accepted: 3, rejected: 3, event_ids: ['ok-1', 'ok-2'] });
  const errors = c.received.filter((m) => m.type === 'error');
  t.same(
    errors.map((e) => [e.index, e.code, e.errors[0].path, e.event_id]),
    [
      [1, 'invalid_event', '/ew', 'bad-1'],
      [3, 'invalid_event', '/', undefined],
      [4, 'invalid_event', '/timestamp', undefined],
    ],
  );
  t.equal(c.received.indexOf(ack), c.received.length - 1, 'errors come before the ack');
  t.equal((await edge.stored()).flatMap((m) => m.env.events).length, 2, 'two telemetry events stored; chat is not');
});

t.test('auth at upgrade: 401 without a socket for a missing or wrong secret', async (t) => {
  const edge = await startEdgeApp();
  t.teardown(() => edge.stop());
  for (const [what, url, headers] of [
    ['no secret', positionUrl(edge), {}],
    ['wrong header', positionUrl(edge), { 'X-Plugin-Secret': 'wrong-secret-123' }],
    ['secret prefix', positionUrl(edge), { 'X-Plugin-Secret': SECRET.slice(0, -1) }],
    ['wrong query', positionUrl(edge, '?secret=nope'), {}],
  ] as const) {
    const err = await openClient(url, headers).then(
      () => undefined,
      (e) => e,
    );
    t.equal(err?.status, 401, `${what}: HTTP 401`);
    t.match(JSON.parse(err?.body ?? '{}'), { error: { code: 'unauthorized' } });
  }
  const viaHeader = await openPlugin(edge);
  const viaQuery = await openClient(positionUrl(edge, `?secret=${encodeURIComponent(SECRET)}&ack=1`));
  viaQuery.send(telemetry('Q'));
  t.match(await viaQuery.next(), { type: 'ack', accepted: 1 }, 'query secret works');
  viaHeader.close();
  t.equal(await edge.count(), 1);
  t.match(
    await edge.app.rt.metrics.getSingleMetricAsString('tracker_edge_events_rejected_total'),
    /code="unauthorized"} 4/,
  );
});

t.test('oversize frames: too_large then close 1009; beyond the hard cap uWS closes alone', async (t) => {
  const edge = await startEdgeApp({ WS_MAX_PAYLOAD_BYTES: '4096' });
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge);
  c.send(JSON.stringify(telemetry('Big', { pad: 'x'.repeat(5000) })));
  const closed = await c.closed;
  t.equal(closed.code, 1009);
  t.match(c.received, [{ type: 'error', code: 'too_large', frame: 1 }]);
  const c2 = await openPlugin(edge);
  c2.send('x'.repeat(4096 * 2 + 1));
  const closed2 = await c2.closed;
  t.not(closed2.code, 1000, `closed by uWS (code ${closed2.code})`);
  t.same(c2.received, [], 'no reply beyond the hard cap');
  const ok = await openPlugin(edge, '?ack=1');
  ok.send(telemetry('Small'));
  await ok.next((m) => m.type === 'ack');
  t.equal(await edge.count(), 1, 'nothing of the big frames was stored');
});
