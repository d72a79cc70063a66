// A small dashboards-as-code layer: just the parts of Grafana's dashboard JSON model
// (schemaVersion 39+) these dashboards use, so every panel query lives in TypeScript
// where the tests can read it, and grafana/dashboards/*.json is generated from it
// (`npx tsx grafana/src/build.ts --write`; test/grafana/dashboards.unit.test.ts keeps
// the committed JSON in sync). No `__inputs` / `${DS_…}` placeholders: file
// provisioning does not resolve them, so every panel names a fixed datasource uid.
import { POSTGRES_UID, PROMETHEUS_UID } from './datasources.js';

/**
 * The Grafana version these dashboards are written for (the grafana image in
 * docker-compose.yml; test/foundation/compose.unit.test.ts keeps them equal). Every panel
 * carries it as pluginVersion: a panel without one is taken for an old save model and
 * migrated, which for the XY chart rewrites v2 options as if they were v1 ones
 * (public/app/plugins/panel/xychart/v2/migrations.ts).
 */
export const GRAFANA_VERSION = '12.2.0';

export type DatasourceRef = { type: 'grafana-postgresql-datasource' | 'prometheus'; uid: string };
export const POSTGRES: DatasourceRef = { type: 'grafana-postgresql-datasource', uid: POSTGRES_UID };
export const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: PROMETHEUS_UID };

/** What a SQL query must return for its panel (checked by test/grafana/sql-queries.int.test.ts). */
export type SqlShape =
  | { kind: 'time_series' } // `time` timestamps ascending, numeric values, optional text labels
  | { kind: 'table'; columns: string[] } // these named columns
  | { kind: 'xy'; x: string; y: string; size: string } // numeric x, y and count fields, no time
  | { kind: 'annotation' }; // `time` (and optional `timeend`) timestamps, a text `text`, optional text `tags`

export interface SqlTarget {
  refId: string;
  datasource: DatasourceRef;
  rawSql: string;
  format: 'time_series' | 'table';
  editorMode: 'code';
  rawQuery: true;
  shape: SqlShape;
  communityOnly?: boolean;
}
export interface PromTarget {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat: string;
  range: true;
  editorMode: 'code';
}
export type Target = SqlTarget | PromTarget;

/**
 * An annotation query on the PostgreSQL datasource: rows with `time`, optional
 * `timeend` (a region), `text` and `tags` (comma-separated); Grafana maps the fields by
 * name, case-insensitively (public/app/features/annotations/standardAnnotationSupport.ts).
 */
export interface SqlAnnotation {
  name: string;
  datasource: DatasourceRef;
  enable: true;
  hide: false;
  iconColor: string;
  target: SqlTarget;
}

export interface Panel {
  id: number;
  type: string;
  pluginVersion: string;
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: DatasourceRef;
  targets: Target[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
  interval?: string;
  maxDataPoints?: number;
  transformations?: unknown[];
}

export interface Variable {
  name: string;
  label: string;
  type: 'query' | 'custom';
  query: string;
  datasource?: DatasourceRef;
  definition?: string;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  description?: string;
  refresh?: number;
  sort?: number;
  current: { selected: boolean; text: string | string[]; value: string | string[] };
  options: unknown[];
  hide: 0;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'utc';
  schemaVersion: 39;
  version: 1;
  editable: false;
  graphTooltip: 1;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: Variable[] };
  annotations: { list: SqlAnnotation[] };
  links: unknown[];
  panels: Panel[];
}

type PanelInput = Omit<Panel, 'id' | 'pluginVersion' | 'gridPos' | 'fieldConfig' | 'options' | 'datasource'> & {
  w?: number;
  h?: number;
  fieldConfig?: Panel['fieldConfig'];
  options?: Record<string, unknown>;
};

/** Lays panels out left to right, 24 columns per row, and numbers them. */
export function dashboard(
  d: Omit<
    Dashboard,
    'timezone' | 'schemaVersion' | 'version' | 'editable' | 'graphTooltip' | 'annotations' | 'links' | 'panels'
  >,
  panels: PanelInput[],
  annotations: SqlAnnotation[] = [],
): Dashboard {
  let x = 0,
    y = 0,
    rowH = 0;
  const laid = panels.map((p, i): Panel => {
    const w = p.w ?? 12,
      h = p.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowH = Math.max(rowH, h);
    const { w: _w, h: _h, ...rest } = p;
    return {
      id: i + 1,
      pluginVersion: GRAFANA_VERSION,
      gridPos,
      datasource: p.targets[0].datasource,
      fieldConfig: p.fieldConfig ?? { defaults: {}, overrides: [] },
      options: p.options ?? {},
      ...rest,
    } as Panel;
  });
  return {
    ...d,
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    graphTooltip: 1,
    annotations: { list: annotations },
    links: [],
    panels: laid,
  };
}

const ref = (i: number) => String.fromCharCode(65 + i);

export function sql(
  rawSql: string,
  shape: SqlShape,
  extra: { communityOnly?: boolean } = {},
): (i: number) => SqlTarget {
  return (i) => ({
    refId: ref(i),
    datasource: POSTGRES,
    rawSql: rawSql.trim().replace(/\n\s+/g, '\n  '),
    format: shape.kind === 'time_series' ? 'time_series' : 'table',
    editorMode: 'code',
    rawQuery: true,
    shape,
    ...extra,
  });
}

export function prom(expr: string, legendFormat = '__auto'): (i: number) => PromTarget {
  return (i) => ({ refId: ref(i), datasource: PROMETHEUS, expr, legendFormat, range: true, editorMode: 'code' });
}

/** An annotation query over the PostgreSQL datasource (its SQL is checked like a panel's, shape `annotation`). */
export function sqlAnnotation(name: string, iconColor: string, rawSql: string): SqlAnnotation {
  return {
    name,
    datasource: POSTGRES,
    enable: true,
    hide: false,
    iconColor,
    target: { ...sql(rawSql, { kind: 'annotation' })(0), refId: 'Anno' },
  };
}

export const targets = (...t: Array<(i: number) => Target>) => t.map((f, i) => f(i));

/** A multi-value, include-all query variable over the PostgreSQL datasource, refreshed when the dashboard loads (its query ignores the time range). */
export function sqlVariable(name: string, label: string, query: string): Variable {
  return {
    name,
    label,
    type: 'query',
    datasource: POSTGRES,
    query,
    definition: query,
    multi: true,
    includeAll: true,
    refresh: 1,
    sort: 1,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    hide: 0,
  };
}

export function customVariable(name: string, label: string, values: string[], selected: string): Variable {
  return {
    name,
    label,
    type: 'custom',
    query: values.join(','),
    multi: false,
    includeAll: false,
    current: { selected: true, text: selected, value: selected },
    options: values.map((v) => ({ selected: v === selected, text: v, value: v })),
    hide: 0,
  };
}

export const timeSeriesField = (unit: string, extra: Record<string, unknown> = {}) => ({
  defaults: {
    unit,
    custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false, ...extra },
  },
  overrides: [],
});
