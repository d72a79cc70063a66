// Session reads (issue 24; docs/api.md "Sessions"): sessions per character, lifetime
// totals, the rare leaderboard. Sessions come from tracker_sessions_current() (a page of
// them with their public columns: tracker_sessions_page()), the stored
// sessions (character_session_rollup, kept by tracker_refresh_sessions()) continued by the
// raw rows newer than its horizon, so answers are current and exact
// (sql/180_sessions.sql, docs/retention-and-aggregation.md "Sessions").
import type { Queryable } from '../db.js';
import { limited } from './rows.js';

// Timestamps leave PostgreSQL as the ISO text the answer carries (as in ./telemetry.ts).
const iso = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The Session object of src/api/schemas/sessions.ts from tracker_session_public()'s columns (alias `p`). */
const SESSION_COLUMNS = `p.character_name, p.session_id, p.inferred, ${iso('p.start_ts')} as start, ${iso('p.end_ts')} as "end",
  p.duration_s, p.live, p.samples::float8 as samples, p.kills_gained::float8 as kills_gained,
  p.deaths_gained::float8 as deaths_gained, p.kph_avg, p.kph_max, p.rares_found::float8 as rares_found, p.distance`;

export interface SessionFilter {
  character?: string;
  from: Date;
  to: Date;
}

/** Sessions overlapping [from, to) (end >= from, start < to), newest start first, then by name and id. */
export async function readSessions(db: Queryable, f: SessionFilter, limit: number) {
  const { rows } = await db.query(`select ${SESSION_COLUMNS} from tracker_sessions_page($1, $2, $3, $4) p`, [
    f.character ?? null,
    f.from.toISOString(),
    f.to.toISOString(),
    limit + 1,
  ]);
  return limited(rows, limit);
}

/** Lifetime totals of one character; undefined when it has no stored telemetry. */
export async function readCharacterStats(db: Queryable, name: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query(
    `with s as materialized (select * from tracker_sessions_current($1)),
     t as (select count(*) as n, min(start_ts) as first_ts, max(end_ts) as last_ts, sum(kills_gained) as kills,
                  sum(deaths_gained) as deaths, sum(extract(epoch from end_ts - start_ts)) as online from s)
     select l.character_name, ${iso('coalesce(t.first_ts, l.ts)')} as first_seen,
            ${iso('greatest(t.last_ts, l.ts)')} as last_seen, t.n::float8 as sessions,
            coalesce(t.online, 0)::float8 as online_s, coalesce(t.kills, 0)::float8 as kills_gained,
            coalesce(t.deaths, 0)::float8 as deaths_gained,
            (select count(*) from rare_events r where r.character_name = $1)::float8 as rares_found, l.char_tag,
            (select row_to_json(b) from (
               select ${SESSION_COLUMNS}
                 from (select * from s order by kills_gained desc, start_ts desc limit 1) best
                 cross join lateral tracker_session_public(best::character_session_rollup) p) b) as best_session
       from player_latest l cross join t where l.character_name = $1`,
    [name],
  );
  return rows[0];
}

/** Rares per character in [from, to), most first, with the newest find. */
export async function readRareLeaders(db: Queryable, from: Date, to: Date, limit: number) {
  const { rows } = await db.query<{ character_name: string; rares: number; name: string; ts: string }>(
    `select g.character_name, g.rares::float8 as rares, n.name, ${iso('g.newest')} as ts
       from (select character_name, count(*) as rares, max(ts) as newest from rare_events
              where ts >= $1 and ts < $2 group by character_name) g
       cross join lateral (select name from rare_events r where r.character_name = g.character_name and r.ts = g.newest
                            order by name limit 1) n
      order by g.rares desc, g.character_name limit $3`,
    [from.toISOString(), to.toISOString(), limit + 1],
  );
  const out = rows.map((r) => ({
    character_name: r.character_name,
    rares: r.rares,
    newest: { name: r.name, timestamp: r.ts },
  }));
  return limited(out, limit);
}
