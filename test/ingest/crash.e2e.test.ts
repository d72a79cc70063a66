// Exactly-once across crashes of REAL consumer processes (fault seams, test/helpers/seamed-main.ts):
// SIGKILL after COMMIT but before the acks, and SIGKILL in the middle of a COPY; a
// restarted consumer must end with row count == event count, per table.
import t from 'tap';
import { jetstreamManager } from '@nats-io/jetstream';
import { testConfig } from '../helpers/stack.js';
import {
  childEnv,
  counts,
  dbFor,
  natsFor,
  publish,
  rareEv,
  spawnEv,
  startChild,
  startFaultyChild,
  stopChild,
  telemetry,
  whenConsumerIdle,
  waitForCounts,
  type Nats,
} from './fixtures.js';
import type { Config } from '../../src/config.js';

const WANT = { telemetry: 600, spawn_events: 60, rare_events: 20 };

async function publishAll(n: Nats, cfg: Config): Promise<void> {
  const P = cfg.SUBJECT_PREFIX;
  for (let m = 0; m < 60; m++) {
    const who = `Crash ${m % 7}`;
    await publish(
      n.js,
      P,
      Array.from({ length: 10 }, (_, k) => telemetry(who, m * 10 + k)),
    );
    await publish(n.js, P, [spawnEv(who, m)]);
    if (m % 3 === 0) await publish(n.js, P, [rareEv(who, m)]);
  }
  // A resend of an already published message under another Nats-Msg-Id: still one row each.
  await publish(
    n.js,
    P,
    Array.from({ length: 10 }, (_, k) => telemetry('Crash 0', k)),
    { msgID: 'resend' },
  );
}

for (const fault of ['exit-after-commit', 'exit-mid-copy'] as const) {
  t.test(`SIGKILL ${fault}, restart: exactly once`, async (t) => {
    const cfg = await testConfig({ INGEST_BATCH_MAX_EVENTS: '200', INGEST_ACK_WAIT_SECONDS: '2' });
    const nats = await natsFor(cfg);
    t.teardown(nats.close);
    const db = await dbFor(cfg);
    t.teardown(() => db.end());
    await publishAll(nats, cfg);

    const doomed = startFaultyChild(childEnv(cfg), fault);
    const { signal } = await doomed.exited;
    t.equal(signal, 'SIGKILL', `the consumer process was killed by the fault hook (${fault})`);
    t.match(doomed.output(), `INGEST_FAULT=${fault}`);
    const jsm = await jetstreamManager(nats.nc);
    const info = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
    t.equal(info.ack_floor.stream_seq, 0, 'nothing was acked before the crash');
    const after = await counts(db);
    if (fault === 'exit-after-commit')
      t.ok(
        after.telemetry + after.spawn_events + after.rare_events > 0,
        `the first batch had committed (${JSON.stringify(after)})`,
      );
    else t.same(after, { telemetry: 0, spawn_events: 0, rare_events: 0 }, 'the interrupted COPY was rolled back');

    const survivor = startChild(childEnv(cfg));
    t.teardown(() => stopChild(survivor));
    await waitForCounts(db, WANT);
    await whenConsumerIdle(nats.nc, cfg);
    t.same(await counts(db), WANT, 'row count equals event count, per table');
    const {
      rows: [d],
    } = await db.query('select count(*)::int as n from dead_letters');
    t.equal(d.n, 0, 'nothing dead-lettered');
  });
}
