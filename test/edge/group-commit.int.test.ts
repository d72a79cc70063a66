// Batched mode groups by round-trip: while a character's message awaits its PubAck, the
// events that arrive for that character are sealed into ONE message when it returns.
import t from 'tap';
import { startEdgeApp, openPlugin, telemetry } from './helpers.js';
import { whenCaughtUp } from '../helpers/stack.js';

t.test('events arriving during a round-trip go out as one message, in order', async (t) => {
  // Flush at the end of every frame: without grouping, 50 frames would be 50 messages.
  const edge = await startEdgeApp({ EDGE_PUBLISH_MODE: 'batched', EDGE_BATCH_FLUSH_MS: '0' });
  t.teardown(() => edge.stop());
  const c = await openPlugin(edge, '?ack=1');
  t.teardown(() => c.close());
  // One burst: the first frame's publish is in flight while the other 49 are read.
  for (let i = 0; i < 50; i++) c.send(telemetry('Grouper', { event_id: `g-${i}`, ew: i }));
  await whenCaughtUp(() => c.received.filter((m) => m.type === 'ack').length === 50, { what: '50 acks' });
  const stored = await edge.stored();
  const events = stored.flatMap((s) => s.env.events as Array<{ ew: number }>);
  t.same(
    events.map((e) => e.ew),
    Array.from({ length: 50 }, (_, i) => i),
    'every event once, in order',
  );
  t.ok(stored.length < 10, `50 single-event frames became ${stored.length} messages`);
});
