// Alerts on the telemetry dashboard (issue 25, docs/alerts.md): an annotation per alert
// and an "Open alerts" table, both read from the `alerts` table (sql/190_alerts.sql) and
// filtered by the dashboard's `$character`.
import { sql, sqlAnnotation, targets } from './model.js';

/** Alerts that overlap the time range: started before its end, not resolved before its start. */
const OVERLAPS = `started_at <= $__timeTo() and (resolved_at is null or resolved_at >= $__timeFrom())`;

// A resolved alert is a region from its start to its resolution (a death, resolved at
// once, is a line); an open one runs to now. Tags are split on ',' by Grafana, so a
// comma in a character name becomes a space.
export const ALERT_ANNOTATIONS = `select started_at as "time",
    coalesce(resolved_at, greatest(started_at, now())) as timeend,
    format('%s alert: %s%s %s', kind, character_name,
      case when resolved_at is null then ' (open)' else '' end, detail::text) as text,
    concat_ws(',', kind, replace(character_name, ',', ' ')) as tags
  from alerts
  where ${OVERLAPS} and character_name in ($character)
  order by started_at
  limit 1000`;

// Open at the end of the time range: with a range ending now, the alerts open now.
export const OPEN_ALERTS = `select character_name, kind, started_at,
    extract(epoch from least(now(), $__timeTo()::timestamptz) - started_at)::float8 as open_for,
    detail::text as detail
  from alerts
  where started_at <= $__timeTo() and (resolved_at is null or resolved_at > $__timeTo())
    and character_name in ($character)
  order by started_at desc
  limit 1000`;

export const alertAnnotation = () => sqlAnnotation('Alerts', 'red', ALERT_ANNOTATIONS);

export const openAlertsPanel = () => ({
  type: 'table',
  title: 'Open alerts',
  w: 24,
  h: 7,
  description:
    'Alerts (death, offline, idle, client) open at the end of the time range, newest first: the character, the kind, when it started, how long it has been open and its detail. The same alerts show on the time series as annotations ("Alerts").',
  targets: targets(
    sql(OPEN_ALERTS, { kind: 'table', columns: ['character_name', 'kind', 'started_at', 'open_for', 'detail'] }),
  ),
  fieldConfig: {
    defaults: {},
    overrides: [{ matcher: { id: 'byName', options: 'open_for' }, properties: [{ id: 'unit', value: 's' }] }],
  },
});
