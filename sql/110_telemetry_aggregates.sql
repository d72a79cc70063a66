-- Telemetry per character per minute, with hour and day rollups on top of it (issue 5).
-- Each bucket carries the last position and counters (by ts) and sum/count/max of the
-- performance metrics; the API derives avg = sum / count, which rolls up exactly
-- (an average of averages would not). `last_ts` is the newest sample in the bucket.
-- NOTES.md: a hierarchical aggregate's bucket must be a multiple of its parent's.
select tracker_create_aggregate('telemetry_1m', $sql$
  select time_bucket(interval '1 minute', ts) as bucket, character_name,
         count(*)                           as samples,
         max(ts)                            as last_ts,
         last(ew, ts)                       as ew,
         last(ns, ts)                       as ns,
         last(z, ts)                        as z,
         last(kills, ts)                    as kills,
         last(deaths, ts)                   as deaths,
         last(rares_found, ts)              as rares_found,
         last(prismatic_taper_count, ts)    as prismatic_taper_count,
         last(kills_per_hour, ts)           as kills_per_hour,
         sum(latency_ms)                    as latency_ms_sum,
         count(latency_ms)                  as latency_ms_count,
         max(latency_ms)                    as latency_ms_max,
         sum(mem_mb)                        as mem_mb_sum,
         count(mem_mb)                      as mem_mb_count,
         max(mem_mb)                        as mem_mb_max,
         sum(cpu_pct)                       as cpu_pct_sum,
         count(cpu_pct)                     as cpu_pct_count,
         max(cpu_pct)                       as cpu_pct_max,
         sum(mem_handles::double precision) as mem_handles_sum,
         count(mem_handles)                 as mem_handles_count,
         max(mem_handles)                   as mem_handles_max
    from telemetry
   group by time_bucket(interval '1 minute', ts), character_name
$sql$);

-- The rollup SELECT, shared by the hour and day levels.
create function tracker_telemetry_rollup_sql(width interval, source text) returns text
language sql immutable as $f$
  select format($sql$
  select time_bucket(%1$L::interval, bucket) as bucket, character_name,
         sum(samples)::bigint                as samples,
         max(last_ts)                        as last_ts,
         last(ew, last_ts)                   as ew,
         last(ns, last_ts)                   as ns,
         last(z, last_ts)                    as z,
         last(kills, last_ts)                as kills,
         last(deaths, last_ts)               as deaths,
         last(rares_found, last_ts)          as rares_found,
         last(prismatic_taper_count, last_ts) as prismatic_taper_count,
         last(kills_per_hour, last_ts)       as kills_per_hour,
         sum(latency_ms_sum)                 as latency_ms_sum,
         sum(latency_ms_count)::bigint       as latency_ms_count,
         max(latency_ms_max)                 as latency_ms_max,
         sum(mem_mb_sum)                     as mem_mb_sum,
         sum(mem_mb_count)::bigint           as mem_mb_count,
         max(mem_mb_max)                     as mem_mb_max,
         sum(cpu_pct_sum)                    as cpu_pct_sum,
         sum(cpu_pct_count)::bigint          as cpu_pct_count,
         max(cpu_pct_max)                    as cpu_pct_max,
         sum(mem_handles_sum)                as mem_handles_sum,
         sum(mem_handles_count)::bigint      as mem_handles_count,
         max(mem_handles_max)                as mem_handles_max
    from %2$I
   group by time_bucket(%1$L::interval, bucket), character_name
  $sql$, width, source)
$f$;

select tracker_create_aggregate('telemetry_1h', tracker_telemetry_rollup_sql(interval '1 hour', 'telemetry_1m'));
select tracker_create_aggregate('telemetry_1d', tracker_telemetry_rollup_sql(interval '1 day', 'telemetry_1h'));
