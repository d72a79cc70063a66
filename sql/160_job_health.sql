-- Job health in one relation for /health and /metrics (docs/retention-and-aggregation.md
-- "Job health"): the app's own background work (tracker_job_status, both modes) and, in
-- continuous mode, TimescaleDB's policy jobs from timescaledb_information.job_stats and
-- job_errors. The TimescaleDB part runs through EXECUTE so the function also exists
-- where those views are absent or unreadable.
create function tracker_job_health()
returns table (job text, last_status text, last_success_age_seconds double precision, last_error text, total_failures bigint)
language plpgsql stable as $$
begin
  return query
    select 'app:' || s.job, s.last_status, extract(epoch from now() - s.last_success_at)::float8, s.last_error, s.total_failures
      from tracker_job_status s;
  if tracker_aggregate_mode() = 'continuous' then
    return query execute $q$
      select format('timescaledb:%s %s %s', j.job_id, j.proc_name, coalesce(j.hypertable_name, '')),
             st.last_run_status::text,
             extract(epoch from now() - st.last_successful_finish)::float8,
             (select e.err_message::text from timescaledb_information.job_errors e
               where e.job_id = j.job_id order by e.finish_time desc limit 1),
             st.total_failures::bigint
        from timescaledb_information.jobs j
        left join timescaledb_information.job_stats st on st.job_id = j.job_id
       where j.job_id >= 1000 $q$;
  end if;
end $$;

-- Rows loaded with SQL or COPY outside ingest (imports, benchmarks) are not logged by
-- ingest: tell the materializer which span of `source` to recompute.
create function tracker_invalidate_rollups(source text, lo timestamptz, hi timestamptz) returns void language sql as $$
  insert into tracker_rollup_dirty (source, lo, hi) values (source, lo, hi);
$$;
