// /ws/live?coalesce_ms=N: positions arrive as the newest per character per tick; chat,
// spawns and rares are never coalesced; clients without the option still get every event.
import t from 'tap';
import { whenCaughtUp } from '../helpers/stack.js';
import { startEdgeApp, openPlugin, openLive, openClient, telemetry, chat, spawn } from './helpers.js';

t.test('coalesced positions: newest per character per tick, nothing else coalesced', async (t) => {
  const edge = await startEdgeApp({ EDGE_LIVE_MAX_COALESCE_MS: '2000' });
  t.teardown(() => edge.stop());
  const every = await openLive(edge);
  const coalesced = await openLive(edge, '?coalesce_ms=400');
  const oneChar = await openLive(edge, '?coalesce_ms=400&character=Ann');
  const plugin = await openPlugin(edge, '?ack=1');
  const frame = [
    ...Array.from({ length: 20 }, (_, n) => telemetry('Ann', { n })),
    ...Array.from({ length: 3 }, (_, n) => telemetry('Bo', { n })),
    ...Array.from({ length: 5 }, (_, n) => chat('Ann', { n })),
    spawn('Bo'),
  ];
  plugin.send(frame);
  await plugin.next((m) => m.type === 'ack' && m.frame === 1);
  const positions = (c: typeof every, name: string) =>
    c.received.filter((m) => m.type === 'telemetry' && m.character_name === name);
  await whenCaughtUp(() => positions(every, 'Ann').length === 20 && positions(every, 'Bo').length === 3, {
    what: 'uncoalesced client got every position',
  });
  await whenCaughtUp(() => positions(coalesced, 'Ann').at(-1)?.n === 19 && positions(coalesced, 'Bo').at(-1)?.n === 2, {
    what: 'coalesced client got the newest positions',
  });
  t.ok(
    positions(coalesced, 'Ann').length < 20,
    `coalesced: ${positions(coalesced, 'Ann').length} of 20 positions of Ann`,
  );
  t.ok(positions(coalesced, 'Ann')[0].received_at, 'messages keep their shape (received_at)');
  await whenCaughtUp(
    () =>
      coalesced.received.filter((m) => m.type === 'chat').length === 5 &&
      coalesced.received.some((m) => m.type === 'spawn'),
    { what: 'chat and spawn not coalesced' },
  );
  t.same(
    coalesced.received.filter((m) => m.type === 'chat').map((m) => m.n),
    [0, 1, 2, 3, 4],
    'every chat line, in order',
  );
  await whenCaughtUp(() => positions(oneChar, 'Ann').at(-1)?.n === 19, { what: 'character filter with coalescing' });
  t.equal(positions(oneChar, 'Bo').length, 0, 'the character filter still applies');
});

t.test('a bad coalesce_ms is refused with HTTP 400', async (t) => {
  const edge = await startEdgeApp({ EDGE_LIVE_MAX_COALESCE_MS: '1000' });
  t.teardown(() => edge.stop());
  for (const bad of ['abc', '-5', '1.5', '1001', '1e3']) {
    const err = await openClient(edge.url(`/ws/live?coalesce_ms=${bad}`)).then(
      () => undefined,
      (e: { status: number; body: string }) => e,
    );
    t.equal(err?.status, 400, `coalesce_ms=${bad}: 400`);
    t.match(err?.body, /coalesce_ms must be an integer from 0 to 1000/);
  }
  const ok = await openClient(edge.url('/ws/live?coalesce_ms=0'));
  t.pass('coalesce_ms=0 means no coalescing');
  ok.close();
});
