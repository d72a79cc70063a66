-- Aggregates and data policies of the read API (issue 5), in two modes chosen by the
-- TimescaleDB license, so the API's SQL never knows which one it runs on:
--   community ('timescale'): continuous aggregates (real-time), refresh, retention and
--                            compression policies;
--   apache:                  plain views with the same names, columns and numbers,
--                            computed at query time; retention by tracker_apply_retention().
-- NOTES.md (TimescaleDB): the Apache build rejects continuous aggregates, policies and
-- jobs with "functionality not supported under the current apache license".
-- See docs/retention-and-aggregation.md.

-- Tunable intervals of the policies. Defaults come from custom settings when present
-- (`ALTER DATABASE … SET tracker.raw_telemetry_retention = '60 days'` before the first
-- migrate), else from the documented defaults. Change later with UPDATE, then
-- `select tracker_apply_policies()`.
create table tracker_policy (
  name  text     primary key,
  value interval not null,
  doc   text     not null
);

insert into tracker_policy (name, value, doc) values
  ('raw_telemetry_retention',
   coalesce(nullif(current_setting('tracker.raw_telemetry_retention', true), '')::interval, interval '30 days'),
   'Raw telemetry rows older than this are dropped (whole chunks).'),
  ('raw_telemetry_compress_after',
   coalesce(nullif(current_setting('tracker.raw_telemetry_compress_after', true), '')::interval, interval '7 days'),
   'Raw telemetry chunks older than this are compressed (community mode only).'),
  ('telemetry_1m_retention',
   coalesce(nullif(current_setting('tracker.telemetry_1m_retention', true), '')::interval, interval '90 days'),
   'Per-minute aggregate buckets older than this are dropped (community mode only); 1h and 1d are kept.');

create function tracker_aggregate_mode() returns text language sql stable as $$
  select case when current_setting('timescaledb.license') = 'timescale' then 'continuous' else 'view' end
$$;

-- Creates `view_name` from `select_sql` as a real-time continuous aggregate (community)
-- or as a plain view (apache). One SELECT text for both modes: same columns and numbers
-- by construction. Hierarchical aggregates select from the finer one in both modes.
create function tracker_create_aggregate(view_name text, select_sql text) returns void
language plpgsql as $$
begin
  if tracker_aggregate_mode() = 'continuous' then
    -- NOTES.md: real-time aggregation is off by default since 2.13; turn it on so the
    -- newest minutes show before a refresh. WITH NO DATA: the refresh policies fill it
    -- (a data-filling create cannot run inside the migration's transaction).
    execute format('create materialized view %I with (timescaledb.continuous, timescaledb.materialized_only = false) as %s with no data',
                   view_name, select_sql);
  else
    execute format('create view %I as %s', view_name, select_sql);
  end if;
end $$;
