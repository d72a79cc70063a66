-- Maintained rollups (docs/retention-and-aggregation.md "Maintained rollups").
-- The app's materializer, tracker_refresh_rollups(), keeps rollup TABLES of closed
-- buckets; everything newer than a level's horizon is read from the level below (or the
-- raw rows) at query time, which is what real-time continuous aggregates do:
--   telemetry_rollup_1m/1h/1d  view mode only (community mode keeps its continuous
--                              aggregates); telemetry_1m/1h/1d become views of
--                              rollup rows below the horizon UNION the open part;
--   spawn_heat_1h/1d, rare_heat_1h/1d   both modes: per mob/name per 1-unit cell
--                              (cell_ew = floor(ew)), read by the heatmaps;
--   spawn_heat_all_1d, rare_heat_all_1d both modes: the same per day summed over all
--                              mobs/names (the unfiltered heatmap, the common one).
-- Late rows (imports, replays, lagging ingest): ingest logs the buckets every batch
-- touches in tracker_rollup_dirty, in the same transaction as the rows
-- (src/ingest/rollup-dirty.ts); the next refresh recomputes them from the rows.

create table tracker_rollup_dirty (
  id     bigserial   primary key,
  source text        not null,   -- raw table: telemetry, spawn_events, rare_events
  lo     timestamptz not null,   -- [lo, hi) covers the raw ts values written
  hi     timestamptz not null
);

-- One row per maintained level. `horizon`: buckets before it are materialized;
-- `floor`: buckets before it are never recomputed (their source rows may be gone
-- to retention, and recomputing would delete them).
create table tracker_rollup_state (
  level   text        primary key,
  source  text        not null,
  width   interval    not null,
  horizon timestamptz not null default '-infinity',
  floor   timestamptz not null default '-infinity'
);
insert into tracker_rollup_state (level, source, width) values
  ('telemetry_rollup_1m', 'telemetry',           interval '1 minute'),
  ('telemetry_rollup_1h', 'telemetry_rollup_1m', interval '1 hour'),
  ('telemetry_rollup_1d', 'telemetry_rollup_1h', interval '1 day'),
  ('spawn_heat_1h',       'spawn_events',        interval '1 hour'),
  ('spawn_heat_1d',       'spawn_heat_1h',       interval '1 day'),
  ('spawn_heat_all_1d',   'spawn_heat_1h',       interval '1 day'),
  ('rare_heat_1h',        'rare_events',         interval '1 hour'),
  ('rare_heat_1d',        'rare_heat_1h',        interval '1 day'),
  ('rare_heat_all_1d',    'rare_heat_1h',        interval '1 day');

-- Ranges being processed by the (single, advisory-locked) refresh; empty between runs.
create unlogged table tracker_rollup_work (level text not null, lo timestamptz not null, hi timestamptz not null);

insert into tracker_policy (name, value, doc) values
  ('rollup_grace',
   coalesce(nullif(current_setting('tracker.rollup_grace', true), '')::interval, interval '2 minutes'),
   'A bucket is materialized once it ended this long ago; newer buckets are read from the raw rows at query time.');

-- Status of the app's own background work (view mode's stand-in for TimescaleDB's job
-- stats): written by the API role after each run (src/api/jobs.ts).
create table tracker_job_status (
  job             text        primary key,
  last_run_at     timestamptz not null,
  last_status     text        not null check (last_status in ('Success', 'Failed')),
  last_success_at timestamptz,
  last_error      text,
  total_runs      bigint      not null default 0,
  total_failures  bigint      not null default 0,
  last_duration_ms double precision
);

-- ---- rollup tables --------------------------------------------------------------
-- Same columns and types as the telemetry_1m view of sql/110 (Grafana reads them).
create table telemetry_rollup_1m (
  bucket timestamptz not null, character_name text not null, samples bigint not null, last_ts timestamptz not null,
  ew double precision, ns double precision, z double precision,
  kills bigint, deaths bigint, rares_found bigint, prismatic_taper_count bigint, kills_per_hour double precision,
  latency_ms_sum double precision, latency_ms_count bigint, latency_ms_max double precision,
  mem_mb_sum double precision, mem_mb_count bigint, mem_mb_max double precision,
  cpu_pct_sum double precision, cpu_pct_count bigint, cpu_pct_max double precision,
  mem_handles_sum double precision, mem_handles_count bigint, mem_handles_max bigint,
  primary key (character_name, bucket)
);
create index telemetry_rollup_1m_bucket on telemetry_rollup_1m (bucket);
create table telemetry_rollup_1h (like telemetry_rollup_1m including all);
create table telemetry_rollup_1d (like telemetry_rollup_1m including all);

create table spawn_heat_1h (
  bucket timestamptz not null, mob text not null,
  cell_ew double precision not null, cell_ns double precision not null, events bigint not null,
  primary key (bucket, mob, cell_ew, cell_ns)
);
create index spawn_heat_1h_mob on spawn_heat_1h (mob, bucket);
create table spawn_heat_1d (like spawn_heat_1h including all);
create table rare_heat_1h (
  bucket timestamptz not null, name text not null,
  cell_ew double precision not null, cell_ns double precision not null, events bigint not null,
  primary key (bucket, name, cell_ew, cell_ns)
);
create index rare_heat_1h_name on rare_heat_1h (name, bucket);
create table rare_heat_1d (like rare_heat_1h including all);
create table spawn_heat_all_1d (
  bucket timestamptz not null, cell_ew double precision not null, cell_ns double precision not null, events bigint not null,
  primary key (bucket, cell_ew, cell_ns)
);
create table rare_heat_all_1d (like spawn_heat_all_1d including all);

-- ---- the SELECTs that compute a level ---------------------------------------------
-- `where_sql` restricts the source rows (ranges to recompute, or `ts >= horizon`).
create function tracker_telemetry_minute_sql(where_sql text) returns text language sql immutable as $f$
  select format($sql$
  select time_bucket(interval '1 minute', ts) as bucket, character_name,
         count(*) as samples, max(ts) as last_ts,
         last(ew, ts) as ew, last(ns, ts) as ns, last(z, ts) as z,
         last(kills, ts) as kills, last(deaths, ts) as deaths, last(rares_found, ts) as rares_found,
         last(prismatic_taper_count, ts) as prismatic_taper_count, last(kills_per_hour, ts) as kills_per_hour,
         sum(latency_ms) as latency_ms_sum, count(latency_ms) as latency_ms_count, max(latency_ms) as latency_ms_max,
         sum(mem_mb) as mem_mb_sum, count(mem_mb) as mem_mb_count, max(mem_mb) as mem_mb_max,
         sum(cpu_pct) as cpu_pct_sum, count(cpu_pct) as cpu_pct_count, max(cpu_pct) as cpu_pct_max,
         sum(mem_handles::double precision) as mem_handles_sum, count(mem_handles) as mem_handles_count, max(mem_handles) as mem_handles_max
    from telemetry where %s
   group by time_bucket(interval '1 minute', ts), character_name
  $sql$, where_sql)
$f$;

-- Hour and day levels from the level below (sql/110's rollup, with a WHERE).
create function tracker_telemetry_rollup_where_sql(width interval, source text, where_sql text) returns text
language sql immutable as $f$
  select format($sql$
  select time_bucket(%1$L::interval, bucket) as bucket, character_name,
         sum(samples)::bigint as samples, max(last_ts) as last_ts,
         last(ew, last_ts) as ew, last(ns, last_ts) as ns, last(z, last_ts) as z,
         last(kills, last_ts) as kills, last(deaths, last_ts) as deaths, last(rares_found, last_ts) as rares_found,
         last(prismatic_taper_count, last_ts) as prismatic_taper_count, last(kills_per_hour, last_ts) as kills_per_hour,
         sum(latency_ms_sum) as latency_ms_sum, sum(latency_ms_count)::bigint as latency_ms_count, max(latency_ms_max) as latency_ms_max,
         sum(mem_mb_sum) as mem_mb_sum, sum(mem_mb_count)::bigint as mem_mb_count, max(mem_mb_max) as mem_mb_max,
         sum(cpu_pct_sum) as cpu_pct_sum, sum(cpu_pct_count)::bigint as cpu_pct_count, max(cpu_pct_max) as cpu_pct_max,
         sum(mem_handles_sum) as mem_handles_sum, sum(mem_handles_count)::bigint as mem_handles_count, max(mem_handles_max) as mem_handles_max
    from %2$I where %3$s
   group by time_bucket(%1$L::interval, bucket), character_name
  $sql$, width, source, where_sql)
$f$;

-- Heat cells: 1-unit base grid, per mob/name (docs: "Heatmap base grid").
create function tracker_heat_sql(level text, where_sql text) returns text language sql immutable as $f$
  select case level
    when 'spawn_heat_1h' then format($s$select time_bucket(interval '1 hour', ts) as bucket, mob, floor(ew) as cell_ew, floor(ns) as cell_ns, count(*) as events
                                        from spawn_events where %s group by 1, 2, 3, 4$s$, where_sql)
    when 'rare_heat_1h'  then format($s$select time_bucket(interval '1 hour', ts) as bucket, name, floor(ew) as cell_ew, floor(ns) as cell_ns, count(*) as events
                                        from rare_events where %s group by 1, 2, 3, 4$s$, where_sql)
    when 'spawn_heat_1d' then format($s$select time_bucket(interval '1 day', bucket) as bucket, mob, cell_ew, cell_ns, sum(events)::bigint as events
                                        from spawn_heat_1h where %s group by 1, 2, 3, 4$s$, where_sql)
    when 'rare_heat_1d'  then format($s$select time_bucket(interval '1 day', bucket) as bucket, name, cell_ew, cell_ns, sum(events)::bigint as events
                                        from rare_heat_1h where %s group by 1, 2, 3, 4$s$, where_sql)
    when 'spawn_heat_all_1d' then format($s$select time_bucket(interval '1 day', bucket) as bucket, cell_ew, cell_ns, sum(events)::bigint as events
                                        from spawn_heat_1h where %s group by 1, 2, 3$s$, where_sql)
    when 'rare_heat_all_1d'  then format($s$select time_bucket(interval '1 day', bucket) as bucket, cell_ew, cell_ns, sum(events)::bigint as events
                                        from rare_heat_1h where %s group by 1, 2, 3$s$, where_sql)
  end
$f$;

create function tracker_level_sql(level text, where_sql text) returns text language sql immutable as $f$
  select case
    when level = 'telemetry_rollup_1m' then tracker_telemetry_minute_sql(where_sql)
    when level = 'telemetry_rollup_1h' then tracker_telemetry_rollup_where_sql(interval '1 hour', 'telemetry_rollup_1m', where_sql)
    when level = 'telemetry_rollup_1d' then tracker_telemetry_rollup_where_sql(interval '1 day', 'telemetry_rollup_1h', where_sql)
    else tracker_heat_sql(level, where_sql)
  end
$f$;

-- ---- the materializer ---------------------------------------------------------------
-- Recomputes the merged work ranges of one level from its source; returns buckets written.
create function tracker_recompute_level(lvl text) returns bigint language plpgsql as $$
declare
  st tracker_rollup_state;
  col text;
  r record;
  n bigint := 0;
  k bigint;
begin
  select * into st from tracker_rollup_state where level = lvl;
  col := case when st.source in ('telemetry', 'spawn_events', 'rare_events') then 'ts' else 'bucket' end;
  -- Merge overlapping ranges (aligned to the level's buckets), so no bucket is written twice.
  for r in
    with aligned as (
      select greatest(time_bucket(st.width, lo), st.floor) as lo,
             least(time_bucket(st.width, hi - interval '1 microsecond') + st.width, st.horizon) as hi
        from tracker_rollup_work where level = lvl),
    ordered as (
      select lo, hi, max(hi) over (order by lo, hi rows between unbounded preceding and 1 preceding) as prev_hi
        from aligned where lo < hi),
    grouped as (select lo, hi, count(*) filter (where prev_hi is null or lo > prev_hi) over (order by lo, hi) as grp from ordered)
    select min(lo) as lo, max(hi) as hi from grouped group by grp order by 1
  loop
    execute format('delete from %I where bucket >= $1 and bucket < $2', lvl) using r.lo, r.hi;
    execute format('insert into %I %s', lvl, tracker_level_sql(lvl, format('%I >= %L and %I < %L', col, r.lo, col, r.hi)));
    get diagnostics k = row_count;
    n := n + k;
    -- The level built on this one must recompute the same span.
    insert into tracker_rollup_work (level, lo, hi)
      select level, r.lo, r.hi from tracker_rollup_state where source = lvl;
  end loop;
  delete from tracker_rollup_work where level = lvl;
  return n;
end $$;

-- One refresh: take the dirty log, advance every level's horizon to its last closed
-- bucket (older than rollup_grace), recompute [old horizon, new horizon) and the dirty
-- ranges below it, finest level first. Concurrent callers: one runs, the others get
-- NULL. Returns {level: buckets written}.
create function tracker_refresh_rollups() returns jsonb language plpgsql as $$
declare
  grace interval := (select value from tracker_policy where name = 'rollup_grace');
  st tracker_rollup_state;
  new_horizon timestamptz;
  written jsonb := '{}';
begin
  if not pg_try_advisory_xact_lock(hashtext('tracker_refresh_rollups')) then return null; end if;
  delete from tracker_rollup_work;
  -- Entries committed after this statement's snapshot stay for the next run; their rows
  -- may or may not be seen now, so they are recomputed again then (never lost).
  with taken as (delete from tracker_rollup_dirty returning source, lo, hi)
  insert into tracker_rollup_work (level, lo, hi)
    select s.level, t.lo, t.hi from taken t join tracker_rollup_state s on s.source = t.source;
  for st in select * from tracker_rollup_state order by width, level loop
    if st.level like 'telemetry%' and tracker_aggregate_mode() = 'continuous' then
      delete from tracker_rollup_work where level = st.level;  -- continuous aggregates do this job
      continue;
    end if;
    -- A level's horizon never passes the horizon of its source level.
    new_horizon := time_bucket(st.width, least(now() - grace,
      coalesce((select horizon from tracker_rollup_state where level = st.source), 'infinity')));
    if new_horizon > st.horizon then
      insert into tracker_rollup_work (level, lo, hi) values (st.level, st.horizon, new_horizon);
      update tracker_rollup_state set horizon = new_horizon where level = st.level;
    end if;
    written := written || jsonb_build_object(st.level, tracker_recompute_level(st.level));
  end loop;
  return written;
end $$;

-- Forget every rollup (replay --truncate): the next refresh rebuilds them from the rows.
create function tracker_reset_rollups() returns void language sql as $$
  truncate telemetry_rollup_1m, telemetry_rollup_1h, telemetry_rollup_1d, spawn_heat_1h, spawn_heat_1d, spawn_heat_all_1d,
           rare_heat_1h, rare_heat_1d, rare_heat_all_1d, tracker_rollup_dirty;
  update tracker_rollup_state set horizon = '-infinity', floor = '-infinity';
$$;

-- ---- view mode: the aggregate names become real-time views over the rollups ----------
do $do$
begin
  if tracker_aggregate_mode() = 'continuous' then return; end if;
  drop view telemetry_1d;
  drop view telemetry_1h;
  drop view telemetry_1m;
  execute format($v$create view telemetry_1m as
    select * from telemetry_rollup_1m where bucket < (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1m')
    union all
    %s$v$, tracker_telemetry_minute_sql($w$ts >= (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1m')$w$));
  execute format($v$create view telemetry_1h as
    select * from telemetry_rollup_1h where bucket < (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1h')
    union all
    %s$v$, tracker_telemetry_rollup_where_sql(interval '1 hour', 'telemetry_1m', $w$bucket >= (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1h')$w$));
  execute format($v$create view telemetry_1d as
    select * from telemetry_rollup_1d where bucket < (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1d')
    union all
    %s$v$, tracker_telemetry_rollup_where_sql(interval '1 day', 'telemetry_1h', $w$bucket >= (select horizon from tracker_rollup_state where level = 'telemetry_rollup_1d')$w$));
end $do$;

-- ---- retention: keep the rollups the raw rows feed --------------------------------
-- View mode: drop raw chunks past raw_telemetry_retention, then stop recomputing minute
-- buckets older than that (their rows are gone); delete minute rollups past
-- telemetry_1m_retention, and stop recomputing hours/days from them. 1h, 1d and the
-- heat cells are kept. Continuous mode: the policies do it; returns 0.
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
  update tracker_rollup_state set floor = greatest(floor, time_bucket(width, raw_cut) + width) where level = 'telemetry_rollup_1m';
  update tracker_rollup_state set floor = greatest(floor, time_bucket(width, minute_cut) + width) where level in ('telemetry_rollup_1h', 'telemetry_rollup_1d');
  select count(*) into dropped from drop_chunks('telemetry', older_than => raw_cut);
  delete from telemetry_rollup_1m where bucket < minute_cut;
  return dropped;
end $$;
