// Commit-to-request latency of the webhook sender (docs/alerts.md "Webhooks"): the
// time from the COMMIT of an alert with its outbox row to the receiver seeing the
// request, woken by LISTEN (the poll is set far off so it cannot help). One at a time,
// then a burst. The figures are printed as comments; the bounds are loose, for a
// shared 2-core machine.
import t from 'tap';
import { whenCaughtUp } from '../helpers/stack.js';
import { outboxDb, raise, senderOptions, startReceiver, startSender } from './delivery-fixtures.js';

const N = 200;

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const figures = (ms: number[]) =>
  `p50 ${quantile(ms, 0.5).toFixed(1)} ms, p95 ${quantile(ms, 0.95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`;

t.test(`commit to request, ${N} notifications one at a time, then ${N} in a burst`, async (t) => {
  const { pool } = await outboxDb();
  t.teardown(() => pool.end());
  const rx = await startReceiver();
  t.teardown(rx.close);
  const url = `${rx.base}/hook`;
  const { sender } = startSender(pool, senderOptions({ ALERT_WEBHOOK_URLS: url, ALERT_WEBHOOK_POLL_MS: '600000' }));
  t.teardown(sender.stop);
  await raise(pool, { id: 'warm-up' }, [url]);
  await whenCaughtUp(() => rx.received.length === 1);

  const committed = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    await raise(pool, { id: `one${i}` }, [url]);
    committed.set(`one${i}:open`, Date.now());
    await whenCaughtUp(() => rx.received.length === i + 2);
  }
  const single = rx.received.slice(1).map((r) => r.at - committed.get(r.key!)!);
  t.comment(`one at a time: ${figures(single)}`);
  t.ok(quantile(single, 0.95) < 1000, `p95 under 1 s (${figures(single)})`);

  const start = rx.received.length;
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      await raise(pool, { id: `burst${i}` }, [url]);
      committed.set(`burst${i}:open`, Date.now());
    }),
  );
  await whenCaughtUp(() => rx.received.length === start + N, { what: 'the burst delivered' });
  const burst = rx.received.slice(start).map((r) => r.at - committed.get(r.key!)!);
  t.comment(`burst of ${N} (ALERT_WEBHOOK_CONCURRENCY=4): ${figures(burst)}`);
  t.ok(quantile(burst, 0.95) < 15000, `p95 under 15 s (${figures(burst)})`);
});
