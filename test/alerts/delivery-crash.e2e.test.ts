// SIGKILL of a process running the webhook sender while a request is in flight (after
// the outbox row committed, before its delivery was recorded): the restarted sender
// delivers it, with the same Idempotency-Key, and repeats nothing already delivered
// (docs/alerts.md "Webhooks", "What it guarantees").
import t from 'tap';
import { spawnMain } from '../helpers/main-process.js';
import { whenCaughtUp } from '../helpers/stack.js';
import { notificationRows, outboxDb, raise, startReceiver } from './delivery-fixtures.js';
import { READY } from './sender-main.js';

const ENTRY = 'test/alerts/sender-main.ts';
const TIMEOUT_MS = 2000;
/** leaseMs() in src/config/alert-delivery.ts for that timeout. */
const LEASE_MS = 2 * TIMEOUT_MS + 2000;

t.test('SIGKILL with a request in flight: delivered after the restart, same key; nothing else repeated', async (t) => {
  const { url, pool } = await outboxDb();
  t.teardown(() => pool.end());
  let killNow: () => void = () => {};
  const held = new Promise<void>((r) => {
    killNow = r;
  });
  const rx = await startReceiver((path, n) => {
    if (path === '/crash' && n === 0) {
      killNow();
      return 'hold';
    }
    return { status: 204 };
  });
  t.teardown(rx.close);
  const env = {
    ...process.env,
    DATABASE_URL: url,
    ALERT_WEBHOOK_URLS: `${rx.base}/calm,${rx.base}/crash`,
    ALERT_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    ALERT_WEBHOOK_POLL_MS: '200',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  };
  const doomed = spawnMain(env, [], { entry: ENTRY });
  t.teardown(() => doomed.child.kill('SIGKILL'));
  await whenCaughtUp(() => doomed.stderr().includes(READY), { what: 'the first sender ready' });
  await raise(pool, { id: 'calm' }, [`${rx.base}/calm`]);
  await whenCaughtUp(async () => (await notificationRows(pool))[0]?.delivered_at, { what: 'the calm one delivered' });
  await raise(pool, { id: 'k1' }, [`${rx.base}/crash`]);
  await held;
  doomed.child.kill('SIGKILL');
  t.equal((await doomed.exited).signal, 'SIGKILL', 'killed with the request in flight');
  const before = (await notificationRows(pool)).find((r) => r.alert_id === 'k1');
  t.match(before, { attempts: 1, delivered_at: null, failed_at: null }, 'claimed, not recorded as delivered');

  const survivor = spawnMain(env, [], { entry: ENTRY });
  t.teardown(() => survivor.child.kill('SIGKILL'));
  const row = await whenCaughtUp(
    async () => (await notificationRows(pool)).find((r) => r.alert_id === 'k1' && r.delivered_at),
    { what: 'delivered after the restart', timeoutMs: LEASE_MS + 10_000 },
  );
  t.equal(row.attempts, 2, 'the killed attempt counts');
  const crash = rx.at('/crash');
  t.same(
    crash.map((r) => r.key),
    ['k1:open', 'k1:open'],
    'the repeat carries the same Idempotency-Key',
  );
  t.same(crash[1].body, crash[0].body, 'and the same body');
  const gap = crash[1].at - crash[0].at;
  t.ok(
    gap >= LEASE_MS - 100,
    `retaken when its lease ran out: ${gap} ms after the first request (lease ${LEASE_MS} ms)`,
  );
  t.equal(rx.at('/calm').length, 1, 'what was delivered before the crash is not repeated');
  survivor.child.kill('SIGTERM');
  t.equal((await survivor.exited).code, 0, 'a clean stop');
  t.equal(rx.received.length, 3, 'nothing more after a clean stop');
});
