// The evaluator's time rules (docs/alerts.md "Time" and "Mutes"), one sample at a time:
// late events, counter restarts, kinds switched off, mutes held through a condition.
import t from 'tap';
import { Evaluator, type EvaluationOptions } from '../../src/alerts/evaluate.js';
import { alertId } from '../../src/alerts/alert-id.js';
import { anyPattern, muteTest } from '../../src/alerts/mutes.js';
import type { AlertChange, Sample } from '../../src/alerts/types.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const OPTS: EvaluationOptions = {
  kinds: ['death', 'offline', 'idle', 'client'],
  graceMs: 0,
  offlineAfterMs: 300_000,
  idleAfterMs: 60_000,
  idleDistance: 1,
  thresholds: {},
};
const at = (sec: number, f: Partial<Sample> = {}): Sample => ({
  character: 'Ann',
  ts: T0 + sec * 1000,
  receivedAt: T0 + sec * 1000,
  ew: 0,
  ns: 0,
  ...f,
});
const run = (ev: Evaluator, samples: Sample[]) => {
  const out: AlertChange[] = [];
  for (const s of samples) ev.apply(s, out);
  return out.map((c) => `${c.op} ${c.alert.kind}`);
};

t.test('a late event proves the character reports and changes nothing else', async (t) => {
  const ev = new Evaluator(OPTS);
  t.same(run(ev, [at(0, { deaths: 0 }), at(10, { deaths: 0 }), at(5, { deaths: 3, ew: 50 })]), []);
  t.equal(ev.characters.get('Ann')?.deaths, 0, 'its counters are not taken');
  t.equal(ev.characters.get('Ann')?.lastReceivedAt, T0 + 10_000, 'its arrival counts as no older than the newest');
  t.same(run(ev, [at(70, { deaths: 0 })]), ['open idle'], 'and its position did not reset the idle clock');
});

t.test('a falling counter is a new session: no death, and the next rise counts from it', async (t) => {
  const ev = new Evaluator(OPTS);
  t.same(run(ev, [at(0, { deaths: 5 }), at(1, { deaths: 0, ew: 2 }), at(2, { deaths: 1, ew: 4 })]), ['open death']);
});

t.test('a kind switched off raises nothing; the others still do', async (t) => {
  const ev = new Evaluator({ ...OPTS, kinds: ['idle'] });
  t.same(run(ev, [at(0, { deaths: 0 }), at(61, { deaths: 1 })]), ['open idle']);
});

t.test('a mute set during a condition holds it silently until it resolves', async (t) => {
  const ev = new Evaluator(OPTS);
  ev.setMutes(muteTest([{ character: 'a*', kinds: ['idle'] }]));
  t.same(run(ev, [at(0), at(61)]), [], 'muted: nothing raised');
  ev.setMutes(muteTest([]));
  t.same(run(ev, [at(62)]), [], 'unmuted mid-condition: still nothing');
  t.same(run(ev, [at(63, { ew: 5 }), at(130, { ew: 5 })]), ['open idle'], 'the next spell is raised');
});

t.test('offline: an absence the clock did not see is raised and resolved at the return', async (t) => {
  const ev = new Evaluator(OPTS);
  const out: AlertChange[] = [];
  ev.apply(at(0), out);
  ev.apply(at(400, { ew: 9 }), out);
  t.same(
    out.map((c) => [c.op, c.alert.kind, c.alert.startedAt, c.alert.resolvedAt]),
    [
      ['open', 'offline', T0, null],
      ['resolve', 'offline', T0, T0 + 400_000],
    ],
  );
  t.equal(out[0].alert.id, alertId('Ann', 'offline', T0), 'the id a tick would have given');
});

t.test('patterns: `*` is any text, case-insensitive; other characters are literal', async (t) => {
  const m = anyPattern(['Bot *', 'a.b', 'zed']);
  t.same(['Bot 7', 'bot x', 'Bot', 'a.b', 'axb', 'ZED', 'zedd'].map(m), [true, true, false, true, false, true, false]);
});
