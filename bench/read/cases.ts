// What the read benchmark times: each public read over HTTP, next to its raw-SQL
// baseline, the same answer computed by one SQL statement over the raw rows.
import { CHARACTERS } from './load.js';

export interface ReadCase {
  name: string;
  /** Path and query of the HTTP call. */
  path: string;
  /** The same aggregation over the raw rows, one statement. */
  sql: string;
  params: unknown[];
  /** Issue target for the API's p95, ms (undefined: no target, timed for reference). */
  p95TargetMs?: number;
  /** Wanted speed-up over the baseline (p50 / p50). */
  minRatio?: number;
}

const DAY_MS = 86_400_000;
const qs = (p: Record<string, string | number>) =>
  '?' +
  Object.entries(p)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

const bucketSql = (
  width: string,
) => `select time_bucket('${width}', ts) as bucket, count(*) as samples, max(ts) as last_ts,
    last(ew, ts), last(ns, ts), last(z, ts), last(kills, ts), last(deaths, ts), last(rares_found, ts), last(prismatic_taper_count, ts), last(kills_per_hour, ts),
    sum(latency_ms) / nullif(count(latency_ms), 0), max(latency_ms), sum(mem_mb) / nullif(count(mem_mb), 0), max(mem_mb),
    sum(cpu_pct) / nullif(count(cpu_pct), 0), max(cpu_pct), sum(mem_handles) / nullif(count(mem_handles), 0), max(mem_handles)
  from telemetry where character_name = $1 and ts >= time_bucket('${width}', $2::timestamptz) and ts < $3 group by 1 order by 1 limit 10001`;

const heatSql = (
  table: string,
  nameColumn: string,
) => `select floor(ew / $3) as i, floor(ns / $3) as j, count(*) as n from ${table}
  where ts >= $1 and ts < $2 and ($4::text is null or ${nameColumn} = $4) group by 1, 2 order by n desc, i, j limit 10001`;

export function readCases(endMs: number): ReadCase[] {
  const to = new Date(endMs).toISOString();
  const d30 = new Date(endMs - 30 * DAY_MS).toISOString();
  const d1 = new Date(endMs - DAY_MS).toISOString();
  const m10 = new Date(endMs - 10 * 60_000).toISOString();
  const who = `Bench ${Math.floor(CHARACTERS / 3)}`;
  const history = (bucket: string, from: string, width: string, target: number): ReadCase => ({
    name: `/history bucket ${bucket}, ${from === d30 ? '30 days' : '1 day'}`,
    path: `/history${qs({ character: who, bucket, from, to })}`,
    sql: bucketSql(width),
    params: [who, from, to],
    p95TargetMs: target,
    minRatio: 10,
  });
  const heat = (
    base: string,
    table: string,
    nameColumn: string,
    cell: number,
    name: string | null,
    what: string,
    target?: number,
  ): ReadCase => ({
    name: `${base}/heatmap cell ${cell}, 30 days${name ? `, one ${nameColumn}` : ''} (${what})`,
    path: `${base}/heatmap${qs({ cell, from: d30, to, ...(name ? { [nameColumn]: name } : {}) })}`,
    sql: heatSql(table, nameColumn),
    params: [d30, to, cell, name],
    p95TargetMs: target,
    minRatio: target ? 10 : undefined,
  });
  return [
    ...sessionCases(who, d30, to),
    history('1h', d30, '1 hour', 50),
    history('1d', d30, '1 day', 50),
    history('1m', d1, '1 minute', 50),
    {
      name: '/history raw, 10 minutes',
      path: `/history${qs({ character: who, bucket: 'raw', from: m10, to })}`,
      sql: `select * from telemetry where character_name = $1 and ts >= $2 and ts < $3 order by ts limit 10001`,
      params: [who, m10, to],
    },
    heat('/spawns', 'spawn_events', 'mob', 1, null, 'clustered', 100),
    heat('/spawns', 'spawn_events', 'mob', 1, 'Tusker Guard', 'clustered', 100),
    heat('/spawns', 'spawn_events', 'mob', 5, null, 'clustered', 100),
    heat('/rares', 'rare_events', 'name', 1, null, 'uniform over the map', 100),
    heat('/spawns', 'spawn_events', 'mob', 0.5, null, 'not a whole unit: raw rows'),
    {
      name: '/spawns newest 1,000, 1 day',
      path: `/spawns${qs({ from: d1, to, limit: 1000 })}`,
      sql: 'select character_name, ts, mob, ew, ns, z from spawn_events where ts >= $1 and ts < $2 order by ts desc, character_name limit 1001',
      params: [d1, to],
    },
    {
      name: '/rares newest 1,000, 1 day',
      path: `/rares${qs({ from: d1, to, limit: 1000 })}`,
      sql: 'select character_name, ts, name, ew, ns, z from rare_events where ts >= $1 and ts < $2 order by ts desc, character_name limit 1001',
      params: [d1, to],
    },
    {
      name: '/live (last hour)',
      path: `/live${qs({ seconds: 3600 })}`,
      sql: `select * from player_latest where ts >= $1::timestamptz - interval '1 hour' order by character_name limit 10001`,
      params: [to],
    },
    {
      name: '/trails one character, 10 minutes',
      path: `/trails${qs({ seconds: 600, character: who })}`,
      sql: `select character_name, ts, ew, ns, z from telemetry where ts >= now() - interval '600 seconds' and character_name = $1 order by character_name, ts limit 10001`,
      params: [who],
    },
  ];
}

// Sessions from scratch: tracker_session_parts() over every raw row of the character
// (sql/180_sessions.sql), what the maintained sessions spare each read.
const FROM_SCRATCH = `tracker_session_parts($1, '-infinity', 'infinity', (select gap from tracker_session_state))`;

/** GET /sessions and /characters/{name}/stats (issue 24), GET /stats/rares for reference. */
function sessionCases(who: string, d30: string, to: string): ReadCase[] {
  return [
    {
      name: '/sessions one character, 30 days',
      path: `/sessions${qs({ character: who, from: d30, to, limit: 1000 })}`,
      sql: `select p.* from ${FROM_SCRATCH} s cross join lateral tracker_session_public(s) p
             where s.end_ts >= $2 and s.start_ts < $3 order by s.start_ts desc, s.session_id limit 1001`,
      params: [who, d30, to],
      p95TargetMs: 50,
    },
    {
      name: '/characters/{name}/stats',
      path: `/characters/${encodeURIComponent(who)}/stats`,
      sql: `select count(*), min(start_ts), max(end_ts), sum(extract(epoch from end_ts - start_ts)), sum(kills_gained),
                   sum(deaths_gained), (select count(*) from rare_events where character_name = $1),
                   (select char_tag from player_latest where character_name = $1),
                   (array_agg(session_id order by kills_gained desc, start_ts desc))[1]
              from ${FROM_SCRATCH}`,
      params: [who],
      p95TargetMs: 50,
    },
    {
      name: '/stats/rares, 30 days',
      path: `/stats/rares${qs({ from: d30, to, limit: 1000 })}`,
      sql: `select character_name, count(*), max(ts) from rare_events where ts >= $1 and ts < $2
             group by 1 order by 2 desc, 1 limit 1001`,
      params: [d30, to],
    },
  ];
}
