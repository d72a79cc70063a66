-- Spawns and rares per grid cell per hour, for the heatmaps (issue 5).
-- Cells are stored at a fixed BASE size of 0.1 map units: cell_ew = floor(ew * 10), so a
-- cell covers [cell_ew / 10, (cell_ew + 1) / 10). The API re-bins to any requested cell
-- that is a whole multiple of 0.1 by grouping floor(cell_ew / k); other sizes are
-- computed from the raw rows (docs/retention-and-aggregation.md). Kept as double
-- precision: an integer cast would overflow, and fail every refresh, on a wild coordinate.
select tracker_create_aggregate('spawn_cells_1h', $sql$
  select time_bucket(interval '1 hour', ts) as bucket, mob,
         floor(ew * 10) as cell_ew, floor(ns * 10) as cell_ns, count(*) as events
    from spawn_events
   group by time_bucket(interval '1 hour', ts), mob, floor(ew * 10), floor(ns * 10)
$sql$);

select tracker_create_aggregate('rare_cells_1h', $sql$
  select time_bucket(interval '1 hour', ts) as bucket, name,
         floor(ew * 10) as cell_ew, floor(ns * 10) as cell_ns, count(*) as events
    from rare_events
   group by time_bucket(interval '1 hour', ts), name, floor(ew * 10), floor(ns * 10)
$sql$);
