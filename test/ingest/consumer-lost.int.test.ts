// The durable consumer deleted under a running ingest (an operator mistake, or a
// cluster losing it): the loop notices through the consume() status stream, re-creates
// the consumer and goes on; every event lands exactly once.
import t from 'tap';
import { jetstreamManager } from '@nats-io/jetstream';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig } from '../helpers/stack.js';
import { natsFor, dbFor, publish, telemetry, waitForCounts, counts } from './fixtures.js';

t.test('deleting the durable consumer mid-stream loses and duplicates nothing', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest' });
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL, 'consumer-lost'));
  t.teardown(() => app.stop());
  const nats = await natsFor(cfg);
  t.teardown(() => nats.close());
  const db = await dbFor(cfg);
  t.teardown(() => db.end());

  for (let i = 0; i < 20; i++) await publish(nats.js, cfg.SUBJECT_PREFIX, [telemetry('Lost Consumer', i)]);
  await waitForCounts(db, { telemetry: 20 });

  const jsm = await jetstreamManager(nats.nc);
  await jsm.consumers.delete(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
  for (let i = 20; i < 40; i++) await publish(nats.js, cfg.SUBJECT_PREFIX, [telemetry('Lost Consumer', i)]);

  // Re-created from the stream start (deliver all): the first 20 come again and are
  // ignored by the unique event key; the next 20 land.
  await waitForCounts(db, { telemetry: 40 }, 60000);
  t.equal((await counts(db)).telemetry, 40, 'each event exactly once');
  const info = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
  t.equal(info.name, cfg.CONSUMER_NAME, 'the durable consumer exists again');
});
