-- Play sessions per character, maintained (issue 24; docs/retention-and-aggregation.md
-- "Sessions"). A session is one session_id of one character; telemetry without one is cut
-- into inferred sessions by silences longer than the gap (SESSION_GAP_SECONDS), each named
-- 'inferred:' || its first sample's time. Per session: counter gains (a drop starts a new
-- segment, never a negative gain), kills_per_hour, the path length.
--
-- Like the rollups of sql/150: a TABLE of session states over the raw rows older than a
-- horizon (character_session_rollup), kept by a materializer (tracker_refresh_sessions(),
-- called by the API role next to tracker_refresh_rollups()), and a read side that adds the
-- rows newer than the horizon at query time (tracker_sessions_current(), the view
-- character_sessions). A stored row is a mergeable STATE (first/last counters and
-- positions), so the open part extends it exactly: gains and path are sums over
-- consecutive samples in (ts, event_key) order, and the horizon splits that order cleanly.
--
-- Late rows: ingest logs per character the span each batch wrote (tracker_session_dirty,
-- src/ingest/rollup-dirty.ts, same transaction); writes outside ingest reach it through
-- the telemetry entries of tracker_rollup_dirty (sql/170 triggers, tracker_invalidate_rollups)
-- with no character (= every character there). A refresh recomputes, per character, the
-- stored sessions the span touches (closed over session ids and gaps) from the raw rows.

create table character_session_rollup (
  character_name text        not null,
  session_id     text        not null,   -- the client's, or 'inferred:<first sample time>'
  inferred       boolean     not null,
  start_ts       timestamptz not null,   -- first sample
  end_ts         timestamptz not null,   -- last sample
  samples        bigint      not null,
  kills_gained   bigint      not null,
  deaths_gained  bigint      not null,
  first_kills    bigint,                 -- first/last non-null counters: what a later part
  last_kills     bigint,                 -- of the session adds to (tracker_session_combine)
  first_deaths   bigint,
  last_deaths    bigint,
  kph_sum        double precision not null,   -- kills_per_hour over the samples that have it
  kph_count      bigint      not null,
  kph_max        double precision,
  distance       double precision not null,   -- map units, sum of steps in (ts, event_key) order
  first_ew double precision not null, first_ns double precision not null,
  last_ew  double precision not null, last_ns  double precision not null,
  primary key (character_name, inferred, session_id)
);
create index character_session_rollup_start on character_session_rollup (character_name, start_ts desc);
create index character_session_rollup_end on character_session_rollup (character_name, inferred, end_ts desc);
create index character_session_rollup_span on character_session_rollup (end_ts, start_ts);

-- One row. horizon: the table holds the sessions of the raw rows with ts < horizon.
-- floor: sessions starting before it are never recomputed (raw rows may be gone to
-- retention). gap: the silence that cuts inferred sessions; another value rebuilds.
create table tracker_session_state (
  only_row boolean     primary key default true check (only_row),
  horizon  timestamptz not null default '-infinity',
  floor    timestamptz not null default '-infinity',
  gap      interval    not null default interval '600 seconds'
);
insert into tracker_session_state default values;

-- Spans with late (or changed) telemetry; character_name null = every character there.
create table tracker_session_dirty (
  character_name text,
  lo             timestamptz not null,   -- [lo, hi) covers the raw ts values written
  hi             timestamptz not null
);

-- Writes outside ingest and tracker_invalidate_rollups: their telemetry entries in the
-- rollup dirty log (INSERT, or the UPDATE that extends a run) are spans for every
-- character. Ingest's own entries are skipped: it logs per character itself.
create function tracker_session_dirty_from_rollups() returns trigger language plpgsql as $$
begin
  insert into tracker_session_dirty (character_name, lo, hi) values (null, new.lo, new.hi);
  return null;
end $$;
create trigger tracker_rollup_dirty_sessions after insert or update on tracker_rollup_dirty for each row
  when (new.source = 'telemetry' and current_setting('tracker.ingest', true) is distinct from 'on')
  execute function tracker_session_dirty_from_rollups();

-- ---- computing sessions from raw rows ------------------------------------------------
-- Session states of the telemetry rows in [p_lo, p_hi) of one character (null: all). Over
-- all rows it is the from-scratch answer; over a span it gives parts to combine.
create function tracker_session_parts(p_character text, p_lo timestamptz, p_hi timestamptz, p_gap interval)
returns setof character_session_rollup language sql stable as $$
  with r as (
    select character_name, ts, event_key, session_id, kills, deaths, kills_per_hour, ew, ns,
           session_id is null and coalesce(ts - lag(ts) over (partition by character_name, session_id is null
                                                              order by ts, event_key) > p_gap, true) as starts
      from telemetry
     where (p_character is null or character_name = p_character) and ts >= p_lo and ts < p_hi),
  keyed as (
    select r.*, session_id is null as inferred,
           coalesce(session_id, 'inferred:' || to_char(max(case when starts then ts end)
             over (partition by character_name, session_id is null order by ts, event_key)
             at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as key
      from r),
  steps as (
    select k.*, row_number() over w as rn, count(*) over p as n,
           count(kills) over w as kc, count(kills) over p as kct, count(deaths) over w as dc, count(deaths) over p as dct,
           lag(ew) over w as pew, lag(ns) over w as pns
      from keyed k
    window p as (partition by character_name, inferred, key), w as (p order by ts, event_key)),
  carried as (  -- the newest non-null counter so far (the group of rows since the last non-null)
    select s.*, max(kills) over (partition by character_name, inferred, key, kc) as kcar,
           max(deaths) over (partition by character_name, inferred, key, dc) as dcar
      from steps s),
  gains as (
    select c.*, case when kills is not null then greatest(kills - lag(kcar) over w, 0) end as kg,
           case when deaths is not null then greatest(deaths - lag(dcar) over w, 0) end as dg
      from carried c
    window w as (partition by character_name, inferred, key order by ts, event_key))
  select character_name, key, inferred, min(ts), max(ts), count(*),
         coalesce(sum(kg), 0)::bigint, coalesce(sum(dg), 0)::bigint,
         max(kills) filter (where kc = 1 and kills is not null), max(kills) filter (where kc = kct and kills is not null),
         max(deaths) filter (where dc = 1 and deaths is not null), max(deaths) filter (where dc = dct and deaths is not null),
         coalesce(sum(kills_per_hour), 0), count(kills_per_hour), max(kills_per_hour),
         coalesce(sum(sqrt((ew - pew) ^ 2 + (ns - pns) ^ 2)), 0),
         max(ew) filter (where rn = 1), max(ns) filter (where rn = 1), max(ew) filter (where rn = n), max(ns) filter (where rn = n)
    from gains group by character_name, inferred, key
$$;

-- The state of a session whose samples are those of `a` followed by those of `b` (all of
-- a's before all of b's). A null `a` (nothing stored) gives `b`.
create function tracker_session_combine(a character_session_rollup, b character_session_rollup)
returns character_session_rollup language plpgsql immutable as $$
begin
  if a.session_id is null then return b; end if;
  a.end_ts := b.end_ts;
  a.samples := a.samples + b.samples;
  a.kills_gained := a.kills_gained + b.kills_gained + coalesce(greatest(b.first_kills - a.last_kills, 0), 0);
  a.deaths_gained := a.deaths_gained + b.deaths_gained + coalesce(greatest(b.first_deaths - a.last_deaths, 0), 0);
  a.first_kills := coalesce(a.first_kills, b.first_kills);
  a.last_kills := coalesce(b.last_kills, a.last_kills);
  a.first_deaths := coalesce(a.first_deaths, b.first_deaths);
  a.last_deaths := coalesce(b.last_deaths, a.last_deaths);
  a.kph_sum := a.kph_sum + b.kph_sum;
  a.kph_count := a.kph_count + b.kph_count;
  a.kph_max := greatest(a.kph_max, b.kph_max);
  a.distance := a.distance + b.distance + sqrt((b.first_ew - a.last_ew) ^ 2 + (b.first_ns - a.last_ns) ^ 2);
  a.last_ew := b.last_ew;
  a.last_ns := b.last_ns;
  return a;
end $$;

-- Parts of [p_lo, p_hi) of one character (null: all) paired with the stored session each
-- continues: the same session_id, or, for the first inferred part, the newest stored
-- inferred session when the silence between them is at most the gap.
create function tracker_session_continuations(p_character text, p_lo timestamptz, p_hi timestamptz, p_gap interval)
returns table (a character_session_rollup, b character_session_rollup) language sql stable as $$
  with parts as (
    select p, row_number() over (partition by p.character_name, p.inferred order by p.start_ts) as rk
      from tracker_session_parts(p_character, p_lo, p_hi, p_gap) p)
  select x.s, parts.p
    from parts left join lateral (
      select s from character_session_rollup s
       where s.character_name = (parts.p).character_name and s.inferred = (parts.p).inferred
         and case when (parts.p).inferred then parts.rk = 1 and s.end_ts >= (parts.p).start_ts - p_gap
                  else s.session_id = (parts.p).session_id end
       order by s.end_ts desc limit 1) x on true
$$;

-- Every session now, of one character (null: all), that overlaps [p_from, p_to) (end_ts >=
-- p_from, start_ts < p_to): the stored ones, continued by the raw rows at or after the
-- horizon. PL/pgSQL, planned with the values (force_custom_plan): the horizon is then a
-- constant, so only the chunks after it are planned (inlined SQL planned every chunk of the
-- character's rows), and `p_character is null or …` folds away (a generic plan of it
-- scans every character's newest chunk: 10× slower, measured).
create function tracker_sessions_current(p_character text, p_from timestamptz default '-infinity',
                                         p_to timestamptz default 'infinity')
returns setof character_session_rollup language plpgsql stable set plan_cache_mode = force_custom_plan as $$
declare
  st tracker_session_state := (select s from tracker_session_state s);
begin
  return query
    with m as materialized (select c.a, c.b from tracker_session_continuations(p_character, st.horizon, 'infinity', st.gap) c)
    select r.* from m cross join lateral tracker_session_combine(m.a, m.b) r
     where r.end_ts >= p_from and r.start_ts < p_to
    union all
    select s.* from character_session_rollup s
     where (p_character is null or s.character_name = p_character) and s.end_ts >= p_from and s.start_ts < p_to
       and not exists (select 1 from m where (m.a).character_name = s.character_name and (m.a).inferred = s.inferred
                                         and (m.a).session_id = s.session_id);
end $$;

-- The public columns of a session state (API and Grafana): kph from kills_per_hour where
-- samples carry it, else kills gained over the duration; live while the character's newest
-- sample is in the session and younger than the gap. rares_found counts rare_events, or,
-- given the character's rare times sorted (rare_ts), binary-searches them: one index scan
-- for a page of sessions instead of one per session.
create function tracker_session_public(s character_session_rollup, rare_ts timestamptz[] default null)
returns table (character_name text, session_id text, inferred boolean, start_ts timestamptz, end_ts timestamptz,
               duration_s double precision, live boolean, samples bigint, kills_gained bigint, deaths_gained bigint,
               kph_avg double precision, kph_max double precision, rares_found bigint, distance double precision)
language sql stable as $$
  select s.character_name, s.session_id, s.inferred, s.start_ts, s.end_ts, d.duration_s,
         coalesce(p.ts >= s.start_ts and p.ts <= s.end_ts
                  and p.session_id is not distinct from case when s.inferred then null else s.session_id end
                  and now() - p.ts < (select gap from tracker_session_state), false),
         s.samples, s.kills_gained, s.deaths_gained,
         case when s.kph_count > 0 then s.kph_sum / s.kph_count else d.rate end,
         case when s.kph_count > 0 then s.kph_max else d.rate end,
         case when rare_ts is null
              then (select count(*) from rare_events r
                     where r.character_name = s.character_name and r.ts >= s.start_ts and r.ts <= s.end_ts)
              -- width_bucket(x, sorted) = how many elements are <= x; ts has microsecond precision.
              else width_bucket(s.end_ts, rare_ts) - width_bucket(s.start_ts - interval '1 microsecond', rare_ts) end,
         s.distance
    from (select extract(epoch from s.end_ts - s.start_ts)::float8 as duration_s,
                 case when s.end_ts > s.start_ts then s.kills_gained * 3600 / extract(epoch from s.end_ts - s.start_ts)::float8 end as rate) d
    -- A join, not a subquery per session: the planner reads player_latest once for a page.
    left join player_latest p on p.character_name = s.character_name
$$;

-- A page of sessions with their public columns: of one character (null: all), overlapping
-- [p_from, p_to), newest start first (then name, id), at most p_limit. What GET /sessions
-- answers (src/api/reads/sessions.ts) and what a Grafana table should call with its range.
-- The rare times of the page's characters are read once, sorted, and each session counts
-- its own by binary search.
create function tracker_sessions_page(p_character text, p_from timestamptz, p_to timestamptz, p_limit integer)
returns table (character_name text, session_id text, inferred boolean, start_ts timestamptz, end_ts timestamptz,
               duration_s double precision, live boolean, samples bigint, kills_gained bigint, deaths_gained bigint,
               kph_avg double precision, kph_max double precision, rares_found bigint, distance double precision)
-- One plan per connection, kept (force_generic_plan): planning this over the rare_events
-- chunks cost more than running it; the chunks of the page's range are picked at run time.
language plpgsql stable set plan_cache_mode = force_generic_plan as $$
begin
  return query
    with s as materialized (
      select c.* from tracker_sessions_current(p_character, p_from, p_to) c
       order by c.start_ts desc, c.character_name, c.session_id limit p_limit),
    -- Per character of the page, its rare times over the page's span (an index range scan
    -- each, whatever the planner guesses of the page's size).
    r as (select c.character_name,
                 (select array_agg(e.ts order by e.ts) from rare_events e
                   where e.character_name = c.character_name
                     and e.ts >= (select min(s.start_ts) from s) and e.ts <= (select max(s.end_ts) from s)) as ts
            from (select distinct s.character_name from s) c)
    select p.* from s left join r on r.character_name = s.character_name
     cross join lateral tracker_session_public(s::character_session_rollup, coalesce(r.ts, '{}')) p
     order by p.start_ts desc, p.character_name, p.session_id;
end $$;

-- Every session with its public columns. Reads every session of every character: for a
-- time range, call tracker_sessions_page() instead.
create view character_sessions as
  select p.* from tracker_sessions_current(null) s cross join lateral tracker_session_public(s) p;

-- ---- the materializer -------------------------------------------------------------------
-- Recomputes character c's stored sessions that rows in [lo, hi) touch (hi <= horizon):
-- widens the span until it holds every stored session that overlaps it, shares a
-- session_id with its rows or lies within the gap of it (inferred), deletes those and
-- stores the sessions of the raw rows in the span. Sessions that began before the floor
-- are left alone (their first rows may be gone), and so are rows below the floor: returns
-- -1 then, else the sessions written.
create function tracker_recompute_character_sessions(c text, lo timestamptz, hi timestamptz) returns integer
language plpgsql as $$
declare
  st tracker_session_state := (select s from tracker_session_state s);
  a timestamptz := greatest(lo, st.floor);
  b timestamptz := least(hi, st.horizon);
  na timestamptz;
  nb timestamptz;
  n integer;
begin
  if hi <= st.floor then return -1; end if;  -- all below the floor: not folded in
  if a >= b then return 0; end if;
  loop
    select least(a, min(s.start_ts)), greatest(b, max(s.end_ts) + interval '1 microsecond') into na, nb
      from character_session_rollup s
     where s.character_name = c
       and ((s.end_ts >= a - st.gap and s.start_ts <= b + st.gap and (s.inferred or s.start_ts < b and s.end_ts >= a))
            or (not s.inferred and s.session_id in (select t.session_id from telemetry t
                                                      where t.character_name = c and t.ts >= a and t.ts < b)));
    exit when na is null or (na = a and nb = b);
    a := na;
    b := nb;
  end loop;
  if a < st.floor then
    raise notice 'sessions of % between % and % begin before the floor %: late rows there are not folded in', c, a, b, st.floor;
    return -1;
  end if;
  delete from character_session_rollup s where s.character_name = c and s.start_ts >= a and s.end_ts < b;
  insert into character_session_rollup select * from tracker_session_parts(c, a, b, st.gap);
  get diagnostics n = row_count;
  return n;
end $$;

-- Stores the sessions of the rows in [lo, hi) (lo = the horizon): each part continues its
-- stored session (tracker_session_continuations) or is new.
create function tracker_extend_sessions(lo timestamptz, hi timestamptz, gap interval) returns integer language plpgsql as $$
declare
  n integer;
begin
  insert into character_session_rollup
    select r.* from tracker_session_continuations(null, lo, hi, gap) c cross join lateral tracker_session_combine(c.a, c.b) r
  on conflict (character_name, inferred, session_id) do update set
    start_ts = excluded.start_ts, end_ts = excluded.end_ts, samples = excluded.samples,
    kills_gained = excluded.kills_gained, deaths_gained = excluded.deaths_gained,
    first_kills = excluded.first_kills, last_kills = excluded.last_kills,
    first_deaths = excluded.first_deaths, last_deaths = excluded.last_deaths,
    kph_sum = excluded.kph_sum, kph_count = excluded.kph_count, kph_max = excluded.kph_max,
    distance = excluded.distance, first_ew = excluded.first_ew, first_ns = excluded.first_ns,
    last_ew = excluded.last_ew, last_ns = excluded.last_ns;
  get diagnostics n = row_count;
  return n;
end $$;

-- Forget every session (replay --truncate, a new gap): the next refresh rebuilds them.
create function tracker_reset_sessions(new_gap interval default null) returns void language sql as $$
  truncate character_session_rollup, tracker_session_dirty;
  update tracker_session_state set horizon = '-infinity', floor = '-infinity', gap = coalesce(new_gap, gap);
$$;

-- One refresh (one transaction; concurrent callers: one runs, the others get NULL):
-- recompute the late spans below the horizon per character, then move the horizon to
-- now() - rollup_grace and store the rows in between. p_gap: the API's
-- SESSION_GAP_SECONDS; another value than the stored one rebuilds every session.
-- Returns {recomputed, extended, skipped}.
create function tracker_refresh_sessions(p_gap interval default null) returns jsonb language plpgsql as $$
declare
  st tracker_session_state;
  new_horizon timestamptz := now() - (select value from tracker_policy where name = 'rollup_grace');
  r record;
  k integer;
  recomputed integer := 0;
  skipped integer := 0;
  extended integer := 0;
begin
  if not pg_try_advisory_xact_lock(hashtext('tracker_refresh_sessions')) then return null; end if;
  if p_gap is not null and p_gap <> (select gap from tracker_session_state) then
    raise notice 'session gap changed to %: rebuilding every session', p_gap;
    perform tracker_reset_sessions(p_gap);
  end if;
  if tracker_aggregate_mode() = 'continuous' then  -- a retention policy drops raw chunks by itself
    update tracker_session_state set floor = greatest(floor,
      now() - (select value from tracker_policy where name = 'raw_telemetry_retention'));
  end if;
  select * into st from tracker_session_state;
  for r in
    with taken as (delete from tracker_session_dirty returning character_name, lo, hi),
    spans as (
      select character_name, lo, hi from taken where character_name is not null
      union
      select t.character_name, d.lo, d.hi from taken d join telemetry t on t.ts >= d.lo and t.ts < d.hi
       where d.character_name is null
      union
      select s.character_name, d.lo, d.hi from taken d join character_session_rollup s on s.end_ts >= d.lo and s.start_ts < d.hi
       where d.character_name is null)
    select character_name, min(lo) as lo, max(hi) as hi from spans where lo < st.horizon group by character_name
  loop
    k := tracker_recompute_character_sessions(r.character_name, r.lo, r.hi);
    if k < 0 then skipped := skipped + 1; else recomputed := recomputed + k; end if;
  end loop;
  if new_horizon > st.horizon then
    extended := tracker_extend_sessions(st.horizon, new_horizon, st.gap);
    update tracker_session_state set horizon = new_horizon;
  end if;
  return jsonb_build_object('recomputed', recomputed, 'extended', extended, 'skipped', skipped);
end $$;

-- ---- hooks into sql/150's functions (their bodies as there, plus the sessions) -----------
-- replay --truncate and a hand TRUNCATE call tracker_reset_rollups(): sessions go too.
create or replace function tracker_reset_rollups() returns void language sql as $$
  truncate telemetry_rollup_1m, telemetry_rollup_1h, telemetry_rollup_1d, spawn_heat_1h, spawn_heat_1d, spawn_heat_all_1d,
           rare_heat_1h, rare_heat_1d, rare_heat_all_1d, tracker_rollup_dirty;
  update tracker_rollup_state set horizon = '-infinity', floor = '-infinity';
  select tracker_reset_sessions();
$$;

-- View mode's retention: sessions are refreshed before raw chunks go, and the floor
-- follows the cut, as for the minute rollups.
create or replace function tracker_apply_retention() returns integer language plpgsql as $$
declare
  dropped integer := 0;
  raw_cut timestamptz := now() - (select value from tracker_policy where name = 'raw_telemetry_retention');
  minute_cut timestamptz := now() - (select value from tracker_policy where name = 'telemetry_1m_retention');
begin
  if tracker_aggregate_mode() = 'continuous' then return 0; end if;
  if not pg_try_advisory_xact_lock(hashtext('tracker_apply_retention')) then return 0; end if;
  -- Recompute what is still there before the rows go (a late row waiting in the dirty log).
  perform tracker_refresh_rollups();
  perform tracker_refresh_sessions();
  update tracker_rollup_state set floor = greatest(floor, time_bucket(width, raw_cut) + width) where level = 'telemetry_rollup_1m';
  update tracker_rollup_state set floor = greatest(floor, time_bucket(width, minute_cut) + width) where level in ('telemetry_rollup_1h', 'telemetry_rollup_1d');
  update tracker_session_state set floor = greatest(floor, raw_cut);
  select count(*) into dropped from drop_chunks('telemetry', older_than => raw_cut);
  delete from telemetry_rollup_1m where bucket < minute_cut;
  return dropped;
end $$;
