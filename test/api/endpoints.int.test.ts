// Every read endpoint against deterministic rows in a real TimescaleDB (the harness's,
// Apache build: the aggregates are plain views there; the same SQL on continuous
// aggregates is compared in aggregate-modes.int.test.ts). Expected values are computed
// in fixtures.ts from the inserted rows.
import t from 'tap';
import * as R from '../../src/api/schemas/responses.js';
import { startApiUnderTest, schemaErrors, qs } from './helpers.js';
import {
  CHARACTERS,
  MOBS,
  RARE_NAMES,
  historyBase,
  telemetryRows,
  eventRows,
  insertTelemetry,
  insertSpawns,
  insertRares,
  insertLatest,
  expectedBuckets,
  expectedCells,
  type TelemetryRow,
  type EventRow,
} from './fixtures.js';

const api = await startApiUnderTest();
t.teardown(() => api.stop());

const HOUR = 3_600_000,
  MIN = 60_000,
  DAY = 86_400_000;
const now = Date.now();
const base = historyBase(now);
// ~27 h of samples every 45 s per character, spanning two UTC days.
const history = telemetryRows(base + 20 * HOUR, 2200, 45_000);
// Recent positions for /trails: every 30 s, 15 s off the boundaries, for two characters.
const recent: TelemetryRow[] = telemetryRows(0, 25, 0)
  .filter((r) => r.character_name !== CHARACTERS[2])
  .map((r, i) => ({ ...r, ts: new Date(now - 15_000 - (i % 25) * 30_000).toISOString() }));
const latest = CHARACTERS.map((c, i) => ({
  ...history[i * 2200],
  character_name: c,
  ts: new Date(now - [5_000, 12_000, 200_000][i]).toISOString(),
}));
const spawnStart = base + 10 * HOUR + 20 * MIN;
const spawns = eventRows('spawn', spawnStart, 6 * HOUR, 600, 42);
const rares = eventRows('rare', spawnStart, 6 * HOUR, 150, 7);
await insertTelemetry(api.db, [...history, ...recent]);
await insertLatest(api.db, latest);
await insertSpawns(api.db, spawns);
await insertRares(api.db, rares);

const iso = (ms: number) => new Date(ms).toISOString();
const ok = async (
  t: { equal: (...args: any[]) => boolean },
  path: string,
  schema: Parameters<typeof schemaErrors>[0],
) => {
  const res = await api.get(path);
  t.equal(res.status, 200, `${path} answers 200 (${JSON.stringify(res.body).slice(0, 200)})`);
  t.equal(schemaErrors(schema, res.body), undefined, `${path} matches its response schema`);
  return res.body;
};

t.test('/live: latest telemetry of characters seen in the last seconds', async (t) => {
  const strip = (p: Record<string, unknown>) => {
    const { received_at: _, ...rest } = p;
    return rest;
  };
  const fields = (r: TelemetryRow) => {
    const { ts, ...rest } = r;
    return { ...rest, timestamp: ts };
  };
  const byName = (rows: TelemetryRow[]) =>
    [...rows].sort((a, b) => (a.character_name < b.character_name ? -1 : 1)).map(fields);
  const d = await ok(t, '/live', R.LiveResponse);
  t.same(d.players.map(strip), byName(latest.slice(0, 2)), 'default 30 s: the two recent characters, every field');
  t.equal(d.truncated, false);
  const all = await ok(t, '/live?seconds=300', R.LiveResponse);
  t.same(all.players.map(strip), byName(latest), 'seconds=300: all three');
});

t.test('/trails: positions ordered by character then time', async (t) => {
  const expected = (character?: string) =>
    recent
      .filter((r) => Date.parse(r.ts) > now - 600_000 && (!character || r.character_name === character))
      .sort((a, b) =>
        a.character_name === b.character_name
          ? Date.parse(a.ts) - Date.parse(b.ts)
          : a.character_name < b.character_name
            ? -1
            : 1,
      )
      .map((r) => ({ character_name: r.character_name, timestamp: r.ts, ew: r.ew, ns: r.ns, z: r.z }));
  const d = await ok(t, '/trails', R.TrailsResponse);
  t.same(d.trails, expected(), 'default 600 s');
  t.equal(d.trails.length, 2 * 20);
  const one = await ok(t, `/trails${qs({ seconds: 300, character: CHARACTERS[1] })}`, R.TrailsResponse);
  t.same(
    one.trails,
    expected(CHARACTERS[1]).filter((p) => Date.parse(p.timestamp) > now - 300_000),
    'one character (spaces and dots), 300 s',
  );
  const none = await ok(t, `/trails${qs({ character: CHARACTERS[2] })}`, R.TrailsResponse);
  t.same(none.trails, [], 'a character with no recent positions');
});

t.test('/history raw and bucketed, explicit and automatic', async (t) => {
  const c = CHARACTERS[2]; // unicode, spaces, apostrophe
  const from = base + 21 * HOUR + 13 * MIN + 7_000,
    to = from + 20 * MIN;
  const raw = await ok(
    t,
    `/history${qs({ character: c, from: iso(from), to: iso(to), bucket: 'raw' })}`,
    R.HistoryResponse,
  );
  const rawExpected = history
    .filter((r) => r.character_name === c && Date.parse(r.ts) >= from && Date.parse(r.ts) < to)
    .map(({ ts, character_name: _, ...rest }) => ({ timestamp: ts, ...rest }));
  t.same(raw.points, rawExpected, 'raw: every sample in [from, to), all fields');
  t.match(raw, { character: c, bucket: 'raw', from: iso(from), to: iso(to), truncated: false });

  for (const [bucket, width, span] of [
    ['1m', MIN, 3 * HOUR],
    ['1h', HOUR, 30 * HOUR],
    ['1d', DAY, 3 * DAY],
  ] as const) {
    const f = base + 20 * HOUR + 30 * MIN,
      tt = f + span;
    const d = await ok(t, `/history${qs({ character: c, from: iso(f), to: iso(tt), bucket })}`, R.HistoryResponse);
    const exp = expectedBuckets(history, c, width, f, tt);
    t.ok(exp.length > 1, `${bucket}: ${exp.length} buckets expected`);
    t.same(d.points, exp, `${bucket}: last position/counters and avg/max per bucket`);
  }

  for (const [span, bucket] of [
    [10 * MIN, 'raw'],
    [2 * HOUR, '1m'],
    [3 * DAY, '1h'],
    [100 * DAY, '1d'],
  ] as const) {
    const d = await ok(t, `/history${qs({ character: c, from: iso(now - span), to: iso(now) })}`, R.HistoryResponse);
    t.equal(d.bucket, bucket, `no bucket over ${span / MIN} min picks ${bucket}`);
  }
  const dflt = await ok(t, `/history${qs({ character: CHARACTERS[0] })}`, R.HistoryResponse);
  t.equal(dflt.bucket, '1m', 'default range (24 h) picks 1m');
  t.equal(Date.parse(dflt.to) - Date.parse(dflt.from), 86_400_000, 'default range is API_DEFAULT_RANGE_SECONDS');
});

const eventsExpected = (
  rows: EventRow[],
  key: 'mob' | 'name',
  from: number,
  to: number,
  f: { name?: string; character?: string },
  limit: number,
) =>
  rows
    .filter(
      (r) =>
        Date.parse(r.ts) >= from &&
        Date.parse(r.ts) < to &&
        (!f.name || r[key] === f.name) &&
        (!f.character || r.character_name === f.character),
    )
    .sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts))
    .slice(0, limit)
    .map((r) => ({ character_name: r.character_name, timestamp: r.ts, [key]: r[key], ew: r.ew, ns: r.ns, z: r.z }));

t.test('/spawns and /rares: newest first, filters, limit', async (t) => {
  const from = spawnStart + 37 * MIN,
    to = spawnStart + 4 * HOUR + 5 * MIN;
  const all = await ok(t, `/spawns${qs({ from: iso(from), to: iso(to) })}`, R.SpawnsResponse);
  t.same(all.spawns, eventsExpected(spawns, 'mob', from, to, {}, 1000), 'all spawns in the range');
  for (const mob of MOBS) {
    const d = await ok(
      t,
      `/spawns${qs({ from: iso(from), to: iso(to), mob, character: CHARACTERS[2], limit: 7 })}`,
      R.SpawnsResponse,
    );
    const exp = eventsExpected(spawns, 'mob', from, to, { name: mob, character: CHARACTERS[2] }, 7);
    t.ok(exp.length > 0, `some ${mob} spawns by ${CHARACTERS[2]}`);
    t.same(d.spawns, exp, `mob ${JSON.stringify(mob)} + character + limit 7`);
  }
  const limited = await ok(t, `/spawns${qs({ from: iso(from), to: iso(to), limit: 5 })}`, R.SpawnsResponse);
  t.equal(limited.spawns.length, 5);
  t.equal(limited.truncated, true, 'cut at the limit');
  const r = await ok(t, `/rares${qs({ from: iso(from), to: iso(to), name: RARE_NAMES[0] })}`, R.RaresResponse);
  t.same(r.rares, eventsExpected(rares, 'name', from, to, { name: RARE_NAMES[0] }, 1000), 'rares by name');
});

t.test('heatmaps: aggregate cells for whole hours + raw for the edges; other cell sizes from raw', async (t) => {
  const from = spawnStart + 17 * MIN + 3_000,
    to = spawnStart + 5 * HOUR + 10 * MIN; // not hour-aligned
  for (const cell of [1, 0.5, 2.5, 0.1, 0.25, 0.7]) {
    const d = await ok(t, `/spawns/heatmap${qs({ from: iso(from), to: iso(to), cell })}`, R.HeatmapResponse);
    t.same(d.cells, expectedCells(spawns, from, to, cell), `cell ${cell}`);
    t.equal(
      d.cells.reduce((a: number, c: { count: number }) => a + c.count, 0),
      spawns.filter((s) => Date.parse(s.ts) >= from && Date.parse(s.ts) < to).length,
      `cell ${cell}: counts add up to the events in range`,
    );
  }
  const inHour = [spawnStart + 50 * MIN, spawnStart + 55 * MIN];
  const small = await ok(
    t,
    `/spawns/heatmap${qs({ from: iso(inHour[0]), to: iso(inHour[1]), mob: MOBS[1] })}`,
    R.HeatmapResponse,
  );
  t.same(
    small.cells,
    expectedCells(spawns, inHour[0], inHour[1], 1, MOBS[1]),
    'range inside one hour, mob filter, default cell 1',
  );
  t.equal(small.cell, 1);
  const rh = await ok(
    t,
    `/rares/heatmap${qs({ from: iso(from), to: iso(to), name: RARE_NAMES[1], cell: 0.5 })}`,
    R.HeatmapResponse,
  );
  t.same(rh.cells, expectedCells(rares, from, to, 0.5, RARE_NAMES[1], 'name'), 'rares heatmap by name');
});

t.test('/openapi.json lists every route with its parameters', async (t) => {
  const res = await api.get('/openapi.json');
  t.equal(res.status, 200);
  const doc = res.body;
  t.equal(doc.openapi, '3.1.0');
  const params = (p: string) => doc.paths[p].get.parameters.map((x: { name: string }) => x.name);
  t.same(params('/live'), ['seconds']);
  t.same(params('/history'), ['character', 'from', 'to', 'bucket']);
  t.same(params('/spawns'), ['from', 'to', 'mob', 'character', 'limit']);
  t.same(params('/rares/heatmap'), ['from', 'to', 'name', 'cell']);
  t.equal(doc.paths['/history'].get.parameters[0].required, true);
  t.equal(
    doc.paths['/live'].get.parameters[0].schema.maximum,
    api.cfg.API_LIVE_MAX_SECONDS,
    'limits come from the config',
  );
  t.ok(
    doc.paths['/health'] &&
      doc.paths['/metrics'] &&
      doc.paths['/trails'] &&
      doc.paths['/spawns/heatmap'] &&
      doc.paths['/rares'],
  );
});

t.test('/metrics has HTTP latency by route; /health has the api check', async (t) => {
  await api.get('/live?seconds=zzz');
  const m = (await api.get('/metrics')).body as string;
  t.match(m, /tracker_http_request_seconds_count\{route="\/live",status="200"\} [1-9]/);
  t.match(m, /tracker_http_request_seconds_count\{route="\/live",status="400"\} [1-9]/);
  t.match(m, /tracker_http_request_seconds_bucket\{le="0.005",route="\/spawns\/heatmap",status="200"\}/);
  const h = await api.get('/health');
  t.equal(h.status, 200);
  t.same(
    h.body.checks.api,
    { ok: true, detail: { aggregates: 'view', replica: false } },
    'Apache build in the harness: plain views',
  );
});
