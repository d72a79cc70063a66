// Loads the read benchmark's data with server-side SQL (generate_series), in time
// slices over two connections: `rows` telemetry samples for CHARACTERS characters over
// the last DAYS days, plus rows/10 spawns and rows/10 rares. Spawns are realistic:
// clustered where players hunt: each character spends a day at one of GROUNDS shared
// hunting grounds, and its spawns fall within ±3 units of it. Rares are the worst case
// for a heatmap: uniform over the whole ±100 map.
import pg from 'pg';
import { MOBS } from '../loadgen/events.js';

export const CHARACTERS = 100;
export const DAYS = 30;
const DAY_MS = 86_400_000;
const SLICES = 20;
export const GROUNDS = 50;

export interface LoadedData {
  endMs: number;
  startMs: number;
  telemetry: number;
  spawns: number;
  rares: number;
  seconds: number;
}

// The character's position at sample i (the same expression for telemetry and spawns).
const EW = (i: string, c: string) => `(60 * sin(${i} / 5000.0 + ${c}) + (${c} % 10) * 4 - 20)`;
const NS = (i: string, c: string) => `(60 * cos(${i} / 7000.0 + ${c} * 1.3) + (${c} / 10) * 4 - 20)`;

// A play session every 6 hours of samples per character (about 120 in 30 days), so
// GET /sessions has sessions to list (docs/api.md "Sessions").
const SESSION = (i: string, c: string) => `'s' || ${c} || '-' || floor(${i} * $4::float8 / 21600)::int`;

const TELEMETRY = `insert into telemetry (ts, character_name, event_key, received_at, stream_seq, ew, ns, z, char_tag, session_id,
    kills, deaths, rares_found, prismatic_taper_count, kills_per_hour, onlinetime, vt_state, latency_ms, mem_mb, cpu_pct, mem_handles)
  select t.ts, 'Bench ' || c, gen_random_uuid(), t.ts, i::bigint * ${CHARACTERS} + c,
         ${EW('i', 'c')}, ${NS('i', 'c')}, (i % 90)::float8, 'tag', ${SESSION('i', 'c')},
         i / 10, i / 500, i / 5000, 1000 - i % 50, (i % 40) * 2.5, '01:00:00', 'Combat',
         20 + (i * 7 + c) % 80, 300 + (i % 13), (i * 3 + c) % 100, 1000 + i % 17
    from generate_series($1::int, $2::int - 1) i cross join generate_series(0, ${CHARACTERS - 1}) c
    cross join lateral (select to_timestamp(($3::float8 + (i * $4::float8 + c * 0.37) * 1000) / 1000) as ts) t
   where t.ts < to_timestamp($5::float8 / 1000)`;

// One event per index k per character; d = the day of the event since the load's start.
const EVENTS = (
  table: 'spawn_events' | 'rare_events',
  spread: boolean,
) => `insert into ${table} (ts, character_name, event_key, received_at, stream_seq, ${table === 'spawn_events' ? 'mob' : 'name'}, ew, ns, z)
  select t.ts, 'Bench ' || c, gen_random_uuid(), t.ts, k::bigint * ${CHARACTERS} + c,
         ${table === 'spawn_events' ? `(array[${MOBS.map((m) => `'${m}'`).join(', ')}])[1 + (k + c) % ${MOBS.length}]` : `'Rare ' || ((k * 7 + c) % 20)`},
         ${spread ? 'random() * 200 - 100' : `(((c * 7 + t.d * 3) % ${GROUNDS}) * 37 % 160) - 80 + (random() - 0.5) * 6`},
         ${spread ? 'random() * 200 - 100' : `(((c * 7 + t.d * 3) % ${GROUNDS}) * 53 % 160) - 80 + (random() - 0.5) * 6`}, 0
    from generate_series($1::int, $2::int - 1) k cross join generate_series(0, ${CHARACTERS - 1}) c
    cross join lateral (select to_timestamp(($3::float8 + (k * $4::float8 + c * 0.53) * 1000) / 1000) as ts, floor(k * $4::float8 / 86400)::int as d) t
   where t.ts < to_timestamp($5::float8 / 1000)`;

async function inSlices(
  url: string,
  sql: string,
  perCharacter: number,
  startMs: number,
  stepS: number,
  endMs: number,
): Promise<void> {
  const slices = Array.from({ length: SLICES }, (_, s) => [
    Math.floor((s * perCharacter) / SLICES),
    Math.floor(((s + 1) * perCharacter) / SLICES),
  ]);
  const worker = async () => {
    const c = new pg.Client({ connectionString: url, application_name: 'bench-read-load' });
    await c.connect();
    try {
      for (let s = slices.shift(); s; s = slices.shift()) await c.query(sql, [s[0], s[1], startMs, stepS, endMs]);
    } finally {
      await c.end();
    }
  };
  await Promise.all([worker(), worker()]);
}

export async function loadReadData(
  url: string,
  rows: number,
  endMs = Math.floor(Date.now() / 1000) * 1000,
): Promise<LoadedData> {
  const t0 = performance.now();
  const startMs = endMs - DAYS * DAY_MS;
  const perCharacter = Math.ceil(rows / CHARACTERS);
  const events = Math.max(1, Math.ceil(rows / 10 / CHARACTERS));
  const spanS = (DAYS * DAY_MS) / 1000 - 1;
  await inSlices(url, TELEMETRY, perCharacter, startMs, spanS / perCharacter, endMs);
  await inSlices(url, EVENTS('spawn_events', false), events, startMs, spanS / events, endMs);
  await inSlices(url, EVENTS('rare_events', true), events, startMs, spanS / events, endMs);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = `ts, character_name, event_key, received_at, ew, ns, z, char_tag, session_id,
      kills, deaths, rares_found, prismatic_taper_count, kills_per_hour, onlinetime, vt_state, latency_ms, mem_mb, cpu_pct, mem_handles`;
    // The newest sample of every character, as ingest keeps it (however sparse the data).
    await c.query(
      `insert into player_latest (${cols}) select t.* from generate_series(0, ${CHARACTERS - 1}) c
       cross join lateral (select ${cols} from telemetry where character_name = 'Bench ' || c order by ts desc limit 1) t`,
    );
    // Raw retention must not drop the oldest day of the load while the bench runs.
    await c.query(`update tracker_policy set value = interval '365 days' where name = 'raw_telemetry_retention'`);
    await c.query('analyze');
    const {
      rows: [n],
    } = await c.query<{ t: number; s: number; r: number }>(
      'select (select count(*) from telemetry)::int as t, (select count(*) from spawn_events)::int as s, (select count(*) from rare_events)::int as r',
    );
    return { endMs, startMs, telemetry: n.t, spawns: n.s, rares: n.r, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await c.end();
  }
}
