// /ws/live with a browser that stops reading: uWS skips it over WS_MAX_BACKPRESSURE_BYTES
// instead of buffering without bound, and the other browsers still get everything.
import t from 'tap';
import { whenCaughtUp } from '../helpers/stack.js';
import { startEdgeApp, openPlugin, openLive, chat } from './helpers.js';

t.test('a slow live client skips messages; fast ones get all of them', async (t) => {
  const edge = await startEdgeApp({ WS_MAX_BACKPRESSURE_BYTES: '65536' });
  t.teardown(() => edge.stop());
  const fast = await openLive(edge, '?types=chat', ['chat']);
  const slow = await openLive(edge, '?types=chat', ['chat']);
  (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  const plugin = await openPlugin(edge, '?ack=1');
  // 7.6 MB in all, far more than the socket buffers of the paused client can absorb,
  // in bursts (one frame's worth, ~38 kB) below WS_MAX_BACKPRESSURE_BYTES: a client
  // that reads is never over the limit, even when this process (which is also the
  // fast client) is slowed down by other work on the machine.
  const frames = 200;
  const perFrame = 20;
  const text = 'x'.repeat(1900);
  for (let f = 0; f < frames; f++) {
    plugin.send(Array.from({ length: perFrame }, (_, i) => chat('Talker', { text, n: f * perFrame + i })));
    await plugin.next((m) => m.type === 'ack' && m.frame === f + 1, 30000);
  }
  await whenCaughtUp(() => fast.received.length === frames * perFrame, {
    what: 'fast client got every chat line',
    timeoutMs: 30000,
  });
  t.same(
    fast.received.map((m) => m.n),
    Array.from({ length: frames * perFrame }, (_, i) => i),
    'in order, none missing',
  );
  (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  // After it resumes it gets what was buffered for it, then new messages again: send
  // markers until one arrives.
  const last = fast.received.length;
  let marker = 0;
  await whenCaughtUp(
    () => {
      plugin.send(chat('Talker', { text: 'marker', n: -++marker }));
      return slow.received.some((m) => m.n < 0);
    },
    { what: 'slow client caught up' },
  );
  const skippedTo = slow.received.filter((m) => m.n >= 0).length;
  t.ok(skippedTo < last, `slow client skipped messages (got ${skippedTo} of ${last})`);
  const h = (await (await fetch(`http://127.0.0.1:${edge.app.port}/health`)).json()) as {
    checks: { edge: { ok: boolean } };
  };
  t.ok(h.checks.edge.ok, 'edge healthy');
});
