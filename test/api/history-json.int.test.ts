// /history's bucketed answer is JSON written by PostgreSQL (src/api/reads/history-json.ts):
// it must be byte for byte what JSON.stringify makes of the parsed rows (readHistory),
// over materialized and open buckets, at every level, cut at the row limit; and values
// whose float8 text JavaScript writes differently (exponents, negative zero) must take the
// parsed path, so the answer stays the same bytes.
import t from 'tap';
import type { Queryable } from '../../src/api/db.js';
import { readHistory } from '../../src/api/reads/telemetry.js';
import { readHistoryJson } from '../../src/api/reads/history-json.js';
import { startApiUnderTest, qs } from './helpers.js';

const api = await startApiUnderTest();
t.teardown(() => api.stop());
const db: Queryable = { query: async (text, params) => ({ rows: (await api.db.query(text, params)).rows }) };

const HOUR = 3_600_000;
const now = Date.now();
// 1,101 samples 97 s apart, the newest a second ago (its minute still open, read from the raw rows).
const STEP = 97_000;
const start = now - 1000 - 1100 * STEP;
// Plain: fractional averages with long digit strings, missing metrics, counters.
// Edgy: values PostgreSQL writes with an exponent (1e15 and up, below 1e-4) and -0.
const insert = (who: string, metric: string) =>
  api.db.query(
    `insert into telemetry (ts, character_name, event_key, received_at, stream_seq, ew, ns, z,
       kills, deaths, rares_found, prismatic_taper_count, kills_per_hour, latency_ms, mem_mb, cpu_pct, mem_handles)
     select to_timestamp(($2::float8 + i * $3::float8) / 1000), $1, gen_random_uuid(), now(), i,
            sin(i) * 80, cos(i / 3.0) * 80, i % 7 / 3.0, i / 2, i / 50, i / 400, 900 - i % 30, (i % 11) * 7.3,
            ${metric}, case when i % 5 = 0 then null else 300 + i / 7.0 end, (i * 13 % 100) / 3.0, 1000 + i % 17
       from generate_series(0, 1100) i`,
    [who, start, STEP],
  );
await insert('Plain Pat', `20 + (i * 7 % 90) / 9.0`);
await insert('Edgy Ed', `case i % 4 when 0 then 1e15 * (i + 1) when 1 then 1e-5 / (i + 1) when 2 then -0.0 else i end`);
// Materialize what is older than the grace; the newest buckets stay open (read from raw rows).
await api.db.query('select tracker_refresh_rollups()');

const cases = [
  { bucket: '1m', from: start - 30_000, to: now, maxRows: 100_000 },
  { bucket: '1m', from: start + 5 * HOUR + 17_000, to: now - HOUR, maxRows: 100_000 },
  { bucket: '1m', from: start, to: now, maxRows: 40 },
  { bucket: '1h', from: start, to: now + HOUR, maxRows: 100_000 },
  { bucket: '1h', from: start, to: now, maxRows: 3 },
  { bucket: '1d', from: start - 48 * HOUR, to: now, maxRows: 100_000 },
  { bucket: '1m', from: now, to: now, maxRows: 100 },
] as const;

t.test('the JSON text equals JSON.stringify of the parsed rows', async (t) => {
  for (const c of cases) {
    const from = new Date(c.from),
      to = new Date(c.to);
    const what = `${c.bucket} ${from.toISOString()}..${to.toISOString()} limit ${c.maxRows}`;
    const rows = await readHistory(db, 'Plain Pat', from, to, c.bucket, c.maxRows);
    const json = await readHistoryJson(db, 'Plain Pat', from, to, c.bucket, c.maxRows);
    if (!json) {
      t.fail(`${what}: the JSON path gave up on plain values`);
      continue;
    }
    t.equal(`[${json.json}]`, JSON.stringify(rows.rows), `${what}: same bytes (${rows.rows.length} points)`);
    t.equal(json.truncated, rows.truncated, `${what}: same truncated`);
  }
  t.ok(
    (await readHistory(db, 'Plain Pat', new Date(start), new Date(now), '1m', 100_000)).rows.length > 1000,
    'the plain character has over a thousand minute buckets',
  );
});

t.test('values JavaScript writes differently take the parsed path', async (t) => {
  const json = await readHistoryJson(db, 'Edgy Ed', new Date(start), new Date(now), '1m', 100_000);
  t.equal(json, undefined, 'exponents and -0: no JSON text');
});

t.test('the HTTP answer is the same bytes either way', async (t) => {
  for (const [who, bucket] of [
    ['Plain Pat', '1m'],
    ['Edgy Ed', '1m'],
    ['Plain Pat', '1h'],
  ] as const) {
    const from = new Date(start).toISOString(),
      to = new Date(now).toISOString();
    const res = await fetch(`http://127.0.0.1:${api.app.port}/history${qs({ character: who, bucket, from, to })}`);
    const text = await res.text();
    t.equal(res.status, 200, `${who} ${bucket}: 200`);
    t.equal(res.headers.get('content-type'), 'application/json', `${who} ${bucket}: JSON`);
    const r = await readHistory(db, who, new Date(from), new Date(to), bucket, api.cfg.API_MAX_ROWS);
    const expected = JSON.stringify({ character: who, bucket, from, to, points: r.rows, truncated: r.truncated });
    t.equal(text, expected, `${who} ${bucket}: byte-identical to JSON.stringify of the parsed rows`);
  }
});
