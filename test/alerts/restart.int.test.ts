// The checkpoint (docs/alerts.md "Checkpoint"): a restarted alerts process resumes after
// the committed stream sequence with the state it had, so nothing is raised twice and
// what happened while it was down is raised once it is back.
import t from 'tap';
import type { Subscription } from '@nats-io/transport-node';
import { alertsConfig, alertRows, checkpointSeq, publisher, startAlertsProcess } from './fixtures.js';
import { whenCaughtUp } from '../helpers/stack.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const s = (n: number) => T0 + n * 1000;

/** Every live alert message on the prefix, in arrival order. */
function collect(sub: Subscription): { id: string; state: string }[] {
  const got: { id: string; state: string }[] = [];
  void (async () => {
    for await (const m of sub) got.push(m.json());
  })();
  return got;
}

t.test('a restart resumes after the checkpoint: no repeat, nothing missed', async (t) => {
  const cfg = await alertsConfig({ ALERT_GRACE_SECONDS: '0' });
  const pub = await publisher(cfg);
  const live = collect(pub.nc.subscribe(`${cfg.SUBJECT_PREFIX}.alert.>`));
  t.teardown(() => pub.close());

  let proc = await startAlertsProcess(cfg);
  await pub.telemetry('Rey', s(0), { deaths: 0, ew: 0 });
  await pub.telemetry('Rey', s(10), { deaths: 1, ew: 0 });
  // Idle starts at s(10)... and holds at s(80): raised before the restart, resolved after it.
  let last = await pub.telemetry('Rey', s(80), { deaths: 1, ew: 0 });
  await whenCaughtUp(async () => (await checkpointSeq(cfg)) >= last, { what: 'first checkpoint' });
  await whenCaughtUp(() => live.length >= 2, { what: 'two live alerts' });
  const before = await alertRows(cfg);
  t.same(
    before.map((r) => [r.kind, r.resolved_at === null]),
    [
      ['idle', true],
      ['death', false],
    ],
    'idle open and a death before the restart',
  );
  await proc.stop();

  // While it is down: a second death, and the move that resolves the idle alert.
  await pub.telemetry('Rey', s(90), { deaths: 2, ew: 5 });
  last = await pub.telemetry('Rey', s(95), { deaths: 2, ew: 5 });
  proc = await startAlertsProcess(cfg);
  t.teardown(() => proc.stop());
  await whenCaughtUp(async () => (await checkpointSeq(cfg)) >= last, { what: 'second checkpoint' });
  await whenCaughtUp(() => live.length >= 4, { what: 'four live messages' });

  const after = await alertRows(cfg);
  t.equal(after.length, 3, 'three alerts: the first death, the idle spell, the second death');
  t.same(
    after.filter((r) => before.some((b) => b.id === r.id && b.kind === 'death')),
    before.filter((b) => b.kind === 'death'),
    'the first death untouched',
  );
  t.ok(after.find((r) => r.kind === 'idle')?.resolved_at, 'the idle alert resolved by the move made while down');
  const keys = live.map((m) => `${m.id}:${m.state}`);
  t.equal(new Set(keys).size, keys.length, `no live message twice (${keys.length})`);
  t.equal(keys.length, 4, 'open idle, death, death, resolve idle');
  const detail = (await proc.health.run()).checks.alerts?.detail as Record<string, unknown>;
  t.equal(detail.role, 'leader', '/health shows the role');
  t.equal(detail.stream_seq, last, '/health shows the checkpointed sequence');
});
