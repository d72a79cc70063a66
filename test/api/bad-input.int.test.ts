// Bad query parameters get 400 `bad_request` naming the parameter; SQL injection in
// every string parameter is just an unmatched (or exactly matched) name; empty ranges
// and unknown characters answer empty lists; odd character names round-trip.
import t from 'tap';
import { startApiUnderTest, qs } from './helpers.js';
import { createApiPool, queryable } from '../../src/api/db.js';
import { apiOptions } from '../../src/config.js';
import { createLogger } from '../../src/shared/logger.js';
import {
  CHARACTERS,
  MOBS,
  historyBase,
  telemetryRows,
  eventRows,
  insertTelemetry,
  insertSpawns,
  insertLatest,
} from './fixtures.js';

const api = await startApiUnderTest({ API_MAX_ROWS: '50', API_LIVE_MAX_SECONDS: '600' });
t.teardown(() => api.stop());
const now = Date.now();
const base = historyBase(now);
const rows = telemetryRows(base, 30, 10_000);
await insertTelemetry(api.db, rows);
await insertLatest(
  api.db,
  CHARACTERS.map((_c, i) => ({ ...rows[i * 30 + 29], ts: new Date(now - 1000).toISOString() })),
);
const spawns = eventRows('spawn', base, 3_600_000, 80, 3);
await insertSpawns(api.db, spawns);
const iso = (ms: number) => new Date(ms).toISOString();

t.test('bad parameters: 400 bad_request naming the parameter', async (t) => {
  const cases: [string, string][] = [
    ['/live?seconds=abc', 'seconds'],
    ['/live?seconds=0', 'seconds'],
    ['/live?seconds=601', 'seconds'],
    ['/live?seconds=1.5', 'seconds'],
    ['/live?seconds=', 'seconds'],
    ['/live?seconds=10&seconds=20', 'seconds'],
    ['/live?secs=10', 'secs'],
    ['/history', 'character'],
    ['/history?character=', 'character'],
    ['/history?character=a&bucket=5m', 'bucket'],
    ['/history?character=a&from=yesterday', 'from'],
    ['/history?character=a&to=2026-01-01T00:00:00', 'to'],
    [`/history?character=a&from=${iso(now)}&to=${iso(now - 1000)}`, 'from'],
    [`/history?character=${'x'.repeat(257)}`, 'character'],
    ['/history?character=a%00b', 'character'],
    ['/trails?seconds=-5', 'seconds'],
    ['/trails?seconds=1e3', 'seconds'],
    ['/spawns?limit=0', 'limit'],
    ['/spawns?limit=51', 'limit'],
    ['/spawns?limit=ten', 'limit'],
    ['/spawns?name=x', 'name'],
    ['/spawns/heatmap?cell=0', 'cell'],
    ['/spawns/heatmap?cell=abc', 'cell'],
    ['/spawns/heatmap?cell=100000', 'cell'],
    ['/spawns/heatmap?cell=NaN', 'cell'],
    ['/rares?mob=x', 'mob'],
    ['/rares/heatmap?cell=-1', 'cell'],
    ['/openapi.json?x=1', 'x'],
  ];
  for (const [path, param] of cases) {
    const res = await api.get(path);
    t.equal(res.status, 400, `${path} -> 400`);
    t.equal(res.body.error?.code, 'bad_request', `${path} -> bad_request`);
    t.match(res.body.error?.message, `"${param}"`, `${path}: message names "${param}" (${res.body.error?.message})`);
  }
  const nf = await api.get('/livee');
  t.equal(nf.status, 404);
  t.equal(nf.body.error.code, 'not_found');
});

const INJECTIONS = [
  "' or '1'='1",
  "x'; drop table telemetry; --",
  '"; select pg_sleep(10); --',
  "\\'; delete from spawn_events; --",
  "a' union select * from pg_shadow --",
  "%' or 1=1 --",
  "Robert'); DROP TABLE player_latest;--",
];

t.test('SQL injection attempts in every string parameter are plain values', async (t) => {
  const counts = async () =>
    (
      await api.db.query(
        `select (select count(*) from telemetry)::int as t, (select count(*) from spawn_events)::int as s, (select count(*) from player_latest)::int as p`,
      )
    ).rows[0];
  const before = await counts();
  const range = { from: iso(base - 3_600_000), to: iso(base + 7_200_000) };
  for (const bad of INJECTIONS) {
    const paths: [string, string][] = [
      [`/history${qs({ character: bad, ...range })}`, 'points'],
      [`/history${qs({ character: bad, ...range, bucket: '1h' })}`, 'points'],
      [`/trails${qs({ character: bad })}`, 'trails'],
      [`/spawns${qs({ mob: bad, ...range })}`, 'spawns'],
      [`/spawns${qs({ character: bad, ...range })}`, 'spawns'],
      [`/spawns/heatmap${qs({ mob: bad, ...range })}`, 'cells'],
      [`/spawns/heatmap${qs({ mob: bad, ...range, cell: 0.3 + 0.01 })}`, 'cells'],
      [`/rares${qs({ name: bad, character: bad, ...range })}`, 'rares'],
      [`/rares/heatmap${qs({ name: bad, ...range })}`, 'cells'],
    ];
    for (const [path, key] of paths) {
      const res = await api.get(path);
      t.equal(res.status, 200, `${path} -> 200`);
      t.same(res.body[key], [], `${path}: nothing matches`);
    }
  }
  t.same(await counts(), before, 'no table was touched');
  // A mob whose name IS an injection string is found by exact match.
  const evil = MOBS[2];
  const got = await api.get(`/spawns${qs({ mob: evil, ...range, limit: 50 })}`);
  t.equal(
    got.body.spawns.length,
    spawns.filter((s) => s.mob === evil).length,
    'the injection-looking mob name matches exactly',
  );
  t.ok(got.body.spawns.length > 0);
});

t.test('empty ranges and unknown characters answer empty lists', async (t) => {
  const at = iso(base + 60_000);
  for (const path of [
    `/history${qs({ character: CHARACTERS[0], from: at, to: at })}`,
    `/history${qs({ character: CHARACTERS[0], from: at, to: at, bucket: '1d' })}`,
    `/history${qs({ character: 'nobody', from: iso(base), to: iso(base + 3_600_000) })}`,
    `/spawns${qs({ from: iso(base - 7_200_000), to: iso(base - 3_600_000) })}`,
    `/spawns/heatmap${qs({ from: at, to: at })}`,
    `/rares/heatmap${qs({ from: iso(base - 86_400_000), to: iso(base) })}`,
  ]) {
    const res = await api.get(path);
    t.equal(res.status, 200, path);
    const list = res.body.points ?? res.body.spawns ?? res.body.cells;
    t.same(list, [], `${path}: empty`);
    t.equal(res.body.truncated, false);
  }
});

t.test('character names with spaces, dots, apostrophes and unicode', async (t) => {
  for (const c of CHARACTERS) {
    for (const encode of [encodeURIComponent, (s: string) => encodeURIComponent(s).replace(/%20/g, '+')]) {
      const res = await api.get(
        `/history?character=${encode(c)}&from=${encodeURIComponent(iso(base))}&to=${encodeURIComponent(iso(base + 3_600_000))}&bucket=raw`,
      );
      t.equal(res.status, 200);
      t.equal(res.body.character, c, `${c} round-trips`);
      t.equal(res.body.points.length, 30, `${c}: all 30 samples`);
    }
  }
  const live = await api.get('/live');
  t.same(
    live.body.players.map((p: { character_name: string }) => p.character_name),
    [...CHARACTERS].sort(),
  );
});

t.test('row limits cut long results and say so', async (t) => {
  const res = await api.get(
    `/history${qs({ character: CHARACTERS[0], from: iso(base), to: iso(base + 3_600_000), bucket: 'raw' })}`,
  );
  t.equal(res.body.points.length, 30, 'under the limit');
  const heat = await api.get(`/spawns/heatmap${qs({ from: iso(base), to: iso(base + 3_600_000), cell: 0.1 })}`);
  t.equal(heat.body.cells.length, 50, 'API_MAX_ROWS cells');
  t.equal(heat.body.truncated, true);
  const sp = await api.get(`/spawns${qs({ from: iso(base), to: iso(base + 3_600_000) })}`);
  t.equal(sp.body.spawns.length, 50, 'default limit capped by API_MAX_ROWS');
  t.equal(sp.body.truncated, true);
});

t.test('a query over API_STATEMENT_TIMEOUT_MS is cancelled and answers unavailable', async (t) => {
  const database = { ...apiOptions(api.cfg).database, statementTimeoutMs: 100 };
  const pool = createApiPool(database, createLogger('silent'));
  t.teardown(() => pool.end());
  const err = await queryable(pool, database)
    .query('select pg_sleep(2)')
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  t.match(err, { code: 'unavailable', message: /API_STATEMENT_TIMEOUT_MS \(100 ms\)/ });
});
