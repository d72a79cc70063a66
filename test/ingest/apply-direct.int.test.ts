// copy-direct: plain COPY on the hot path, and a batch that repeats already-stored
// events (redelivery, replay) falls back to staging instead of failing or dead-lettering.
import t from 'tap';
import pg from 'pg';
import { migrate } from '../../src/shared/migrate.js';
import { applyBatch } from '../../src/ingest/apply.js';
import { decodeMessage } from '../../src/ingest/decode.js';
import { encodeEnvelope } from '../../src/shared/envelope.js';
import { subjectFor } from '../../src/shared/subjects.js';
import { freshDatabase } from '../helpers/stack.js';
import { envelope, telemetry } from './fixtures.js';

const msg = (from: number, to: number, seq: number) => {
  const events = Array.from({ length: to - from }, (_, k) => telemetry('Direct', from + k));
  return decodeMessage(
    { prefix: 'tracker', maxMessageBytes: 1 << 20 },
    subjectFor('tracker', 'telemetry', 'Direct'),
    encodeEnvelope(envelope('telemetry', events)),
    seq,
  );
};

t.test('new rows go in by plain COPY; a batch with known rows is redone through staging', async (t) => {
  const url = await freshDatabase();
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());

  const first = await applyBatch(c, [msg(0, 10, 1)], { mode: 'copy-direct' });
  t.same(first.inserted, { telemetry: 10 });
  // Events 5..9 again (a redelivery) together with 10..14 (new): no error, only the new rows.
  const second = await applyBatch(c, [msg(5, 15, 2)], { mode: 'copy-direct' });
  t.same(second.events, { telemetry: 10 });
  t.same(second.inserted, { telemetry: 5 }, 'the known rows were skipped, the new ones stored');
  // The same event twice inside one batch.
  const third = await applyBatch(c, [msg(15, 16, 3), msg(15, 16, 4)], { mode: 'copy-direct' });
  t.same(third.inserted, { telemetry: 1 });
  const { rows } = await c.query('select count(*)::int as n, count(distinct event_key)::int as k from telemetry');
  t.same(rows[0], { n: 16, k: 16 });
  const { rows: latest } = await c.query('select kills from player_latest');
  t.same(latest, [{ kills: 15 }], 'player_latest has the newest event');
});
