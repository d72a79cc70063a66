// `npm run replay -- --alerts` (docs/alerts.md "Rebuild"), run as users run it: the
// history the live role raised is rebuilt from the log with the same ids and times,
// marked `rebuilt`, its outbox rows stored as delivered (the receiver gets nothing), and
// the live role resumes after it without raising the past again.
import t from 'tap';
import { mainEnv, spawnMain } from '../helpers/main-process.js';
import { QUICK, alertsConfig, alertRows, checkpointSeq, publisher, sql, startAlertsProcess } from './fixtures.js';
import { startReceiver } from './delivery-fixtures.js';
import { whenCaughtUp } from '../helpers/stack.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const s = (n: number) => T0 + n * 1000;

t.test('replay --alerts rebuilds the same history, marks it delivered and sends nothing', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const hook = `${receiver.base}/hook`;
  const vars = {
    ALERT_OFFLINE_AFTER_SECONDS: '1',
    ALERT_MEM_MB_ABOVE: '500',
    ALERT_WEBHOOK_URLS: hook,
  };
  const cfg = await alertsConfig(vars);
  const pub = await publisher(cfg);
  t.teardown(() => pub.close());
  let proc = await startAlertsProcess(cfg, { webhookUrls: [hook] });

  // Event-time kinds: a death burst, an idle spell, a client spell; then an absence.
  for (const [n, f] of [
    [0, { deaths: 0, mem_mb: 100 }],
    [2, { deaths: 1, mem_mb: 600 }],
    [4, { deaths: 2, mem_mb: 600 }],
    [20, { deaths: 2, mem_mb: 650 }],
    [70, { deaths: 2, mem_mb: 650 }],
    [90, { deaths: 2, mem_mb: 100, ew: 50 }],
    [101, { deaths: 2, mem_mb: 100, ew: 50 }],
  ] as const)
    await pub.telemetry('Reb', s(n), f);
  await pub.telemetry('Gone', s(0));
  await whenCaughtUp(async () => (await alertRows(cfg, "kind = 'offline'")).length >= 2, { what: 'offline' });
  const last = await pub.telemetry('Gone', s(1));
  await whenCaughtUp(async () => (await checkpointSeq(cfg)) >= last, { what: 'evaluated' });
  // Gone came back and fell silent again: both absent when the live role stops.
  await whenCaughtUp(async () => (await alertRows(cfg, "kind = 'offline' and resolved_at is null")).length === 2, {
    what: 'Reb and Gone away',
  });
  await proc.stop();
  const live = await alertRows(cfg);
  t.same(
    live.map((r) => r.kind).sort(),
    ['client', 'death', 'idle', 'offline', 'offline', 'offline'],
    'the live role raised every kind',
  );

  const env = mainEnv(cfg, { ...QUICK, ...vars, LOG_LEVEL: 'warn' });
  const rebuild = spawnMain(env, ['replay', '--alerts']);
  const { code } = await rebuild.exited;
  t.equal(code, 0, `replay --alerts exits 0 ${rebuild.stderr()}`);
  t.match(rebuild.stdout(), /"alerts_rebuild":\{[^}]*"alerts":6/, 'it reports what it rebuilt');

  const rebuilt = await alertRows(cfg);
  const strip = (rows: typeof live) => rows.map(({ rebuilt: _r, ...rest }) => rest);
  t.same(strip(rebuilt), strip(live), 'the same ids, times and details');
  t.ok(
    rebuilt.every((r) => r.rebuilt),
    'every row marked rebuilt',
  );
  const notes = await sql(cfg, 'select state, delivered_at from alert_notifications');
  t.equal(notes.length, 9, 'one notification per state change (a death is one)');
  t.ok(
    notes.every((n) => n.delivered_at !== null),
    'all stored as delivered',
  );
  t.equal(receiver.received.length, 0, 'nothing sent');

  // The live role resumes from the rebuilt checkpoint: the past is not raised again.
  proc = await startAlertsProcess(cfg, { webhookUrls: [hook] });
  t.teardown(() => proc.stop());
  const next = await pub.telemetry('Reb', s(200), { deaths: 3, ew: 50 });
  await whenCaughtUp(async () => (await checkpointSeq(cfg)) >= next, { what: 'resumed' });
  t.same(await alertRows(cfg, 'not rebuilt'), [], 'nothing of the past is raised again');
  const reb = await alertRows(cfg, "character_name = 'Reb' and kind = 'offline'");
  t.equal(reb.length, 1);
  t.ok(reb[0].rebuilt && reb[0].resolved_at !== null, "Reb's return resolves its rebuilt absence");
  const pending = await sql(cfg, 'select state from alert_notifications where delivered_at is null');
  t.same(
    pending.map((n) => n.state),
    ['resolved'],
    'the one new notification waits for the sender',
  );

  const busy = spawnMain(env, ['replay', '--alerts']);
  t.equal((await busy.exited).code, 1, 'with an alerts process running, the rebuild refuses');
  t.match(busy.stderr(), /stop every process with the alerts role/);
});
