// Two consumer PROCESSES on the same durable (competing consumers) share the work and
// together store every event exactly once.
import t from 'tap';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import {
  childEnv,
  counts,
  dbFor,
  natsFor,
  publish,
  spawnEv,
  startChild,
  stopChild,
  telemetry,
  whenConsumerIdle,
} from './fixtures.js';

t.test('two competing consumer processes: exact counts', async (t) => {
  const cfg = await testConfig({ INGEST_BATCH_MAX_EVENTS: '100' });
  const nats = await natsFor(cfg);
  t.teardown(nats.close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const env = childEnv(cfg, { LOG_LEVEL: 'debug', INGEST_BATCH_MAX_WAIT_MS: '5' });
  const a = startChild(env);
  const b = startChild(env);
  t.teardown(() => Promise.all([stopChild(a), stopChild(b)]));
  await whenCaughtUp(() => /ingest consumer started/.test(a.output()) && /ingest consumer started/.test(b.output()), {
    what: 'both consumers started',
  });

  const P = cfg.SUBJECT_PREFIX;
  let tel = 0;
  const pubs: Promise<number>[] = [];
  for (let m = 0; m < 400; m++) {
    pubs.push(
      publish(
        nats.js,
        P,
        Array.from({ length: 4 }, (_, k) => telemetry(`Comp ${m % 9}`, tel + k)),
      ),
    );
    tel += 4;
    if (m % 4 === 0) pubs.push(publish(nats.js, P, [spawnEv(`Comp ${m % 9}`, m)]));
    if (pubs.length >= 64) await Promise.all(pubs.splice(0));
  }
  await Promise.all(pubs);
  await whenCaughtUp(async () => (await counts(db)).telemetry === tel, { what: `${tel} rows` });
  await whenConsumerIdle(nats.nc, cfg);
  t.same(
    await counts(db),
    { telemetry: 1600, spawn_events: 100, rare_events: 0 },
    'exactly once across both processes',
  );
  const batches = (out: string) => out.split('\n').filter((l) => l.includes('"batch written"')).length;
  t.ok(
    batches(a.output()) > 0 && batches(b.output()) > 0,
    `both processes wrote batches (${batches(a.output())} and ${batches(b.output())})`,
  );
});
