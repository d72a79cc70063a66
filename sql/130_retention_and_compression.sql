-- Refresh, retention and compression (issue 5; docs/retention-and-aggregation.md).
-- NOTES.md (TimescaleDB): a refresh window must span at least two buckets, and raw
-- retention must stay well beyond the refresh start_offset, or a refresh over dropped
-- raw chunks deletes the aggregate buckets. Refresh windows below (start .. end offset):
--   telemetry_1m   1 day  .. 1 minute, every minute     (late events up to a day are folded in)
--   telemetry_1h   3 days .. 1 hour,   every 30 minutes
--   telemetry_1d   7 days .. 1 day,    every 6 hours
--   *_cells_1h     1 day  .. 1 hour,   every 30 minutes
-- Buckets newer than the end offset come from real-time aggregation.

-- (Re)creates the policies from tracker_policy. Safe to run again after an UPDATE.
create function tracker_apply_policies() returns text language plpgsql as $$
declare
  raw_keep   interval := (select value from tracker_policy where name = 'raw_telemetry_retention');
  compress   interval := (select value from tracker_policy where name = 'raw_telemetry_compress_after');
  minute_keep interval := (select value from tracker_policy where name = 'telemetry_1m_retention');
begin
  -- Keep raw (and 1m) data well beyond the widest refresh window that reads it.
  if raw_keep < interval '7 days' then
    raise exception 'raw_telemetry_retention must be at least 7 days (the telemetry_1m refresh reads the last day), got %', raw_keep;
  end if;
  if minute_keep < interval '14 days' then
    raise exception 'telemetry_1m_retention must be at least 14 days (the telemetry_1h refresh reads the last 3 days), got %', minute_keep;
  end if;
  if tracker_aggregate_mode() <> 'continuous' then
    -- Apache build: nothing to schedule; tracker_apply_retention() reads tracker_policy each run.
    return 'view mode: retention by tracker_apply_retention(); no compression, no refresh';
  end if;

  perform remove_continuous_aggregate_policy(v, if_exists => true)
     from unnest(array['telemetry_1m', 'telemetry_1h', 'telemetry_1d', 'spawn_cells_1h', 'rare_cells_1h']) v;
  perform add_continuous_aggregate_policy('telemetry_1m', start_offset => interval '1 day', end_offset => interval '1 minute', schedule_interval => interval '1 minute');
  perform add_continuous_aggregate_policy('telemetry_1h', start_offset => interval '3 days', end_offset => interval '1 hour', schedule_interval => interval '30 minutes');
  perform add_continuous_aggregate_policy('telemetry_1d', start_offset => interval '7 days', end_offset => interval '1 day', schedule_interval => interval '6 hours');
  perform add_continuous_aggregate_policy('spawn_cells_1h', start_offset => interval '1 day', end_offset => interval '1 hour', schedule_interval => interval '30 minutes');
  perform add_continuous_aggregate_policy('rare_cells_1h', start_offset => interval '1 day', end_offset => interval '1 hour', schedule_interval => interval '30 minutes');

  if not (select compression_enabled from timescaledb_information.hypertables where hypertable_name = 'telemetry') then
    -- Segment by character: /history and /trails read one character's rows by time.
    alter table telemetry set (timescaledb.compress, timescaledb.compress_segmentby = 'character_name', timescaledb.compress_orderby = 'ts desc');
  end if;
  perform remove_compression_policy('telemetry', if_exists => true);
  perform add_compression_policy('telemetry', compress_after => compress);

  perform remove_retention_policy('telemetry', if_exists => true);
  perform add_retention_policy('telemetry', drop_after => raw_keep);
  perform remove_retention_policy('telemetry_1m', if_exists => true);
  perform add_retention_policy('telemetry_1m', drop_after => minute_keep);
  return format('continuous mode: raw telemetry kept %s, compressed after %s, telemetry_1m kept %s, 1h/1d/cells kept', raw_keep, compress, minute_keep);
end $$;

-- Drops raw telemetry chunks past raw_telemetry_retention in view mode (the read API
-- calls it on a timer, API_RETENTION_INTERVAL_MS; a cron job may call it instead). In
-- continuous mode the retention policy does this job, so it drops nothing. Returns
-- the number of chunks dropped. Concurrent callers: one runs, the others return 0.
create function tracker_apply_retention() returns integer language plpgsql as $$
declare
  dropped integer := 0;
begin
  if tracker_aggregate_mode() = 'continuous' then return 0; end if;
  if not pg_try_advisory_xact_lock(hashtext('tracker_apply_retention')) then return 0; end if;
  select count(*) into dropped
    from drop_chunks('telemetry', older_than => (select value from tracker_policy where name = 'raw_telemetry_retention'));
  return dropped;
end $$;

select tracker_apply_policies();
