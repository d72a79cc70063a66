// The page's DOM-free logic: reconnect backoff, URL state, trail ring buffer, store.
import t from 'tap';
import { backoffDelay, DEFAULT_BACKOFF } from '../../web/src/backoff.js';
import { readUrlState, writeUrlState, DEFAULT_STATE } from '../../web/src/url-state.js';
import { Trail } from '../../web/src/trail.js';
import { Store, LIMITS } from '../../web/src/store.js';
import { colorOf } from '../../web/src/colors.js';
import type { Telemetry } from '../../web/src/types.js';

/**
 * A live-feed telemetry message (docs/protocol.md §7), received when it was sent: the
 * store then measures staleness on its timestamp, as for a sample without `received_at`.
 */
const sample = (character_name: string, timestamp: string, ew: number, ns: number): Telemetry => ({
  type: 'telemetry',
  character_name,
  timestamp,
  received_at: timestamp,
  ew,
  ns,
  z: 0,
});

t.test('backoff: exponential, capped, jittered within ±30%', async (t) => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const exp = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt);
    t.equal(
      backoffDelay(attempt, DEFAULT_BACKOFF, () => 0),
      Math.round(exp * 0.7),
      `attempt ${attempt}: lowest`,
    );
    t.equal(
      backoffDelay(attempt, DEFAULT_BACKOFF, () => 1),
      Math.round(exp * 1.3),
      `attempt ${attempt}: highest`,
    );
  }
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
  t.ok(delays.size > 10, 'random jitter spreads reconnects');
});

t.test('URL state round-trips and ignores junk', async (t) => {
  const s = readUrlState(
    '?character=Sir%20Bob.%20Jr.&range=7d&layers=players,heat&heat=rares&heat_range=7d&trail=300&x=12.5&y=-3&zoom=20',
  );
  t.equal(s.character, 'Sir Bob. Jr.');
  t.equal(s.range, '7d');
  t.same([...s.layers], ['players', 'heat']);
  t.equal(s.heat, 'rares');
  t.equal(s.heatRange, '7d');
  t.equal(s.trail, 300);
  t.same(s.view, { cx: 12.5, cy: -3, scale: 20 });
  t.same(readUrlState(writeUrlState(s)), s, 'write then read gives the same state');
  const junk = readUrlState('?range=1y&layers=nope,trails&heat=x&trail=7&x=a&zoom=-1');
  t.equal(junk.range, DEFAULT_STATE.range, 'unknown range -> default');
  t.same([...junk.layers], ['trails'], 'unknown layers dropped');
  t.equal(junk.heat, 'spawns');
  t.equal(junk.trail, DEFAULT_STATE.trail);
  t.equal(junk.view, undefined);
  t.same([...readUrlState('?layers=').layers], [], 'an empty layer list is kept (all off)');
});

t.test('trail: ring buffer keeps the newest points in order', async (t) => {
  const tr = new Trail(3);
  for (let i = 1; i <= 5; i++) tr.push(i, -i, i * 1000);
  tr.push(99, 99, 2000); // older than the newest: ignored
  const got: number[][] = [];
  tr.forEachSince(0, (x, y, ts) => got.push([x, y, ts]));
  t.same(got, [
    [3, -3, 3000],
    [4, -4, 4000],
    [5, -5, 5000],
  ]);
  const since: number[] = [];
  tr.forEachSince(4000, (x) => since.push(x));
  t.same(since, [4, 5], 'window filter');
});

t.test('store: newest sample wins, markers dedupe, sort and cap', async (t) => {
  const st = new Store();
  st.applyTelemetry(sample('A', '2026-11-25T12:00:02Z', 2, 2));
  st.applyTelemetry(sample('A', '2026-11-25T12:00:01Z', 1, 1));
  t.equal(st.players.get('A')!.ew, 2, 'an older sample does not move the dot back');
  st.applyTelemetry(sample('B', 'not a time', 1, 1));
  t.notOk(st.players.has('B'), 'a sample without a valid time is ignored');
  const e = { character_name: 'A', timestamp: '2026-11-25T12:00:00Z', mob: 'Grub', ew: 1, ns: 1, z: null };
  st.addMarker('spawn', e);
  st.addMarker('spawn', e);
  st.addMarker('spawn', { ...e, timestamp: '2026-11-25T11:00:00Z' });
  t.same(
    st.markers.spawn.map((m) => m.tMs),
    [Date.parse('2026-11-25T11:00:00Z'), Date.parse('2026-11-25T12:00:00Z')],
    'deduped, oldest first',
  );
  for (let i = 0; i < LIMITS.markers + 5; i++)
    st.addMarker('rare', {
      character_name: 'A',
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      name: 'X',
      ew: 0,
      ns: 0,
      z: null,
    });
  t.equal(st.markers.rare.length, LIMITS.markers, 'capped');
  t.equal(st.markers.rare[0].tMs, Date.UTC(2026, 0, 1) + 5000, 'the oldest went first');
  t.equal(colorOf('Ann Lee'), colorOf('Ann Lee'), 'stable colour per name');
});

t.test('store: trail points from the snapshot go under the newest sample it already holds', async (t) => {
  const st = new Store();
  const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s)).toISOString();
  // The snapshot applies /live (the newest sample) first, then /trails (older points, and that sample again).
  st.applyTelemetry(sample('A', at(5), 5, 0));
  st.applyTrails([
    ...[1, 2, 3, 4, 5].map((s) => ({ character_name: 'A', timestamp: at(s), ew: s, ns: 0, z: 0 })),
    { character_name: 'Nobody', timestamp: at(1), ew: 9, ns: 9, z: 0 },
    { character_name: 'A', timestamp: 'not a time', ew: 9, ns: 9, z: 0 },
  ]);
  const got: number[] = [];
  st.players.get('A')!.trail.forEachSince(0, (x) => got.push(x));
  t.same(got, [1, 2, 3, 4, 5], 'the whole trail, oldest first, the newest sample once');
  t.notOk(st.players.has('Nobody'), 'points of players not in the snapshot are ignored');
  st.applyTelemetry(sample('A', at(6), 6, 0));
  got.length = 0;
  st.players.get('A')!.trail.forEachSince(0, (x) => got.push(x));
  t.same(got, [1, 2, 3, 4, 5, 6], 'live samples extend it');
});
