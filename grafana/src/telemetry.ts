// Dashboard 1: telemetry performance (latency, memory, CPU, handles, kills) read from
// the telemetry aggregates at a bucket that fits the time range, the newest snapshot
// per player, and hypertable metrics. Relations: sql/001_core.sql, sql/110_telemetry_aggregates.sql.
import { dashboard, sql, targets, sqlVariable, timeSeriesField, type Dashboard } from './model.js';
import { COMMUNITY, noteRow } from './license.js';
import { alertAnnotation, openAlertsPanel } from './alerts.js';

/** Filters rows to the selected characters; "All" expands to the column itself (see CHARACTER_ALL). */
const byCharacter = 'character_name in ($character)';

// Which relation a panel reads follows the API's rule for /history (README,
// API_HISTORY_TARGET_POINTS): the finest level giving at most 1440 points over the time
// range, assuming one raw sample per second: raw up to 24 minutes, telemetry_1m up to
// 24 hours, telemetry_1h up to 60 days, telemetry_1d beyond. $__interval then groups
// within that level. After macro expansion each branch's condition compares constants
// (quoted timestamps cast to timestamptz are folded by the parser), so PostgreSQL
// prunes the other branches at plan time and reads one relation.
const RANGE = '($__timeTo()::timestamptz - $__timeFrom()::timestamptz)';
const LEVELS = [
  { relation: 'telemetry', time: 'ts', when: `${RANGE} <= interval '1440 seconds'` },
  {
    relation: 'telemetry_1m',
    time: 'bucket',
    when: `${RANGE} > interval '1440 seconds' and ${RANGE} <= interval '1440 minutes'`,
  },
  {
    relation: 'telemetry_1h',
    time: 'bucket',
    when: `${RANGE} > interval '1440 minutes' and ${RANGE} <= interval '60 days'`,
  },
  { relation: 'telemetry_1d', time: 'bucket', when: `${RANGE} > interval '60 days'` },
] as const;

function byLevel(columns: (raw: boolean) => string): string {
  return `${LEVELS.map(
    (l) => `select $__timeGroupAlias(${l.time},$__interval), character_name, ${columns(l.relation === 'telemetry')}
    from ${l.relation}
    where ${l.when} and $__timeFilter(${l.time}) and ${byCharacter}
    group by 1, 2`,
  ).join('\nunion all\n')}\norder by 1, 2`;
}

/** avg and max of one performance metric; the aggregates carry sum/count/max (avg = sum / count rolls up exactly). */
const avgMax = (metric: string) =>
  byLevel((raw) =>
    raw
      ? `avg(${metric})::float8 as avg, max(${metric})::float8 as max`
      : `(sum(${metric}_sum) / nullif(sum(${metric}_count), 0))::float8 as avg, max(${metric}_max)::float8 as max`,
  );

/** The newest value of a counter per bucket. */
const lastValue = (column: string) =>
  byLevel((raw) => `last(${column}, ${raw ? 'ts' : 'last_ts'})::float8 as ${column}`);

const perCharacterLegend = {
  matcher: { id: 'byFrameRefID', options: 'A' },
  properties: [{ id: 'displayName', value: '${__field.labels.character_name} ${__field.name}' }],
};

function metricPanel(title: string, metric: string, unit: string) {
  const fc = timeSeriesField(unit);
  return {
    type: 'timeseries',
    title,
    w: 12,
    h: 8,
    description: `avg and max of ${metric} per character, from telemetry (raw, ranges up to 24 min), telemetry_1m (up to 24 h), telemetry_1h (up to 60 days) or telemetry_1d, grouped by the panel's interval.`,
    targets: targets(sql(avgMax(metric), { kind: 'time_series' })),
    fieldConfig: { defaults: fc.defaults, overrides: [perCharacterLegend] },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

const HYPERTABLES = `select h.hypertable_name::text as hypertable,
    approximate_row_count(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) as rows,
    hypertable_size(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) as bytes,
    h.num_chunks::bigint as chunks,
    (select count(*) from timescaledb_information.chunks c
      where c.hypertable_schema = h.hypertable_schema and c.hypertable_name = h.hypertable_name
        and c.range_end > $__timeFrom() and c.range_start < $__timeTo()) as chunks_in_range
  from timescaledb_information.hypertables h
  where h.hypertable_schema = current_schema()
  order by 1`;

const COMPRESSION = `select hypertable, chunks_in_range, compressed_in_range, before_bytes, after_bytes, ratio from (
  select h.hypertable_name::text as hypertable,
      count(*) as chunks_in_range,
      count(*) filter (where s.compression_status = 'Compressed') as compressed_in_range,
      sum(s.before_compression_total_bytes)::bigint as before_bytes,
      sum(s.after_compression_total_bytes)::bigint as after_bytes,
      (sum(s.before_compression_total_bytes) / nullif(sum(s.after_compression_total_bytes), 0))::float8 as ratio
    from timescaledb_information.hypertables h
    cross join lateral chunk_compression_stats(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) s
    join timescaledb_information.chunks c on c.chunk_schema = s.chunk_schema and c.chunk_name = s.chunk_name
    where ${COMMUNITY} and h.hypertable_schema = current_schema() and h.compression_enabled
      and c.range_end > $__timeFrom() and c.range_start < $__timeTo()
    group by 1
  union all
  ${noteRow('Compression statistics', 5)}
) t order by 1`;

// The watermark of a never-refreshed aggregate is the type's minimum (year 4714 BC):
// shown as NULL, "nothing materialized yet".
const FRESHNESS = `select aggregate, materialized_until, lag_seconds, last_refresh, last_refresh_status from (
  select ca.view_name::text as aggregate,
      w.materialized_until,
      extract(epoch from least(now(), $__timeTo()::timestamptz) - w.materialized_until)::float8 as lag_seconds,
      s.last_successful_finish as last_refresh,
      s.last_run_status::text as last_refresh_status
    from timescaledb_information.continuous_aggregates ca
    join _timescaledb_catalog.hypertable mh on mh.schema_name = ca.materialization_hypertable_schema and mh.table_name = ca.materialization_hypertable_name
    cross join lateral (select case when extract(year from wm) > 1 then wm end as materialized_until
        from _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mh.id)) wm) w
    left join timescaledb_information.jobs j on j.proc_name = 'policy_refresh_continuous_aggregate' and j.hypertable_name = ca.view_name
    left join timescaledb_information.job_stats s on s.job_id = j.job_id
    where ${COMMUNITY}
  union all
  ${noteRow('Continuous aggregates', 4)}
) t order by 1`;

const JOBS = `select job, hypertable, schedule, last_run_started_at, last_successful_finish, last_run_status, total_runs, total_failures, next_start, ran_in_range from (
  select j.application_name::text as job,
      j.hypertable_name::text as hypertable,
      j.schedule_interval::text as schedule,
      s.last_run_started_at, s.last_successful_finish, s.last_run_status::text as last_run_status,
      s.total_runs::bigint as total_runs, s.total_failures::bigint as total_failures, s.next_start,
      coalesce(s.last_run_started_at between $__timeFrom() and $__timeTo(), false) as ran_in_range
    from timescaledb_information.jobs j
    left join timescaledb_information.job_stats s on s.job_id = j.job_id
    where ${COMMUNITY}
  union all
  ${noteRow('Background jobs (refresh, compression and retention policies)', 9)}
) t order by 1`;

const LATEST = `select character_name, ts as "time", ew, ns, z, kills, kills_per_hour, deaths, rares_found,
    latency_ms, mem_mb, cpu_pct, mem_handles, vt_state, onlinetime, session_id
  from player_latest
  where $__timeFilter(ts) and ${byCharacter}
  order by ts desc
  limit 1000`;

// Sessions and rares per character (issue 24, docs/api.md "Sessions"): the same answers as
// GET /sessions and GET /stats/rares. tracker_sessions_page() (sql/180_sessions.sql) is
// what /sessions reads: the sessions of one character overlapping the range, stored ones
// continued by the newest raw rows; called once per selected character, so the page limit
// applies per character (the subquery keeps the "All" value, the column name, unambiguous).
const SESSIONS = `select s.character_name, s.session_id, s.start_ts as start, s.end_ts as "end", s.duration_s, s.live,
    s.samples, s.kills_gained, s.deaths_gained, s.kph_avg, s.kph_max, s.rares_found, s.distance, s.inferred
  from (select character_name from player_latest where ${byCharacter}) c
  cross join lateral tracker_sessions_page(c.character_name, $__timeFrom(), $__timeTo(), 200) s
  order by s.start_ts desc, s.character_name, s.session_id
  limit 1000`;

const RARES_PER_CHARACTER = `select character_name, count(*)::float8 as rares
  from rare_events
  where $__timeFilter(ts) and ${byCharacter}
  group by 1
  order by 2 desc, 1
  limit 50`;

export const CHARACTER_VARIABLE_QUERY = 'select character_name from player_latest order by 1';

export function telemetryDashboard(): Dashboard {
  const character = sqlVariable('character', 'Character', CHARACTER_VARIABLE_QUERY);
  // "All" substitutes the column name itself (`character_name in (character_name)`):
  // true for every row, and valid SQL even when the variable has no values yet.
  character.allValue = 'character_name';
  return dashboard(
    {
      uid: 'tracker-telemetry',
      title: 'Telemetry performance',
      description:
        'Game-client performance and progress from the telemetry aggregates (sql/110_telemetry_aggregates.sql), the newest snapshot per player, alerts (annotations and the open ones, sql/190_alerts.sql), and TimescaleDB hypertable metrics. Panels marked "community" need the TimescaleDB community license and show a note row on the Apache-only build.',
      tags: ['telemetry-tracker', 'timescaledb'],
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      templating: { list: [character] },
    },
    [
      metricPanel('Latency (ms)', 'latency_ms', 'ms'),
      metricPanel('Memory (MB)', 'mem_mb', 'decmbytes'),
      metricPanel('CPU (%)', 'cpu_pct', 'percent'),
      metricPanel('Memory handles', 'mem_handles', 'short'),
      {
        type: 'timeseries',
        title: 'Kills',
        w: 12,
        h: 8,
        description: 'The kills counter per character: its newest value in each bucket.',
        targets: targets(sql(lastValue('kills'), { kind: 'time_series' })),
        fieldConfig: { defaults: timeSeriesField('short').defaults, overrides: [perCharacterLegend] },
      },
      {
        type: 'timeseries',
        title: 'Kills per hour',
        w: 12,
        h: 8,
        description: 'kills_per_hour as the client reports it, newest value per bucket.',
        targets: targets(sql(lastValue('kills_per_hour'), { kind: 'time_series' })),
        fieldConfig: { defaults: timeSeriesField('short').defaults, overrides: [perCharacterLegend] },
      },
      {
        type: 'table',
        title: 'Newest snapshot per player',
        w: 24,
        h: 9,
        description:
          'player_latest: the newest telemetry of each character whose newest sample falls in the time range (newest first).',
        targets: targets(
          sql(LATEST, {
            kind: 'table',
            columns: ['character_name', 'time', 'ew', 'ns', 'kills', 'latency_ms', 'mem_mb', 'cpu_pct', 'mem_handles'],
          }),
        ),
      },
      openAlertsPanel(),
      {
        type: 'table',
        title: 'Sessions',
        w: 16,
        h: 9,
        description:
          'Play sessions of the selected characters overlapping the time range, newest first (GET /sessions): one session_id, or an inferred session cut by silences longer than SESSION_GAP_SECONDS; counter gains within it, kills per hour, rares found, path length.',
        targets: targets(
          sql(SESSIONS, {
            kind: 'table',
            columns: ['character_name', 'start', 'end', 'duration_s', 'kills_gained', 'kph_avg', 'rares_found'],
          }),
        ),
        fieldConfig: {
          defaults: {},
          overrides: [
            { matcher: { id: 'byName', options: 'duration_s' }, properties: [{ id: 'unit', value: 's' }] },
            { matcher: { id: 'byName', options: 'kph_avg' }, properties: [{ id: 'decimals', value: 1 }] },
            { matcher: { id: 'byName', options: 'kph_max' }, properties: [{ id: 'decimals', value: 1 }] },
            { matcher: { id: 'byName', options: 'distance' }, properties: [{ id: 'decimals', value: 1 }] },
          ],
        },
      },
      {
        type: 'bargauge',
        title: 'Rares per character',
        w: 8,
        h: 9,
        description:
          'Rare finds per selected character in the time range, most first (GET /stats/rares), from rare_events.',
        targets: targets(sql(RARES_PER_CHARACTER, { kind: 'table', columns: ['character_name', 'rares'] })),
        options: {
          orientation: 'horizontal',
          displayMode: 'gradient',
          reduceOptions: { values: true, calcs: [], fields: '/^rares$/' },
          showUnfilled: true,
        },
      },
      {
        type: 'table',
        title: 'Hypertables: rows, size, chunks',
        w: 12,
        h: 7,
        description:
          'Per hypertable: approximate row count (from planner statistics), total size, chunk count, and chunks overlapping the time range.',
        targets: targets(
          sql(HYPERTABLES, { kind: 'table', columns: ['hypertable', 'rows', 'bytes', 'chunks', 'chunks_in_range'] }),
        ),
        fieldConfig: {
          defaults: {},
          overrides: [{ matcher: { id: 'byName', options: 'bytes' }, properties: [{ id: 'unit', value: 'bytes' }] }],
        },
      },
      {
        type: 'table',
        title: 'Compression ratio (community)',
        w: 12,
        h: 7,
        description:
          'Chunks overlapping the time range per compressed hypertable: how many are compressed, bytes before and after, ratio. Needs the community license: on the Apache-only build it shows one note row.',
        targets: targets(
          sql(
            COMPRESSION,
            {
              kind: 'table',
              columns: ['hypertable', 'chunks_in_range', 'compressed_in_range', 'before_bytes', 'after_bytes', 'ratio'],
            },
            { communityOnly: true },
          ),
        ),
      },
      {
        type: 'table',
        title: 'Continuous-aggregate freshness (community)',
        w: 12,
        h: 7,
        description:
          "Per continuous aggregate: the materialization watermark, how far it lags behind the end of the time range (real-time aggregation fills the gap at query time), and the refresh job's last success. Apache-only build: the aggregates are plain views, always current; one note row.",
        targets: targets(
          sql(
            FRESHNESS,
            {
              kind: 'table',
              columns: ['aggregate', 'materialized_until', 'lag_seconds', 'last_refresh', 'last_refresh_status'],
            },
            { communityOnly: true },
          ),
        ),
      },
      {
        type: 'table',
        title: 'TimescaleDB background jobs (community)',
        w: 12,
        h: 7,
        description:
          'timescaledb_information.jobs and job_stats: last run, last success, failures, next start, and whether the last run falls in the time range. Apache-only build: no policies run; one note row.',
        targets: targets(
          sql(
            JOBS,
            {
              kind: 'table',
              columns: [
                'job',
                'hypertable',
                'last_run_started_at',
                'last_successful_finish',
                'last_run_status',
                'total_failures',
              ],
            },
            { communityOnly: true },
          ),
        ),
      },
    ],
    [alertAnnotation()],
  );
}
