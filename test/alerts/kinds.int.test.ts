// Each kind fires after its period and resolves; a condition that flaps inside its
// period fires nothing; a death burst is one alert (docs/alerts.md "Kinds"). Event-time
// kinds are driven by the events' timestamps (no waiting); offline by the wall clock.
import t from 'tap';
import { alertsConfig, alertRows, checkpointSeq, iso, publisher, startAlertsProcess } from './fixtures.js';
import { whenCaughtUp } from '../helpers/stack.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const s = (n: number) => T0 + n * 1000;

t.test(
  'death, idle and client fire after their periods and resolve; flapping and bursts do not multiply',
  async (t) => {
    const cfg = await alertsConfig({ ALERT_MEM_MB_ABOVE: '500' });
    const proc = await startAlertsProcess(cfg);
    const pub = await publisher(cfg);
    t.teardown(async () => {
      await proc.stop();
      await pub.close();
    });
    // death: a burst of three within the 10 s grace, closed by a later event; then one more.
    await pub.telemetry('Dee', s(0), { deaths: 0 });
    await pub.telemetry('Dee', s(1), { deaths: 1 });
    await pub.telemetry('Dee', s(3), { deaths: 2 });
    await pub.telemetry('Dee', s(5), { deaths: 3 });
    await pub.telemetry('Dee', s(20), { deaths: 3 });
    await pub.telemetry('Dee', s(40), { deaths: 4 });
    await pub.telemetry('Dee', s(55), { deaths: 4 });
    // idle (60 s): Ida stands still 61 s, then moves; Flo moves every 50 s (flaps), never 60 s still.
    await pub.telemetry('Ida', s(0), { ew: 1, ns: 1, kills: 5 });
    await pub.telemetry('Ida', s(30), { ew: 1.2, ns: 1, kills: 5 });
    await pub.telemetry('Ida', s(61), { ew: 1.4, ns: 1, kills: 5 });
    await pub.telemetry('Ida', s(70), { ew: 3, ns: 1, kills: 5 });
    for (let i = 0; i <= 4; i++) await pub.telemetry('Flo', s(i * 50), { ew: i * 2, ns: 0, kills: 1 });
    // a kill with no move also ends idleness
    await pub.telemetry('Kim', s(0), { kills: 1 });
    await pub.telemetry('Kim', s(59), { kills: 2 });
    await pub.telemetry('Kim', s(118), { kills: 3 });
    // client (mem_mb > 500 for 10 s): a flap first, then over from s(6) to s(17), back under from s(20).
    for (const [n, mem] of [
      [0, 600],
      [5, 400],
      [6, 600],
      [17, 700],
      [20, 300],
      [25, 300],
      [31, 300],
    ] as const)
      await pub.telemetry('Cli', s(n), { mem_mb: mem });
    const last = await pub.telemetry('Cli', s(32), { mem_mb: 300 });
    await whenCaughtUp(async () => (await checkpointSeq(cfg)) >= last, { what: 'checkpoint' });

    const rows = await alertRows(cfg);
    const brief = rows.map((r) => [r.character_name, r.kind, r.started_at, r.resolved_at]);
    t.same(
      brief,
      [
        ['Ida', 'idle', iso(s(0)), iso(s(70))],
        ['Dee', 'death', iso(s(1)), iso(s(1))],
        ['Cli', 'client', iso(s(6)), iso(s(31))],
        ['Dee', 'death', iso(s(40)), iso(s(40))],
      ],
      'one death per burst, idle after 60 s still, client after 10 s over; Flo and Kim never idle',
    );
    const deaths = rows.filter((r) => r.kind === 'death').map((r) => r.detail);
    t.same(
      deaths,
      [
        { count: 3, deaths: 3 },
        { count: 1, deaths: 4 },
      ],
      'the burst carries its count',
    );
    t.same(
      rows.find((r) => r.kind === 'client')?.detail,
      {
        over: { mem_mb: 700 },
        thresholds: { mem_mb: 500 },
      },
      'the values of the sample that fired it',
    );
    t.same(rows.find((r) => r.kind === 'idle')?.detail, { ew: 1, ns: 1, kills: 5, after_seconds: 60 });
  },
);

t.test('offline fires on the wall clock after the absence and resolves when telemetry returns', async (t) => {
  const cfg = await alertsConfig({ ALERT_OFFLINE_AFTER_SECONDS: '1', ALERT_GRACE_SECONDS: '1' });
  const proc = await startAlertsProcess(cfg, { webhookUrls: ['https://hooks.example.test/a'] });
  const pub = await publisher(cfg);
  t.teardown(async () => {
    await proc.stop();
    await pub.close();
  });
  const lastSeen = Date.now();
  await pub.telemetry('Off', lastSeen, { deaths: 0 }, lastSeen);
  // A death with no event after it: the burst is closed by the clock, one grace after its arrival.
  await pub.telemetry('Off', lastSeen + 10, { deaths: 1 }, lastSeen + 10);
  const [offline] = await whenCaughtUp(
    async () => {
      const rows = await alertRows(cfg, "kind = 'offline'");
      return rows.length ? rows : undefined;
    },
    { what: 'offline alert' },
  );
  t.ok(Date.now() - (lastSeen + 10) >= 1000, 'not before the absence lasted ALERT_OFFLINE_AFTER_SECONDS');
  t.equal(offline.started_at, iso(lastSeen + 10), 'started at the last arrival');
  t.equal(offline.resolved_at, null, 'open while absent');
  const [death] = await alertRows(cfg, "kind = 'death'");
  t.equal(death?.started_at, iso(lastSeen + 10), 'the death burst closed by the clock');

  const back = Date.now();
  await pub.telemetry('Off', back, { deaths: 1 }, back);
  const [resolved] = await whenCaughtUp(
    async () => {
      const rows = await alertRows(cfg, "kind = 'offline' and resolved_at is not null");
      return rows.length ? rows : undefined;
    },
    { what: 'offline resolved' },
  );
  t.equal(resolved.resolved_at, iso(back), 'resolved at the arrival that ended the absence');
  t.equal((await alertRows(cfg, "kind = 'offline'")).length, 1, 'one offline alert for one absence');
  const notes = await import('./fixtures.js').then((f) =>
    f.sql(cfg, 'select alert_id, state, webhook_url, delivered_at from alert_notifications order by id'),
  );
  t.same(
    notes
      .map((n) => [n.alert_id, n.state, n.webhook_url, n.delivered_at])
      .sort((a, b) => (a[1] + a[0]).localeCompare(b[1] + b[0])),
    [
      [death.id, 'open', 'https://hooks.example.test/a', null],
      [offline.id, 'open', 'https://hooks.example.test/a', null],
      [offline.id, 'resolved', 'https://hooks.example.test/a', null],
    ].sort((a, b) => (String(a[1]) + a[0]).localeCompare(String(b[1]) + b[0])),
    'one outbox row per webhook per state change, in the same transactions, pending',
  );
});
