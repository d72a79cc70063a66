// import-sqlite end to end with real processes: a generated old-layout file holding
// every quirk -> JetStream -> ingest -> read API. A re-run adds nothing; a file that is
// not SQLite, or holds none of the old tables, exits 2 with one line.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import {
  TELEMETRY,
  SPAWNS,
  RARES,
  CHAT_ROWS,
  CHARACTERS,
  writeQuirksDb,
  stored,
  skipped,
  duplicates,
  type FixtureRow,
} from './quirks-db.js';
import { importEnv, runImport, byTable } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'import-test-'));
const file = join(dir, 'tracker.db');
writeQuirksDb(file);

const FROM = '2025-03-01T00:00:00Z';
const TO = '2025-03-02T00:00:00Z';
const names = (rows: FixtureRow[]) => [...new Set(stored(rows).map((r) => r.row.character_name as string))];

t.test('malformed files exit 2 with one clear line', async (t) => {
  const cfg = await testConfig();
  const notSqlite = join(dir, 'notes.db');
  writeFileSync(notSqlite, 'this is not a database, just text that is long enough to fill a header '.repeat(20));
  const bad = await runImport(importEnv(cfg), [notSqlite]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^import-sqlite: .*notes\.db is not an SQLite database \(file is not a database\)\n$/);
  const other = join(dir, 'other.db');
  const db = new Database(other);
  db.exec('create table stuff (a int)');
  db.close();
  const none = await runImport(importEnv(cfg), [other]);
  t.equal(none.code, 2);
  t.match(none.stderr, /^import-sqlite: .*other\.db holds none of the old app's tables .*found: stuff\n$/);
  const noRowid = join(dir, 'norowid.db');
  const nr = new Database(noRowid);
  nr.exec(
    'create table spawn_log (id integer primary key, character_name text, mob text, ew real, ns real, timestamp text) without rowid',
  );
  nr.close();
  const wr = await runImport(importEnv(cfg), [noRowid]);
  t.equal(wr.code, 2);
  t.match(
    wr.stderr,
    /^import-sqlite: .*table spawn_log cannot be read by rowid .*WITHOUT ROWID tables are not supported\n$/,
  );
  const missing = await runImport(importEnv(cfg), [join(dir, 'absent.db')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /no such file\n$/);
});

t.test('every quirk, counted through the read API; a re-run adds nothing', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest,api', API_RETENTION_INTERVAL_MS: '0' });
  const env = importEnv(cfg);

  const dry = await runImport(env, [file, '--dry-run']);
  t.equal(dry.code, 0, 'dry run exits 0');
  t.equal(
    byTable(dry.report, 'telemetry_log').imported,
    stored(TELEMETRY).length,
    'dry run validates as many events as the real run stores',
  );
  const since = '2025-03-01T10:00:05Z';
  const some = await runImport(env, [file, '--dry-run', '--tables', 'telemetry', '--since', since]);
  t.same(
    some.report.tables.map((x: { table: string }) => x.table),
    ['telemetry_log'],
    '--tables picks the tables',
  );
  t.equal(
    byTable(some.report, 'telemetry_log').imported,
    stored(TELEMETRY).filter((r) => Date.parse(r.utc!) >= Date.parse(since)).length,
    '--since keeps rows from that instant on',
  );
  const nc = await connect({ servers: cfg.NATS_URL! });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await t.rejects(jsm.streams.info(cfg.STREAM_NAME), 'the dry run published nothing (not even the stream exists)');

  const first = await runImport(env, [file]);
  t.equal(first.code, 0, `first import exits 0 (${first.stderr})`);
  for (const [table, rows] of [
    ['telemetry_log', TELEMETRY],
    ['spawn_log', SPAWNS],
    ['rare_log', RARES],
  ] as const) {
    const r = byTable(first.report, table);
    t.equal(r.read, rows.length, `${table}: every row read`);
    t.equal(r.imported, stored(rows).length, `${table}: importable rows imported`);
    t.equal(r.duplicates, duplicates(rows).length, `${table}: exact duplicates collapsed`);
    t.same(
      r.skippedRows.map((s: { reason: string }) => s.reason),
      skipped(rows).map((s) => s.skip),
      `${table}: skipped rows with their reasons`,
    );
    t.ok(r.complete);
  }
  t.same(byTable(first.report, 'telemetry_log').unknownColumns, ['extra_plugin_col']);
  t.same(byTable(first.report, 'rare_log').missingOptionalColumns, ['z']);
  t.same(
    first.report.notImported.map((x: { table: string; rows: number }) => [x.table, x.rows]),
    [
      ['chat_log', CHAT_ROWS],
      ['live_state', 1],
      ['sessions', 1],
    ],
  );
  t.same(
    first.report.unknownTables.map((x: { table: string }) => x.table),
    ['plugin_settings'],
  );

  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const get = async (path: string) => (await fetch(`http://127.0.0.1:${app.port}${path}`)).json() as Promise<any>;
  const q = (p: Record<string, string>) => new URLSearchParams({ from: FROM, to: TO, ...p }).toString();
  const history = (name: string) => get(`/history?${q({ character: name, bucket: 'raw' })}`);
  const expectedTimes = (name: string) =>
    stored(TELEMETRY)
      .filter((r) => r.row.character_name === name)
      .map((r) => r.utc)
      .sort();
  const allVisible = async () => {
    for (const name of names(TELEMETRY))
      if ((await history(name)).points.length < expectedTimes(name).length) return false;
    return (
      (await get(`/spawns?${q({})}`)).spawns.length >= stored(SPAWNS).length &&
      (await get(`/rares?${q({})}`)).rares.length >= stored(RARES).length
    );
  };
  await whenCaughtUp(allVisible, { what: 'imported rows visible in the API', timeoutMs: 60000 });

  const snapshot = async () => ({
    history: Object.fromEntries(
      await Promise.all(names(TELEMETRY).map(async (n) => [n, (await history(n)).points] as const)),
    ),
    spawns: (await get(`/spawns?${q({})}`)).spawns,
    rares: (await get(`/rares?${q({})}`)).rares,
  });
  const before = await snapshot();
  for (const name of names(TELEMETRY)) {
    t.same(
      before.history[name].map((p: { timestamp: string }) => p.timestamp),
      expectedTimes(name),
      `/history of ${name}: one point per distinct sample, every timestamp style converted to UTC`,
    );
  }
  const zoe = before.history[CHARACTERS.ZOE];
  t.same(
    zoe.map((p: { kills_per_hour: number | null }) => p.kills_per_hour),
    [12.5, null, 12.5, 12.5, 12.5, 12.5, 3.25],
    'kills_per_hour: decimal text -> number, N/A -> null',
  );
  // The old rows' session_id reaches the sessions (issue 24; docs/api.md "Sessions"): rows
  // this old land below the horizon, so they show after the API's next session refresh.
  const zoeTimes = expectedTimes(CHARACTERS.ZOE);
  const zoeSessions = async () => (await get(`/sessions?${q({ character: CHARACTERS.ZOE })}`)).sessions;
  await whenCaughtUp(async () => (await zoeSessions()).length > 0, { what: 'imported sessions', timeoutMs: 60000 });
  t.same(
    (await zoeSessions()).map((s: any) => [s.session_id, s.inferred, s.samples, s.start, s.end]),
    [['s-1', false, zoeTimes.length, zoeTimes[0], zoeTimes[zoeTimes.length - 1]]],
    "/sessions: the old rows' session_id is one session of their character",
  );
  t.equal(before.history[CHARACTERS.DRAGON][0].vt_state, '\ttabbed "state"', 'tabs and quotes survive');
  t.equal(before.history[CHARACTERS.DRAGON][0].char_tag, null, 'NULL stays null');
  t.same(
    before.spawns.map((s: { mob: string; timestamp: string }) => [s.mob, s.timestamp]).sort(),
    stored(SPAWNS)
      .map((s) => [s.row.mob, s.utc])
      .sort(),
    '/spawns: mob names with tabs, quotes, backslashes',
  );
  t.equal(
    before.spawns.find((s: { mob: string }) => s.mob.startsWith("O'Brien")).z,
    null,
    'NULL z of a spawn stays null',
  );
  t.same(
    before.rares.map((r: { name: string; z: number | null }) => [r.name, r.z]).sort(),
    stored(RARES)
      .map((r) => [r.row.name, null])
      .sort(),
    '/rares: z is null where the old table had no z column',
  );

  const streamBefore = (await jsm.streams.info(cfg.STREAM_NAME)).state.messages;
  const again = await runImport(env, [file]);
  t.equal(again.code, 0);
  t.equal(
    byTable(again.report, 'telemetry_log').read,
    0,
    'the re-run reads nothing: the checkpoint says every table is done',
  );
  t.equal(
    (await jsm.streams.info(cfg.STREAM_NAME)).state.messages,
    streamBefore,
    're-run: no new message in the stream',
  );

  // On the main thread this time (the first run mapped chunks on worker threads): the
  // messages must come out the same.
  const restart = await runImport(env, [file, '--restart', '--workers', '0']);
  t.equal(restart.code, 0);
  const rt = byTable(restart.report, 'telemetry_log');
  t.equal(rt.read, TELEMETRY.length, '--restart reads every row again');
  t.equal(
    rt.alreadyInStream,
    rt.imported,
    '--restart --workers 0: JetStream reports every message as a duplicate (same Nats-Msg-Ids as with workers)',
  );
  t.equal(
    (await jsm.streams.info(cfg.STREAM_NAME)).state.messages,
    streamBefore,
    '--restart: no new message in the stream',
  );
  t.same(await snapshot(), before, 'the read API answers exactly as before');
});
