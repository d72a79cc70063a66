// Poison messages end in dead_letters (and on the dead-letter subject) without
// blocking the good messages around them.
import t from 'tap';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { migrate } from '../../src/shared/migrate.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { encodeEnvelope } from '../../src/shared/envelope.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import {
  counts,
  dbFor,
  envelope,
  natsFor,
  publish,
  publishRaw,
  telemetry,
  spawnEv,
  whenConsumerIdle,
} from './fixtures.js';

t.test('poison: undecodable, wrong field type, refused by the database', async (t) => {
  const cfg = await testConfig({
    ROLES: 'ingest',
    INGEST_MAX_DELIVER: '3',
    INGEST_POISON_NAK_DELAY_MS: '50',
    INGEST_BATCH_MAX_WAIT_MS: '100',
  });
  const { nc, js, close } = await natsFor(cfg);
  t.teardown(close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const letters: { subject: string; reason: string; data: string }[] = [];
  const sub = nc.subscribe(`${cfg.SUBJECT_PREFIX}.deadletter.>`, {
    callback: (_e, m) => {
      letters.push({ subject: m.subject, reason: m.headers?.get('Tracker-Reason') ?? '', data: m.string() });
    },
  });
  t.teardown(() => sub.unsubscribe());

  // Published BEFORE the consumer starts, so good and bad land in the same batches.
  const P = cfg.SUBJECT_PREFIX;
  let good = 0;
  for (let i = 0; i < 20; i++) {
    await publish(js, P, [telemetry('Good', i), telemetry('Good', i + 100)]);
    good += 2;
  }
  const badJson = await publishRaw(js, subjectFor(P, 'telemetry', 'Bad'), '{"v":1,"type":"telem', 'poison-json');
  for (let i = 20; i < 40; i++) {
    await publish(js, P, [telemetry('Good', i)]);
    good += 1;
  }
  const wrongType = await publishRaw(
    js,
    subjectFor(P, 'telemetry', 'Bad'),
    encodeEnvelope(envelope('telemetry', [telemetry('Bad', 1, { kills: 'many' })])),
    'poison-type',
  );
  // Valid for the consumer's checks (the event schema included), refused by PostgreSQL:
  // a CHECK constraint an operator added stands in for any refusal only the database sees.
  await migrate(cfg.DATABASE_URL!, createLogger('silent'));
  await db.query(
    "alter table spawn_events add constraint test_refuses check (mob <> 'Refused by the database') not valid",
  );
  const refused = await publishRaw(
    js,
    subjectFor(P, 'spawn', 'Bad'),
    encodeEnvelope(envelope('spawn', [spawnEv('Bad', 1, { mob: 'Refused by the database' })])),
    'poison-db',
  );
  for (let i = 40; i < 60; i++) {
    await publish(js, P, [telemetry('Good', i)]);
    good += 1;
  }
  await publish(js, P, [spawnEv('Good', 1), spawnEv('Good', 2)]);

  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());

  const rows = (await whenCaughtUp(
    async () => {
      const { rows } = await db.query(
        "select stream_seq, subject, deliveries, reason, convert_from(payload, 'UTF8') as payload from dead_letters order by stream_seq",
      );
      return rows.length === 3 ? rows : undefined;
    },
    { what: 'three dead letters' },
  )) as Record<string, unknown>[];
  await whenConsumerIdle(nc, cfg);
  t.same(
    await counts(db),
    { telemetry: good, spawn_events: 2, rare_events: 0 },
    'every good event applied exactly once',
  );
  t.same(
    rows.map((r) => Number(r.stream_seq)),
    [badJson, wrongType, refused],
    'dead letters keep the stream sequence',
  );
  t.match(
    rows[0],
    {
      subject: subjectFor(P, 'telemetry', 'Bad'),
      deliveries: 1,
      reason: /undecodable envelope/,
      payload: '{"v":1,"type":"telem',
    },
    'bad JSON: dead-lettered at once',
  );
  t.match(
    rows[1],
    { deliveries: 1, reason: /events\[0\]\.kills must be an integer, got "many"/ },
    'wrong field type: dead-lettered at once',
  );
  t.match(
    rows[2],
    { subject: subjectFor(P, 'spawn', 'Bad'), deliveries: 3, reason: /database refused the message: .*test_refuses/ },
    'refused by the database: dead-lettered on delivery INGEST_MAX_DELIVER',
  );
  await whenCaughtUp(() => letters.length === 3, { what: 'dead letters published' });
  t.same(letters.map((l) => l.subject).sort(), [
    `${P}.deadletter.spawn`,
    `${P}.deadletter.telemetry`,
    `${P}.deadletter.telemetry`,
  ]);
  t.ok(
    letters.every((l) => l.reason.length > 0),
    'published dead letters carry their reason',
  );
  const metrics = await app.rt.metrics.getSingleMetricAsString('tracker_ingest_dead_letters_total');
  t.match(metrics, /tracker_ingest_dead_letters_total 3/);
  t.equal(
    (
      await (await import('@nats-io/jetstream')).jetstreamManager(nc).then((j) => j.streams.info(cfg.STREAM_NAME))
    ).config.subjects.some((s) => s.includes('deadletter')),
    false,
    'dead-letter subject is not captured by the stream',
  );
});
