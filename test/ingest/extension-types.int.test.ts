// Extension types in the log (docs/protocol.md "Extension types"): ingest acks them
// without projecting and without dead letters, and once a release makes such a type a
// stored one, what the log kept under `<prefix>.ext.<type>.…` projects into its table
// (docs/adding-event-types.md "Projecting an extension type"; `spawn` stands in here).
import t from 'tap';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { extensionSubjectFor } from '../../src/shared/subjects.js';
import { encodeEnvelope, eventKey, messageId } from '../../src/shared/envelope.js';
import { testConfig } from '../helpers/stack.js';
import { counts, dbFor, natsFor, publish, publishRaw, spawnEv, waitForCounts, whenConsumerIdle } from './fixtures.js';

t.test('extension types: acked unprojected; a type a release projects is read from its ext subjects', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest', INGEST_BATCH_MAX_WAIT_MS: '20' });
  const { nc, js, close } = await natsFor(cfg);
  t.teardown(close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const P = cfg.SUBJECT_PREFIX;

  const vitals = { type: 'vitals', character_name: 'Ann', timestamp: new Date().toISOString(), health: 80 };
  const vitalsEnv = { v: 1, type: 'vitals', received_at: vitals.timestamp, ids: [eventKey(vitals)], events: [vitals] };
  await publishRaw(js, extensionSubjectFor(P, 'vitals', 'Ann'), JSON.stringify(vitalsEnv), messageId(vitalsEnv.ids));
  // A spawn the log kept as an extension type before `spawn` was projected.
  const old = spawnEv('Bob', 1);
  const oldEnv = {
    v: 1 as const,
    type: 'spawn' as const,
    received_at: vitals.timestamp,
    ids: [eventKey(old)],
    events: [old],
  };
  await publishRaw(js, extensionSubjectFor(P, 'spawn', 'Bob'), encodeEnvelope(oldEnv), messageId(oldEnv.ids));
  await publish(js, P, [spawnEv('Bob', 2)]);

  await waitForCounts(db, { spawn_events: 2 });
  await whenConsumerIdle(nc, cfg);
  t.same(await counts(db), { telemetry: 0, spawn_events: 2, rare_events: 0 }, 'vitals projected nowhere; both spawns');
  const { rows } = await db.query('select count(*)::int as n from dead_letters');
  t.equal(rows[0].n, 0, 'no dead letters: an extension type is not poison');
  const health = (await (await fetch(`http://127.0.0.1:${app.port}/health`)).json()) as any;
  t.equal(health.checks.ingest.detail.lag, 0, 'the consumer is caught up');
});
