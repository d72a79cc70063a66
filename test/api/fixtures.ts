// Deterministic data for the read API tests, and the expected answers computed here
// in plain TypeScript from the same rows (never copied from the API's output).
// Rows are inserted with SQL straight into the projection tables (the ingest role
// fills them in production); values are multiples of 1/4 so sums are exact doubles.
import { randomUUID } from 'node:crypto';

export interface Db {
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export const CHARACTERS = ['Alice', 'Sir Bob. Jr.', "Zoë 名前 🐉 o'Neil"] as const;
export const MOBS = ['Drudge Skulker', 'Olthoi.Soldier', "x'; drop table spawn_events; --"] as const;
export const RARE_NAMES = ['Pearl of Blood Drinking', 'Gelidite Ring'] as const;

export interface TelemetryRow {
  ts: string;
  character_name: string;
  ew: number;
  ns: number;
  z: number;
  char_tag: string | null;
  session_id: string | null;
  kills: number;
  deaths: number;
  rares_found: number;
  prismatic_taper_count: number;
  kills_per_hour: number;
  onlinetime: string;
  vt_state: string;
  latency_ms: number;
  mem_mb: number;
  cpu_pct: number | null;
  mem_handles: number;
}
export interface EventRow {
  ts: string;
  character_name: string;
  ew: number;
  ns: number;
  z: number | null;
  mob?: string;
  name?: string;
}

/** Small seeded PRNG (mulberry32): the same data on every run and in both databases. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
/** Midnight UTC two days ago: inside every retention, away from "now". */
export const historyBase = (now = Date.now()) => Math.floor(now / DAY) * DAY - 2 * DAY;

/** `count` samples per character every `stepMs` from `startMs` (irregular start offsets per character). */
export function telemetryRows(startMs: number, count: number, stepMs: number): TelemetryRow[] {
  const rows: TelemetryRow[] = [];
  CHARACTERS.forEach((character_name, c) => {
    for (let i = 0; i < count; i++) {
      rows.push({
        ts: new Date(startMs + c * 7000 + i * stepMs).toISOString(),
        character_name,
        ew: -50 + c * 10 + (i % 400) * 0.25,
        ns: 20 - (i % 300) * 0.5,
        z: (i % 9) * 0.75,
        char_tag: c === 0 ? null : `tag ${c}`,
        session_id: `s-${c}-${Math.floor(i / 500)}`,
        kills: i * (c + 1),
        deaths: Math.floor(i / 97),
        rares_found: Math.floor(i / 400),
        prismatic_taper_count: 1000 - (i % 50),
        kills_per_hour: (i % 40) * 2.5,
        onlinetime: `00:${String(i % 60).padStart(2, '0')}:00`,
        vt_state: i % 2 ? 'Combat' : 'Navigation',
        latency_ms: (i % 50) * 0.5 + c,
        mem_mb: 100 + (i % 7) * 0.25,
        cpu_pct: i % 5 === 0 ? null : (i % 11) * 1.5,
        mem_handles: 1000 + (i % 13),
      });
    }
  });
  return rows;
}

/** Spawns or rares spread over [startMs, startMs + spanMs), at the centres of 0.1-unit cells. */
export function eventRows(
  kind: 'spawn' | 'rare',
  startMs: number,
  spanMs: number,
  count: number,
  seed: number,
): EventRow[] {
  const rnd = prng(seed);
  const names = kind === 'spawn' ? MOBS : RARE_NAMES;
  return Array.from({ length: count }, (_, i) => {
    const row: EventRow = {
      // Distinct, increasing instants: "newest first" has a single right order.
      ts: new Date(startMs + Math.floor(((i + rnd() * 0.9) * spanMs) / count)).toISOString(),
      character_name: CHARACTERS[Math.floor(rnd() * CHARACTERS.length)],
      // Coordinates on a few hot spots so cells hold several events.
      ew: Math.round(rnd() * 60 - 30) / 10 + 0.05 + Math.floor(rnd() * 3) * 10,
      ns: Math.round(rnd() * 40 - 20) / 10 + 0.05,
      z: rnd() < 0.1 ? null : Math.round(rnd() * 100) / 4,
    };
    row[kind === 'spawn' ? 'mob' : 'name'] = names[Math.floor(rnd() * names.length)];
    return row;
  });
}

async function insertJson(db: Db, table: string, rows: object[], extra: (r: any, i: number) => object): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000).map((r, j) => ({ ...r, ...extra(r, i + j) }));
    await db.query(`insert into ${table} select * from jsonb_populate_recordset(null::${table}, $1::jsonb)`, [
      JSON.stringify(chunk),
    ]);
  }
}

const meta = (_: unknown, i: number) => ({
  event_key: randomUUID(),
  received_at: new Date().toISOString(),
  stream_seq: i + 1,
});
export const insertTelemetry = (db: Db, rows: TelemetryRow[]) => insertJson(db, 'telemetry', rows, meta);
export const insertSpawns = (db: Db, rows: EventRow[]) => insertJson(db, 'spawn_events', rows, meta);
export const insertRares = (db: Db, rows: EventRow[]) => insertJson(db, 'rare_events', rows, meta);
export const insertLatest = (db: Db, rows: TelemetryRow[]) =>
  insertJson(db, 'player_latest', rows, () => ({ event_key: randomUUID(), received_at: new Date().toISOString() }));

// ---- expected answers ------------------------------------------------------------

const avgMax = (vals: (number | null)[]) => {
  const v = vals.filter((x): x is number => x !== null);
  return v.length ? { avg: v.reduce((a, b) => a + b, 0) / v.length, max: Math.max(...v) } : { avg: null, max: null };
};

/** The points /history should return for these rows, bucket width in ms, range [from, to). */
export function expectedBuckets(
  rows: TelemetryRow[],
  character: string,
  widthMs: number,
  fromMs: number,
  toMs: number,
) {
  const groups = new Map<number, TelemetryRow[]>();
  for (const r of rows) {
    if (r.character_name !== character) continue;
    const b = Math.floor(Date.parse(r.ts) / widthMs) * widthMs;
    if (b < Math.floor(fromMs / widthMs) * widthMs || b >= toMs) continue; // buckets overlapping [from, to)
    if (!groups.has(b)) groups.set(b, []);
    groups.get(b)!.push(r);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((b) => {
      const g = groups.get(b)!.sort((x, y) => Date.parse(x.ts) - Date.parse(y.ts));
      const last = g[g.length - 1];
      const m = (k: 'latency_ms' | 'mem_mb' | 'cpu_pct' | 'mem_handles') => avgMax(g.map((r) => r[k]));
      return {
        timestamp: new Date(b).toISOString(),
        samples: g.length,
        last_timestamp: last.ts,
        ew: last.ew,
        ns: last.ns,
        z: last.z,
        kills: last.kills,
        deaths: last.deaths,
        rares_found: last.rares_found,
        prismatic_taper_count: last.prismatic_taper_count,
        kills_per_hour: last.kills_per_hour,
        latency_ms_avg: m('latency_ms').avg,
        latency_ms_max: m('latency_ms').max,
        mem_mb_avg: m('mem_mb').avg,
        mem_mb_max: m('mem_mb').max,
        cpu_pct_avg: m('cpu_pct').avg,
        cpu_pct_max: m('cpu_pct').max,
        mem_handles_avg: m('mem_handles').avg,
        mem_handles_max: m('mem_handles').max,
      };
    });
}

/** Heatmap cells by definition: cell (floor(ew / cell), floor(ns / cell)), hottest first. */
export function expectedCells(
  rows: EventRow[],
  fromMs: number,
  toMs: number,
  cell: number,
  name?: string,
  key: 'mob' | 'name' = 'mob',
) {
  const counts = new Map<string, { i: number; j: number; count: number }>();
  for (const r of rows) {
    const t = Date.parse(r.ts);
    if (t < fromMs || t >= toMs || (name !== undefined && r[key] !== name)) continue;
    const i = Math.floor(r.ew / cell),
      j = Math.floor(r.ns / cell);
    const c = counts.get(`${i},${j}`) ?? { i, j, count: 0 };
    c.count++;
    counts.set(`${i},${j}`, c);
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || a.i - b.i || a.j - b.j)
    .map((c) => ({
      ew: Number((c.i * cell).toPrecision(12)),
      ns: Number((c.j * cell).toPrecision(12)),
      count: c.count,
    }));
}
