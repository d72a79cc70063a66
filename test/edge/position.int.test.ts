// /ws/position against the real NATS of the harness: every stored type lands on its
// subject in the envelope, resends are stored once, chat only reaches /ws/live, and
// ack mode acks after JetStream stored the events.
import t from 'tap';
import { normalizeEvent, DEFAULT_NORMALIZE_OPTIONS } from '../../schemas/normalize.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventKey, messageId } from '../../src/shared/envelope.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { whenCaughtUp } from '../helpers/stack.js';
import {
  startEdgeApp,
  openPlugin,
  openClient,
  openLive,
  telemetry,
  spawn,
  rare,
  chat,
  type EdgeUnderTest,
} from './helpers.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8'));

for (const mode of ['batched', 'per-event'] as const) {
  t.test(`${mode}: every stored type lands on its subject, in the envelope, as sent`, async (t) => {
    const edge = await startEdgeApp({ EDGE_PUBLISH_MODE: mode });
    t.teardown(() => edge.stop());
    const c = await openPlugin(edge, '?ack=1');
    const sent = [...fixture('telemetry.valid.json'), ...fixture('spawn.valid.json'), ...fixture('rare.valid.json')];
    c.send(sent);
    // What the log holds: the event as sent, made canonical (a number sent as text is a number there).
    const canonical = (e: Record<string, unknown>) => normalizeEvent(e, DEFAULT_NORMALIZE_OPTIONS, () => '').event;
    const ack = await c.next((m) => m.type === 'ack');
    t.same(ack, {
      type: 'ack',
      frame: 1,
      accepted: sent.length,
      rejected: 0,
      event_ids: sent.filter((e) => e.event_id).map((e) => e.event_id),
    });
    t.same(
      c.received.filter((m) => m.type === 'error'),
      [],
      'no errors',
    );
    const stored = await edge.stored();
    const events = stored.flatMap((m) =>
      m.env.events.map((ev, i) => ({
        ev,
        id: m.env.ids[i],
        subject: m.subject,
        type: m.env.type,
        msgId: m.msgId,
        env: m.env,
      })),
    );
    t.equal(events.length, sent.length, 'each event stored once');
    for (const e of sent) {
      const got = events.find((x) => x.id === eventKey(canonical(e) as typeof e));
      t.ok(got, `stored: ${e.type} ${e.character_name}`);
      if (!got) continue;
      t.same(got.ev, canonical(e), 'event kept exactly as sent, made canonical');
      t.equal(got.subject, subjectFor(edge.cfg.SUBJECT_PREFIX, e.type, e.character_name));
      t.equal(got.type, e.type);
      t.equal(got.msgId, messageId(got.env.ids), 'Nats-Msg-Id = messageId(ids)');
      t.match(got.env.received_at, /^\d{4}-\d\d-\d\dT/);
    }
    if (mode === 'per-event') t.equal(stored.length, sent.length, 'one message per event');
    else t.ok(stored.length < sent.length, `events share messages per subject (${stored.length} messages)`);
    t.ok(
      stored.every((m) => new Set(m.env.events.map((e) => `${e.type}/${e.character_name}`)).size === 1),
      'one type and one character per message',
    );
  });
}

t.test(
  'resent events are stored once (same event_id; same content without one; other batch compositions)',
  async (t) => {
    const edge = await startEdgeApp();
    t.teardown(() => edge.stop());
    const c = await openPlugin(edge, '?ack=1');
    const withId = telemetry('Dup', { event_id: 'dup-1' });
    const noId = spawn('Dup');
    const newRare = rare('Dup');
    c.send([withId, noId]);
    await c.next((m) => m.type === 'ack' && m.frame === 1);
    t.equal(await edge.count(), 2);
    c.send(withId); // alone: another batch composition than the first time
    c.send({ ...withId, ew: 99 }); // same event_id, other content: the client says it is the same event
    c.send([noId, newRare]);
    c.send([noId, withId]);
    await c.next((m) => m.type === 'ack' && m.frame === 5);
    const ids = (await edge.stored()).flatMap((m) => m.env.ids);
    t.same(
      [...ids].sort(),
      [eventKey(withId), eventKey(noId), eventKey(newRare)].sort(),
      'telemetry and spawn once each, plus the new rare',
    );

    // A second edge (no shared cache) relies on JetStream's Nats-Msg-Id dedup.
    const c2 = await openPlugin(edge, '?ack=1');
    c2.send(withId);
    await c2.next((m) => m.type === 'ack');
    t.equal(await edge.count(), 3, 'still stored once');
  },
);

t.test('chat reaches /ws/live clients and no stream', async (t) => {
  const edge = await startEdgeApp();
  t.teardown(() => edge.stop());
  const all = await openLive(edge);
  const onlyChatOfAnn = await openLive(edge, '?types=chat&character=Ann%20Lee', ['chat']);
  const c = await openPlugin(edge, '?ack=1');
  const line = chat('Ann Lee', { text: 'hi from Ann', color: 5 });
  c.send([line, chat('Bob', { text: 'hi from Bob' }), telemetry('Ann Lee')]);
  const ack = await c.next((m) => m.type === 'ack');
  t.equal(ack.accepted, 3);
  const got = await all.next((m) => m.type === 'chat' && m.text === 'hi from Ann');
  t.same({ ...got, received_at: undefined }, { ...line, received_at: undefined }, 'the chat event as sent');
  t.match(got.received_at, /^\d{4}-/);
  await all.next((m) => m.type === 'telemetry' && m.character_name === 'Ann Lee');
  await onlyChatOfAnn.next((m) => m.text === 'hi from Ann');
  await all.next((m) => m.text === 'hi from Bob');
  t.notOk(
    onlyChatOfAnn.received.some((m) => m.character_name === 'Bob' || m.type !== 'chat'),
    'filters apply',
  );
  const stored = await edge.stored();
  t.equal(stored.length, 1, 'only the telemetry is stored');
  t.notOk(stored.some((m) => m.env.type === 'chat'));
  const streams = await edge.jsm.streams.list().next();
  const chatSubject = subjectFor(edge.cfg.SUBJECT_PREFIX, 'chat', 'Ann Lee');
  t.notOk(
    streams.some((s) =>
      s.config.subjects?.some((p) => p === chatSubject || p === `${edge.cfg.SUBJECT_PREFIX}.chat.>` || p === '>'),
    ),
    'no stream captures chat subjects',
  );
  all.close();
  onlyChatOfAnn.close();
  await whenCaughtUp(
    async () => {
      const h = (await (await fetch(`http://127.0.0.1:${edge.app.port}/health`)).json()) as {
        checks: { edge: { detail: { live_subscribed_types: string[]; live_connections: number } } };
      };
      return h.checks.edge.detail.live_subscribed_types.length === 0 && h.checks.edge.detail.live_connections === 0;
    },
    { what: 'live NATS subscriptions dropped with the last watcher' },
  );
  t.pass('no NATS live subscription without watchers');
});

t.test('without ack mode, valid events get no reply and are stored', async (t) => {
  const edge = await startEdgeApp();
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge);
  for (let i = 0; i < 50; i++) c.send(telemetry(`P${i % 5}`));
  await whenCaughtUp(async () => (await edge.stored()).flatMap((m) => m.env.ids).length === 50, {
    what: '50 events stored',
  });
  t.same(c.received, [], 'fire and forget');
  const live = await openClient(edge.url('/ws/live?types=Nope!'), {}).catch((e) => e);
  t.equal(live.status, 400, 'bad live filter is a 400');
});

t.test('stop() stores accepted events, then closes sockets with 1001', async (t) => {
  const edge: EdgeUnderTest = await startEdgeApp({ EDGE_BATCH_FLUSH_MS: '1000' });
  const c = await openPlugin(edge);
  const live = await openClient(edge.url('/ws/live'));
  c.send([telemetry('Late'), telemetry('Late')]);
  await whenCaughtUp(
    () => edge.app.rt.metrics.getSingleMetricAsString('tracker_edge_inflight_events').then((s) => / 2$/m.test(s)),
    { what: 'events buffered' },
  );
  await edge.app.stop();
  t.equal((await c.closed).code, 1001);
  t.equal((await live.closed).code, 1001);
  t.equal(await edge.count(), 1, 'the open batch was flushed before stopping');
  await edge.nc.close();
});

t.test('per-character order is kept with small batches and a tiny in-flight window', async (t) => {
  const edge = await startEdgeApp({
    EDGE_BATCH_MAX_EVENTS: '7',
    EDGE_MAX_INFLIGHT_PUBLISHES: '2',
    EDGE_BATCH_FLUSH_MS: '0',
  });
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge, '?ack=1');
  const names = ['Ord A', 'Ord B', 'Ord C', 'Ord D', 'Ord E'];
  const frames = 20;
  for (let f = 0; f < frames; f++)
    c.send(Array.from({ length: 50 }, (_, i) => telemetry(names[i % names.length], { seq: f * 50 + i })));
  await c.next((m) => m.type === 'ack' && m.frame === frames, 30000);
  t.equal(
    c.received.filter((m) => m.type === 'ack').reduce((a, m) => a + m.accepted, 0),
    frames * 50,
    'every event acked',
  );
  const stored = await edge.stored();
  t.ok(
    stored.every((m) => m.env.events.length <= 7),
    'batches respect EDGE_BATCH_MAX_EVENTS',
  );
  for (const name of names) {
    const seqs = stored
      .flatMap((m) => m.env.events)
      .filter((e) => e.character_name === name)
      .map((e) => e.seq as number);
    t.equal(seqs.length, frames * 10, `${name}: all stored`);
    t.same(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `${name}: stored in the order sent`,
    );
  }
});
