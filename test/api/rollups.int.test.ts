// The maintained rollups (sql/150_maintained_rollups.sql) stay exact whatever ingest does:
// rows written through ingest's real apply path, re-applied (redelivery), arriving late
// into materialized buckets, and written by an ingest process that is SIGKILLed after
// COMMIT and before its acks. "Exact" = equal to the same aggregation computed from the
// raw rows now, column by column.
import t from 'tap';
import pg from 'pg';
import { migrate } from '../../src/shared/migrate.js';
import { applyBatch } from '../../src/ingest/apply.js';
import { readHistory } from '../../src/api/reads/telemetry.js';
import { readHeatmap, SPAWNS, RARES } from '../../src/api/reads/events.js';
import { refreshRollups } from '../../src/api/rollups.js';
import type { Queryable } from '../../src/api/db.js';
import { freshDatabase, testConfig } from '../helpers/stack.js';
import {
  telemetry,
  spawnEv,
  rareEv,
  publish,
  natsFor,
  dbFor,
  startChild,
  startFaultyChild,
  stopChild,
  childEnv,
  waitForCounts,
  whenConsumerIdle,
  decodedMessage,
} from '../ingest/fixtures.js';

const message = decodedMessage;

const as = (c: pg.Client): Queryable => ({
  query: async (text, params) => ({ rows: (await c.query(text, params)).rows }),
});

/** Every rollup level equals its aggregation from the raw rows, computed now. */
async function exact(t: Tap, c: pg.Client, what: string) {
  const q = async (sql: string) => (await c.query(sql)).rows;
  const truth = async (level: string) => {
    const [{ sql }] = await q(`select tracker_level_sql('${level}', 'true') as sql`);
    return sql as string;
  };
  const minute = await truth('telemetry_rollup_1m');
  t.same(
    await q('select * from telemetry_rollup_1m order by character_name, bucket'),
    await q(`${minute} order by character_name, bucket`),
    `${what}: telemetry 1m rollup = raw rows`,
  );
  // Hours and days straight from the raw rows (not from the minute level) for the columns that roll up.
  for (const [level, width] of [
    ['telemetry_rollup_1h', '1 hour'],
    ['telemetry_rollup_1d', '1 day'],
  ]) {
    t.same(
      await q(
        `select bucket, character_name, samples::int, last_ts, latency_ms_sum, latency_ms_max, kills::int from ${level} order by 2, 1`,
      ),
      await q(`select time_bucket('${width}', ts) as bucket, character_name, count(*)::int as samples, max(ts) as last_ts,
                      sum(latency_ms) as latency_ms_sum, max(latency_ms) as latency_ms_max, last(kills, ts)::int as kills
                 from telemetry group by 1, 2 order by 2, 1`),
      `${what}: ${level} = raw rows`,
    );
  }
  for (const [level, table, name] of [
    ['spawn_heat_1d', 'spawn_events', 'mob'],
    ['rare_heat_1d', 'rare_events', 'name'],
  ]) {
    t.same(
      await q(`select bucket, ${name}, cell_ew, cell_ns, events::int from ${level} order by 1, 2, 3, 4`),
      await q(`select time_bucket('1 day', ts) as bucket, ${name}, floor(ew) as cell_ew, floor(ns) as cell_ns, count(*)::int as events
                 from ${table} group by 1, 2, 3, 4 order by 1, 2, 3, 4`),
      `${what}: ${level} = raw rows`,
    );
  }
  for (const [level, table] of [
    ['spawn_heat_all_1d', 'spawn_events'],
    ['rare_heat_all_1d', 'rare_events'],
  ]) {
    t.same(
      await q(`select bucket, cell_ew, cell_ns, events::int from ${level} order by 1, 2, 3`),
      await q(`select time_bucket('1 day', ts) as bucket, floor(ew) as cell_ew, floor(ns) as cell_ns, count(*)::int as events
                 from ${table} group by 1, 2, 3 order by 1, 2, 3`),
      `${what}: ${level} = raw rows`,
    );
  }
  const [{ n }] = await q('select count(*)::int as n from tracker_rollup_dirty');
  t.equal(n, 0, `${what}: the dirty log is consumed`);
}
type Tap = { same: (...a: any[]) => boolean; equal: (...a: any[]) => boolean };

t.test('rollups through the apply path: redelivery, overlap, late rows', async (t) => {
  const url = await freshDatabase();
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());

  // Events every second from 2026-11-25T12:00Z (fixtures.at), far behind "now".
  const batch = (from: number, to: number) => [
    message(
      'telemetry',
      'Roll',
      Array.from({ length: to - from }, (_, k) => telemetry('Roll', from + k, { latency_ms: (from + k) % 17 })),
    ),
    message(
      'spawn',
      'Roll',
      Array.from({ length: Math.ceil((to - from) / 10) }, (_, k) => spawnEv('Roll', from + k * 10)),
    ),
    message('rare', 'Roll', [rareEv('Roll', from)]),
  ];
  await applyBatch(c, batch(0, 200), { mode: 'copy-direct' });
  t.ok(
    (await c.query('select count(*)::int as n from tracker_rollup_dirty')).rows[0].n > 0,
    'ingest logged the touched buckets',
  );
  const first = await refreshRollups(as(c));
  t.ok(first && first.telemetry_rollup_1m > 0, `the first refresh materialized ${JSON.stringify(first)}`);
  await exact(t, c, 'first batch');

  // Redelivery of the whole batch, and an overlapping batch (old + new rows), in every idempotent mode.
  await applyBatch(c, batch(0, 200), { mode: 'copy-direct' });
  await applyBatch(c, batch(150, 400), { mode: 'copy-staging' });
  await applyBatch(c, batch(350, 500), { mode: 'insert' });
  await refreshRollups(as(c));
  await exact(t, c, 'after redelivery and overlap');
  const {
    rows: [s],
  } = await c.query('select sum(samples)::int as samples from telemetry_rollup_1m');
  t.equal(s.samples, 500, 'each event counted once');

  // A late row inside an already materialized minute (hour, day) changes its bucket.
  await applyBatch(
    c,
    [
      message('telemetry', 'Roll', [
        telemetry('Roll', 30, { event_id: 'late-1', timestamp: '2026-11-25T12:00:30.500Z', latency_ms: 999 }),
      ]),
    ],
    { mode: 'copy-direct' },
  );
  const stale = await readHistory(
    as(c),
    'Roll',
    new Date('2026-11-25T12:00:00Z'),
    new Date('2026-11-25T12:01:00Z'),
    '1m',
    10,
  );
  t.not(
    (stale.rows[0] as { latency_ms_max: number }).latency_ms_max,
    999,
    'before the refresh the materialized minute is unchanged',
  );
  await refreshRollups(as(c));
  const fresh = await readHistory(
    as(c),
    'Roll',
    new Date('2026-11-25T12:00:00Z'),
    new Date('2026-11-25T12:01:00Z'),
    '1m',
    10,
  );
  t.equal((fresh.rows[0] as { latency_ms_max: number }).latency_ms_max, 999, 'the next refresh recomputed it');
  await exact(t, c, 'after a late row');

  // The heatmap from heat cells equals the raw count, over a range with partial hours at both ends.
  const from = new Date('2026-11-25T11:59:30Z'),
    to = new Date('2026-11-25T12:07:10Z');
  for (const kind of [SPAWNS, RARES]) {
    const map = await readHeatmap(as(c), kind, { from, to }, 2, 1000);
    const { rows } = await c.query(
      `select floor(ew / 2) * 2 as ew, floor(ns / 2) * 2 as ns, count(*)::float8 as count from ${kind.table}
      where ts >= $1 and ts < $2 group by 1, 2 order by 3 desc, 1, 2`,
      [from, to],
    );
    t.same(map.rows, rows, `${kind.table}: heatmap over heat cells = raw count`);
    const name = kind === SPAWNS ? 'Mob 10' : 'Rare 0';
    const one = await readHeatmap(as(c), kind, { from, to, name }, 1, 1000);
    const { rows: raw1 } = await c.query(
      `select floor(ew) as ew, floor(ns) as ns, count(*)::float8 as count from ${kind.table}
      where ts >= $1 and ts < $2 and ${kind.nameColumn} = $3 group by 1, 2 order by 3 desc, 1, 2`,
      [from, to, name],
    );
    t.ok(raw1.length > 0, `${kind.table}: ${name} has events in the range`);
    t.same(one.rows, raw1, `${kind.table}: one ${kind.nameColumn}, heat cells = raw count`);
  }
});

t.test('SIGKILL after COMMIT, before the acks: rollups exact after the redelivery', async (t) => {
  const cfg = await testConfig({ INGEST_BATCH_MAX_EVENTS: '200', INGEST_ACK_WAIT_SECONDS: '2' });
  const nats = await natsFor(cfg);
  t.teardown(nats.close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  for (let m = 0; m < 30; m++) {
    const who = `Kill ${m % 4}`;
    await publish(
      nats.js,
      cfg.SUBJECT_PREFIX,
      Array.from({ length: 20 }, (_, k) => telemetry(who, m * 20 + k, { latency_ms: k })),
    );
    await publish(nats.js, cfg.SUBJECT_PREFIX, [spawnEv(who, m * 20)]);
    await publish(nats.js, cfg.SUBJECT_PREFIX, [rareEv(who, m * 20)]);
  }
  const doomed = startFaultyChild(childEnv(cfg), 'exit-after-commit');
  t.equal((await doomed.exited).signal, 'SIGKILL', 'ingest was killed after its first COMMIT');
  // The first batch is committed, its messages unacked: refresh now, so the redelivery
  // below re-applies rows whose buckets are already materialized.
  await refreshRollups(as(db));
  const survivor = startChild(childEnv(cfg));
  t.teardown(() => stopChild(survivor));
  await waitForCounts(db, { telemetry: 600, spawn_events: 30, rare_events: 30 });
  await whenConsumerIdle(nats.nc, cfg);
  await refreshRollups(as(db));
  await exact(t, db, 'after the crash and redelivery');
  const {
    rows: [s],
  } = await db.query('select sum(samples)::int as n from telemetry_rollup_1d');
  t.equal(s.n, 600, 'every event counted once in the day rollup');
});
