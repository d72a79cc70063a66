-- Rows written to the raw tables outside ingest (a manual fix, a bulk load, a restore;
-- INSERT, UPDATE, DELETE and COPY) invalidate the rollup buckets they touched, like the
-- invalidation trigger of a continuous aggregate (docs/retention-and-aggregation.md
-- "Writes outside ingest").
--
-- Ingest logs its own buckets in the batch's transaction (src/ingest/rollup-dirty.ts) and
-- sets `tracker.ingest = 'on'` for that transaction only (src/ingest/apply.ts); the
-- triggers step aside then.
--
-- INSERT (and COPY): a ROW-level AFTER trigger whose WHEN clause reads that setting, so on
-- ingest's path no trigger event is even queued. Not a statement-level trigger with a
-- transition table: TimescaleDB's COPY then gives up its multi-insert buffers for every
-- row (TimescaleDB's src/copy.c: a `trig_insert_new_table` forces CIM_SINGLE), which cost
-- ingest ~17% (docs/retention-and-aggregation.md). Outside ingest each row costs one trigger
-- call; consecutive rows of one run of buckets extend one dirty-log entry.
-- UPDATE and DELETE: statement-level AFTER triggers with transition tables (ingest never
-- updates or deletes raw rows): one set of entries per statement. TimescaleDB 2.19
-- propagates all of them to the chunks.
--
-- Which tables: spawn_events and rare_events feed the heat cells, maintained by the app in
-- both modes. telemetry feeds the maintained rollups in view mode only; in continuous mode
-- its continuous aggregates have TimescaleDB's own invalidation (and the refresh drops
-- telemetry work), so no trigger there. TRUNCATE is not covered (no rows to read):
-- `select tracker_reset_rollups()` after truncating a raw table by hand.

-- The finest rollup bucket fed by a raw table (telemetry: 1 minute, events: 1 hour).
create function tracker_raw_bucket_width(raw_table text) returns interval language sql stable as $$
  select min(width) from tracker_rollup_state where source = raw_table
$$;

-- Logs bucket starts as runs of adjacent buckets (gaps and islands: a bucket minus its
-- rank times the width is constant along a run).
create function tracker_log_dirty_buckets(raw_table text, buckets timestamptz[]) returns void language sql as $$
  with runs as (
    select b, b - tracker_raw_bucket_width(raw_table) * (row_number() over (order by b))::float8 as run
      from (select distinct b from unnest(buckets) as u(b)) as d)
  insert into tracker_rollup_dirty (source, lo, hi)
    select raw_table, min(b), max(b) + tracker_raw_bucket_width(raw_table) from runs group by run
$$;

-- UPDATE and DELETE, per statement. One function for both: PL/pgSQL plans a statement at
-- its first run, so the branch naming `new_rows` is never planned for a DELETE trigger. The
-- transition tables are visible in this function only, so it passes the distinct buckets on.
create function tracker_invalidate_raw_changes() returns trigger language plpgsql as $$
declare
  width interval;
begin
  if current_setting('tracker.ingest', true) = 'on' then return null; end if;
  width := tracker_raw_bucket_width(tg_table_name);
  if tg_op = 'UPDATE' then
    -- A moved row dirties the bucket it left and the bucket it entered.
    perform tracker_log_dirty_buckets(tg_table_name, (select array_agg(distinct time_bucket(width, ts))
      from (select ts from old_rows union all select ts from new_rows) as moved));
  else
    perform tracker_log_dirty_buckets(tg_table_name, (select array_agg(distinct time_bucket(width, ts)) from old_rows));
  end if;
  return null;
end $$;

-- INSERT, per row outside ingest. Arguments: the raw table (a row trigger fires on the
-- chunk, so tg_table_name is the chunk's) and its bucket width. The transaction's last entry for this table is kept in
-- a transaction-local setting `tracker.dirty_<table>` = 'id lo hi' (bucket numbers): a row
-- inside [lo, hi) costs nothing more, a row in bucket hi extends that entry, any other
-- row starts a new one. A rolled-back (sub)transaction reverts the setting with the entry.
create function tracker_invalidate_raw_insert() returns trigger language plpgsql as $$
declare
  source text := tg_argv[0];
  width interval := tg_argv[1]::interval;
  w float8 := extract(epoch from width);
  b bigint := floor(extract(epoch from new.ts) / w);
  key text := 'tracker.dirty_' || source;
  last text[] := string_to_array(nullif(current_setting(key, true), ''), ' ');
  entry bigint;
begin
  if last is not null then
    if b >= last[2]::bigint and b < last[3]::bigint then return null; end if;
    if b = last[3]::bigint then
      update tracker_rollup_dirty set hi = to_timestamp((b + 1) * w) where id = last[1]::bigint;
      perform set_config(key, format('%s %s %s', last[1], last[2], b + 1), true);
      return null;
    end if;
  end if;
  insert into tracker_rollup_dirty (source, lo, hi) values (source, to_timestamp(b * w), to_timestamp((b + 1) * w))
    returning id into entry;
  perform set_config(key, format('%s %s %s', entry, b, b + 1), true);
  return null;
end $$;

do $do$
declare
  raw_table text;
begin
  foreach raw_table in array case when tracker_aggregate_mode() = 'continuous'
                                  then array['spawn_events', 'rare_events']
                                  else array['telemetry', 'spawn_events', 'rare_events'] end loop
    execute format($t$create trigger %1$I after insert on %2$I for each row
                        when (current_setting('tracker.ingest', true) is distinct from 'on')
                        execute function tracker_invalidate_raw_insert(%2$L, %3$L)$t$,
                   raw_table || '_invalidate_insert', raw_table, tracker_raw_bucket_width(raw_table));
    execute format($t$create trigger %1$I after update on %2$I referencing old table as old_rows new table as new_rows
                        for each statement execute function tracker_invalidate_raw_changes()$t$,
                   raw_table || '_invalidate_update', raw_table);
    execute format($t$create trigger %1$I after delete on %2$I referencing old table as old_rows
                        for each statement execute function tracker_invalidate_raw_changes()$t$,
                   raw_table || '_invalidate_delete', raw_table);
  end loop;
end $do$;
