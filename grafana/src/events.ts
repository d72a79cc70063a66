// Dashboards 2 and 3: spawns (by mob) and rares (by item name). One builder, two
// vocabularies. Raw tables spawn_events / rare_events carry character_name, so the
// per-character panels read them (indexes on (character_name, ts) and (mob|name, ts));
// the all-characters hourly trend reads the cell aggregate spawn_cells_1h / rare_cells_1h
// (sql/120_event_cell_aggregates.sql), which has no character column.
import { dashboard, sql, targets, sqlVariable, customVariable, timeSeriesField, type Dashboard } from './model.js';

interface EventKind {
  uid: string;
  title: string;
  noun: string;
  table: string;
  cells: string;
  key: 'mob' | 'name';
  keyLabel: string;
  variable: string;
}

export const SPAWNS: EventKind = {
  uid: 'tracker-spawns',
  title: 'Spawns',
  noun: 'spawns',
  table: 'spawn_events',
  cells: 'spawn_cells_1h',
  key: 'mob',
  keyLabel: 'Mob',
  variable: 'mob',
};
export const RARES: EventKind = {
  uid: 'tracker-rares',
  title: 'Rares',
  noun: 'rares',
  table: 'rare_events',
  cells: 'rare_cells_1h',
  key: 'name',
  keyLabel: 'Item',
  variable: 'item',
};

/** Grid cell sizes offered for the spatial panel (map units). */
export const CELL_SIZES = ['0.1', '0.5', '1', '2', '5', '10'];

const SPATIAL_DESCRIPTION = (k: EventKind) =>
  `Where ${k.noun} happened: one square per ew × ns grid cell of the chosen size ($cell map units), colour and size by count, over the time range. ` +
  "Drawn with the XY chart panel on pre-bucketed x/y/count rows: Grafana's heatmap panel assumes time on the X axis and renders a non-time X and sparse cells blank or wrong (grafana issues 60806, 126213), " +
  'while the XY chart places every cell at its own coordinates and leaves empty cells empty. The cell size is quoted and cast in SQL, so any URL value is a literal, never SQL.';

export function eventsDashboard(k: EventKind): Dashboard {
  const where = `$__timeFilter(ts) and ${k.key} in ($${k.variable}) and character_name in ($character)`;
  const keyVar = sqlVariable(
    k.variable,
    k.keyLabel,
    // Loose index scan over the (key, ts) index: one probe per distinct value, not a scan of every row.
    `with recursive v as (select min(${k.key}) as k from ${k.table} union all select (select min(${k.key}) from ${k.table} where ${k.key} > v.k) from v where v.k is not null) select k from v where k is not null`,
  );
  keyVar.allValue = k.key;
  keyVar.description = `"All" substitutes the column name (${k.key} in (${k.key})): true for every row and valid SQL even with no values.`;
  const character = sqlVariable(
    'character',
    'Character',
    `with recursive v as (select min(character_name) as k from ${k.table} union all select (select min(character_name) from ${k.table} where character_name > v.k) from v where v.k is not null) select k from v where k is not null`,
  );
  character.allValue = 'character_name';
  const cell = customVariable('cell', 'Cell size', CELL_SIZES, '1');

  const byKeyLegend = {
    matcher: { id: 'byFrameRefID', options: 'A' },
    properties: [{ id: 'displayName', value: `\${__field.labels.${k.key}}` }],
  };
  const countsByKey = `select $__timeGroupAlias(ts,$__interval,0), ${k.key}, count(*)::float8 as ${k.noun}
    from ${k.table}
    where ${where}
    group by 1, 2
    order by 1, 2`;

  return dashboard(
    {
      uid: k.uid,
      title: k.title,
      description: `${k.title} by ${k.keyLabel.toLowerCase()}, character and place: a spatial grid, a time × ${k.keyLabel.toLowerCase()} heatmap, trends and top lists.`,
      tags: ['telemetry-tracker', k.noun],
      refresh: '1m',
      time: { from: 'now-24h', to: 'now' },
      templating: { list: [keyVar, character, cell] },
    },
    [
      {
        type: 'xychart',
        title: `${k.title} by place (ew × ns, cell $cell)`,
        w: 12,
        h: 14,
        description: SPATIAL_DESCRIPTION(k),
        targets: targets(
          sql(
            `select (floor(ew / '$cell'::float8) * '$cell'::float8)::float8 as ew,
          (floor(ns / '$cell'::float8) * '$cell'::float8)::float8 as ns,
          count(*)::float8 as count
        from ${k.table}
        where ${where}
        group by 1, 2
        order by 3 desc
        limit 20000`,
            { kind: 'xy', x: 'ew', y: 'ns', size: 'count' },
          ),
        ),
        fieldConfig: {
          defaults: {
            color: { mode: 'continuous-YlRd' },
            custom: { show: 'points', pointShape: 'square', pointSize: { min: 4, max: 24 }, pointStrokeWidth: 0 },
          },
          overrides: [],
        },
        options: {
          mapping: 'manual',
          series: [
            {
              frame: { matcher: { id: 'byIndex', options: 0 } },
              x: { matcher: { id: 'byName', options: 'ew' } },
              y: { matcher: { id: 'byName', options: 'ns' } },
              color: { matcher: { id: 'byName', options: 'count' } },
              size: { matcher: { id: 'byName', options: 'count' } },
            },
          ],
          legend: { showLegend: false, displayMode: 'list', placement: 'bottom' },
          tooltip: { mode: 'single' },
        },
      },
      {
        type: 'heatmap',
        title: `${k.title} over time by ${k.keyLabel.toLowerCase()}`,
        w: 12,
        h: 14,
        description: `Count per ${k.keyLabel.toLowerCase()} per time bucket; time on X, one row per ${k.keyLabel.toLowerCase()} (pre-bucketed: calculate off). Empty buckets are filled with 0 by $__timeGroup's fill argument, so the grid has no holes.`,
        targets: targets(sql(countsByKey, { kind: 'time_series' })),
        fieldConfig: { defaults: {}, overrides: [byKeyLegend] },
        options: {
          calculate: false,
          yAxis: { axisPlacement: 'left' },
          rowsFrame: { layout: 'auto' },
          color: {
            mode: 'scheme',
            scheme: 'YlOrRd',
            steps: 64,
            fill: 'dark-orange',
            exponent: 0.5,
            scale: 'exponential',
          },
          cellGap: 1,
          tooltip: { mode: 'single', yHistogram: false },
          legend: { show: true },
          showValue: 'never',
        },
      },
      {
        type: 'timeseries',
        title: `${k.title} per ${k.keyLabel.toLowerCase()}`,
        w: 12,
        h: 8,
        description: `Trend lines: count per ${k.keyLabel.toLowerCase()} per bucket, for the selected characters.`,
        targets: targets(sql(countsByKey, { kind: 'time_series' })),
        fieldConfig: { defaults: timeSeriesField('short').defaults, overrides: [byKeyLegend] },
        options: {
          legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] },
          tooltip: { mode: 'multi', sort: 'desc' },
        },
      },
      {
        type: 'bargauge',
        title: `Top ${k.keyLabel.toLowerCase()}s`,
        w: 12,
        h: 8,
        description: `The 20 most frequent ${k.keyLabel.toLowerCase()}s in the time range for the selected characters.`,
        targets: targets(
          sql(
            `select ${k.key}, count(*)::float8 as ${k.noun}
        from ${k.table}
        where ${where}
        group by 1
        order by 2 desc, 1
        limit 20`,
            { kind: 'table', columns: [k.key, k.noun] },
          ),
        ),
        options: {
          orientation: 'horizontal',
          displayMode: 'gradient',
          reduceOptions: { values: true, calcs: [], fields: `/^${k.noun}$/` },
          showUnfilled: true,
        },
      },
      {
        type: 'timeseries',
        title: `${k.title} per character`,
        w: 12,
        h: 8,
        description: `Count per character per bucket, for the selected ${k.keyLabel.toLowerCase()}s.`,
        targets: targets(
          sql(
            `select $__timeGroupAlias(ts,$__interval,0), character_name, count(*)::float8 as ${k.noun}
        from ${k.table}
        where ${where}
        group by 1, 2
        order by 1, 2`,
            { kind: 'time_series' },
          ),
        ),
        fieldConfig: {
          defaults: timeSeriesField('short').defaults,
          overrides: [
            {
              matcher: { id: 'byFrameRefID', options: 'A' },
              properties: [{ id: 'displayName', value: '${__field.labels.character_name}' }],
            },
          ],
        },
      },
      {
        type: 'timeseries',
        title: `${k.title} per hour, all characters (${k.cells})`,
        w: 12,
        h: 8,
        interval: '1h',
        description: `Hourly counts per ${k.keyLabel.toLowerCase()} from the cell aggregate ${k.cells} (no character column: all characters). Cheap over long ranges; minimum interval 1h.`,
        targets: targets(
          sql(
            `select $__timeGroupAlias(bucket,$__interval,0), ${k.key}, sum(events)::float8 as ${k.noun}
        from ${k.cells}
        where $__timeFilter(bucket) and ${k.key} in ($${k.variable})
        group by 1, 2
        order by 1, 2`,
            { kind: 'time_series' },
          ),
        ),
        fieldConfig: {
          defaults: timeSeriesField('short', { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'normal' } })
            .defaults,
          overrides: [byKeyLegend],
        },
      },
    ],
  );
}
