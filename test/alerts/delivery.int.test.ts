// The webhook sender against real PostgreSQL and a real HTTP receiver on loopback:
// bodies by URL, the Idempotency-Key, retries, Retry-After, giving up, isolation of a
// slow webhook, two senders, and the LISTEN connection coming back (docs/alerts.md "Webhooks").
import t, { type Test } from 'tap';
import { whenCaughtUp } from '../helpers/stack.js';
import {
  counterValue,
  notificationRows,
  outboxDb,
  raise,
  senderOptions,
  startReceiver,
  startSender,
} from './delivery-fixtures.js';

const DISCORD = '/api/webhooks/123/tok-en';
const SLACK = '/services/T0/B0/xyz';
const GENERIC = '/hooks/tracker';
/** Small waits so retries happen within a test. */
const FAST = { ALERT_WEBHOOK_BACKOFF_MIN_MS: '20', ALERT_WEBHOOK_BACKOFF_MAX_MS: '100', ALERT_WEBHOOK_POLL_MS: '100' };

async function setup(t: Test, answer?: Parameters<typeof startReceiver>[0]) {
  const db = await outboxDb();
  t.teardown(() => db.pool.end());
  const rx = await startReceiver(answer);
  t.teardown(rx.close);
  return { ...db, rx };
}

t.test('Discord, Slack and generic bodies; the Idempotency-Key; open before resolved; once each', async (t) => {
  const { pool, rx } = await setup(t);
  const urls = [DISCORD, SLACK, GENERIC].map((p) => rx.base + p);
  const { sender } = startSender(
    pool,
    senderOptions({ ALERT_WEBHOOK_URLS: urls.join(','), ALERT_DASHBOARD_URL: 'https://tracker.example/map/', ...FAST }),
  );
  t.teardown(sender.stop);
  const alert = { id: 'death:Bob <@everyone>:1', character: 'Bob <@everyone>', detail: { deaths: 2 } };
  await raise(pool, alert, urls);
  await raise(pool, { ...alert, resolvedAt: '2026-12-04T10:05:00Z' }, urls, 'resolved');
  await whenCaughtUp(() => rx.received.length === 6, { what: 'six requests' });

  const discord = rx.at(DISCORD);
  t.same(Object.keys(discord[0].body).sort(), ['allowed_mentions', 'content'], 'Discord gets {content}');
  t.match(
    discord[0].body.content,
    /^\[ALERT\] Bob <@everyone> died .*deaths=2 .*https:\/\/tracker\.example\/map\/\?character=Bob/,
  );
  t.same(discord[0].body.allowed_mentions, { parse: [] }, 'no mention a character name could smuggle is parsed');
  t.notMatch(discord[0].body.content, /\n/, 'one line');
  t.match(discord[1].body.content, /^\[RESOLVED\]/);
  const slack = rx.at(SLACK);
  t.same(Object.keys(slack[0].body), ['text'], 'Slack gets {text}');
  t.match(slack[0].body.text, /Bob &lt;@everyone&gt; died/, "Slack's control characters escaped");
  const generic = rx.at(GENERIC);
  t.same(generic[0].body, {
    id: alert.id,
    kind: 'death',
    state: 'open',
    character: 'Bob <@everyone>',
    started_at: '2026-12-04T10:00:00.000Z',
    resolved_at: null,
    detail: { deaths: 2 },
    dashboard_url: 'https://tracker.example/map/?character=Bob+%3C%40everyone%3E',
  });
  t.equal(generic[1].body.state, 'resolved');
  t.equal(generic[1].body.resolved_at, '2026-12-04T10:05:00.000Z');
  for (const path of [DISCORD, SLACK, GENERIC])
    t.same(
      rx.at(path).map((r) => r.key),
      [`${alert.id}:open`, `${alert.id}:resolved`],
      `${path}: keys, open first`,
    );
  await whenCaughtUp(async () => (await notificationRows(pool)).every((r) => r.delivered_at && r.attempts === 1));
  await sender.stop();
  t.equal(rx.received.length, 6, 'no repeat without a crash');
});

t.test('a webhook that fails twice, then succeeds: three requests, one key, delivered', async (t) => {
  const { pool, rx } = await setup(t, (_p, n) => (n < 2 ? { status: n === 0 ? 503 : 500 } : { status: 200 }));
  const { sender, metrics } = startSender(pool, senderOptions({ ALERT_WEBHOOK_URLS: rx.base + GENERIC, ...FAST }));
  t.teardown(sender.stop);
  await raise(pool, { id: 'a1' }, [rx.base + GENERIC]);
  const [row] = await whenCaughtUp(async () => {
    const rows = await notificationRows(pool);
    return rows[0]?.delivered_at ? rows : undefined;
  });
  t.equal(row.attempts, 3);
  t.equal(row.last_error, null);
  t.same(
    rx.received.map((r) => r.key),
    ['a1:open', 'a1:open', 'a1:open'],
  );
  t.equal(await counterValue(metrics, 'tracker_alert_webhook_attempts_total', { outcome: 'server_error' }), 2);
  t.equal(await counterValue(metrics, 'tracker_alert_webhook_delivered_total'), 1);
});

t.test("a 429's Retry-After is obeyed, and holds the other notifications to that webhook", async (t) => {
  const { pool, rx } = await setup(t, (_p, n) =>
    n === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 204 },
  );
  const { sender, metrics } = startSender(
    pool,
    senderOptions({ ALERT_WEBHOOK_URLS: rx.base + GENERIC, ALERT_WEBHOOK_CONCURRENCY: '1', ...FAST }),
  );
  t.teardown(sender.stop);
  await raise(pool, { id: 'r1' }, [rx.base + GENERIC]);
  await whenCaughtUp(() => rx.received.length === 1);
  await raise(pool, { id: 'r2' }, [rx.base + GENERIC]);
  await whenCaughtUp(() => rx.received.length === 3, { what: 'the retry and the second alert' });
  const [first, ...later] = rx.received;
  t.equal(first.key, 'r1:open');
  for (const r of later)
    t.ok(r.at - first.at >= 2000 - 15, `${r.key} came ${r.at - first.at} ms after the 429 (Retry-After: 2)`);
  t.equal(await counterValue(metrics, 'tracker_alert_webhook_attempts_total', { outcome: 'rate_limited' }), 1);
});

t.test('attempts exhausted: failed, counted, shown in /health, which stays ok; a 404 fails at once', async (t) => {
  const { pool, rx } = await setup(t, (p) => ({ status: p === '/gone' ? 404 : 502 }));
  const urls = [rx.base + GENERIC, `${rx.base}/gone`];
  const opts = senderOptions({ ALERT_WEBHOOK_URLS: urls.join(','), ALERT_WEBHOOK_MAX_ATTEMPTS: '3', ...FAST });
  const { sender, metrics, health } = startSender(pool, opts);
  t.teardown(sender.stop);
  await raise(pool, { id: 'f1' }, urls);
  const rows = await whenCaughtUp(async () => {
    const r = await notificationRows(pool);
    return r.every((x) => x.failed_at) ? r : undefined;
  });
  t.same(
    rows.map((r) => [r.attempts, r.delivered_at]),
    [
      [3, null],
      [1, null],
    ],
    '3 attempts on 502; a 404 is not retried',
  );
  t.match(rows[0].last_error, /^HTTP 502/);
  t.equal(rx.at(GENERIC).length, 3);
  t.equal(await counterValue(metrics, 'tracker_alert_webhook_failed_total'), 2);
  t.equal(await counterValue(metrics, 'tracker_alert_webhook_failed_total', { outcome: 'client_error' }), 1);
  const h = await health.run();
  t.equal(h.ok, true, '/health stays ok');
  const check = h.checks.alert_delivery;
  t.match(check.detail, { failed: 2, failed_last_day: 2, pending: 0, oldest_pending_age_s: null, webhooks: 2 });
  t.match(check.warning, /2 webhook notification\(s\) failed/);
});

t.test('a slow webhook and an unreachable one do not delay another', async (t) => {
  const { pool, rx } = await setup(t, (p) => (p === '/slow' ? 'hold' : { status: 204 }));
  const dead = 'http://127.0.0.1:9/nothing-listens';
  const urls = [`${rx.base}/slow`, dead, rx.base + GENERIC];
  const opts = senderOptions({
    ALERT_WEBHOOK_URLS: urls.join(','),
    ALERT_WEBHOOK_CONCURRENCY: '2',
    ALERT_WEBHOOK_TIMEOUT_MS: '3000',
    ...FAST,
  });
  const { sender, health } = startSender(pool, opts);
  t.teardown(sender.stop);
  for (let i = 0; i < 6; i++) await raise(pool, { id: `s${i}` }, urls.slice(0, 2));
  await whenCaughtUp(() => rx.at('/slow').length === 2, { what: 'the slow lane full' });
  const t0 = Date.now();
  await raise(pool, { id: 'fast' }, [rx.base + GENERIC]);
  await whenCaughtUp(() => rx.at(GENERIC).length === 1, { timeoutMs: 3000, what: 'the fast webhook served' });
  const ms = Date.now() - t0;
  t.ok(ms < 1000, `the other webhook got its request ${ms} ms after the commit, while the slow one holds its lane`);
  t.equal(rx.at('/slow').length, 2, 'the slow lane holds to its bound (ALERT_WEBHOOK_CONCURRENCY)');
  const h = await health.run();
  t.equal(h.ok, true);
  t.ok((h.checks.alert_delivery.detail?.pending as number) >= 6, 'the waiting ones are shown as pending');
});

t.test('two senders on one outbox: every notification delivered exactly once', async (t) => {
  const { pool, rx } = await setup(t);
  const urls = [rx.base + GENERIC, rx.base + DISCORD];
  const opts = senderOptions({ ALERT_WEBHOOK_URLS: urls.join(','), ...FAST });
  const a = startSender(pool, opts);
  const b = startSender(pool, opts);
  t.teardown(() => Promise.all([a.sender.stop(), b.sender.stop()]));
  const N = 40;
  await Promise.all(Array.from({ length: N }, (_, i) => raise(pool, { id: `two${i}` }, urls)));
  await whenCaughtUp(async () => (await notificationRows(pool)).every((r) => r.delivered_at), {
    what: 'all delivered',
  });
  await Promise.all([a.sender.stop(), b.sender.stop()]);
  const keys = rx.received.map((r) => `${r.path} ${r.key}`);
  t.equal(keys.length, 2 * N, `${keys.length} requests for ${2 * N} notifications`);
  t.equal(new Set(keys).size, 2 * N, 'none twice');
  const byA = await counterValue(a.metrics, 'tracker_alert_webhook_delivered_total');
  const byB = await counterValue(b.metrics, 'tracker_alert_webhook_delivered_total');
  t.equal(byA + byB, 2 * N, `split ${byA} / ${byB}`);
});

t.test('the LISTEN connection is killed: it comes back and wakes the sender without the poll', async (t) => {
  const { pool, rx } = await setup(t);
  const opts = senderOptions({ ALERT_WEBHOOK_URLS: rx.base + GENERIC, ALERT_WEBHOOK_POLL_MS: '600000' });
  const { sender, health } = startSender(pool, opts);
  t.teardown(sender.stop);
  const listening = async () => (await health.run()).checks.alert_delivery.detail?.listening === true;
  await whenCaughtUp(listening, { what: 'listening' });
  await raise(pool, { id: 'l1' }, [rx.base + GENERIC]);
  await whenCaughtUp(() => rx.received.length === 1, { timeoutMs: 5000, what: 'woken by NOTIFY' });
  const killed = await pool.query(
    "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'telemetry-tracker-alert-listen' and datname = current_database()",
  );
  t.equal(killed.rowCount, 1, 'the listener connection was terminated');
  await whenCaughtUp(async () => !(await listening()), { what: 'the drop noticed' }).catch(() => {});
  await whenCaughtUp(listening, { what: 'listening again' });
  await raise(pool, { id: 'l2' }, [rx.base + GENERIC]);
  await whenCaughtUp(() => rx.received.length === 2, { timeoutMs: 5000, what: 'woken by NOTIFY after the reconnect' });
  t.same(
    rx.received.map((r) => r.key),
    ['l1:open', 'l2:open'],
  );
});
