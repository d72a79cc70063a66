// Runs a dashboard's SQL the way Grafana would: template variables substituted
// (test/grafana/variables.ts), macros expanded (test/grafana/macros.ts), then the SQL
// sent to a database; and checks that the result has the columns its panel needs.
import { expandMacros, type TimeRange } from './macros.js';
import { substituteVariables, type BoundVariable, type Selection } from './variables.js';
import type { Dashboard, SqlTarget, SqlShape, Panel, SqlAnnotation } from '../../grafana/src/model.js';

export interface Field {
  name: string;
  dataTypeID: number;
}
export interface Result {
  fields: Field[];
  rows: Record<string, unknown>[];
}
export interface Db {
  query(text: string): Promise<Result>;
}

const TIME = new Set([1184, 1114, 1082]); // timestamptz, timestamp, date
const NUMBER = new Set([20, 21, 23, 700, 701, 1700]); // int8, int2, int4, float4, float8, numeric
const TEXT = new Set([25, 1043, 19, 18]); // text, varchar, name, char

export interface QueryRun {
  panel: Panel;
  target: SqlTarget;
  sql: string;
  result: Result;
}

function bindVariables(
  d: Dashboard,
  selected: Record<string, Selection>,
  options: Record<string, string[]>,
): Record<string, BoundVariable> {
  const bound: Record<string, BoundVariable> = {};
  for (const v of d.templating.list)
    bound[v.name] = {
      variable: v,
      options: options[v.name] ?? [],
      selected: selected[v.name] ?? (v.current.value as Selection),
    };
  return bound;
}

/** Every SQL target of a dashboard, substituted, expanded and run. */
export async function runDashboard(
  db: Db,
  d: Dashboard,
  range: TimeRange,
  intervalMs: number,
  selected: Record<string, Selection>,
  options: Record<string, string[]>,
): Promise<QueryRun[]> {
  const bound = bindVariables(d, selected, options);
  const runs: QueryRun[] = [];
  for (const panel of d.panels)
    for (const target of panel.targets) {
      if (!('rawSql' in target)) continue;
      const sql = expandMacros(substituteVariables(target.rawSql, bound), { range, intervalMs, timescaledb: true }).sql;
      try {
        runs.push({ panel, target, sql, result: await db.query(sql) });
      } catch (err) {
        throw new Error(`${d.title} / ${panel.title}: ${(err as Error).message}\n${sql}`);
      }
    }
  return runs;
}

export interface AnnotationRun {
  annotation: SqlAnnotation;
  sql: string;
  result: Result;
}

/** Every annotation query of a dashboard, substituted, expanded and run as Grafana runs them. */
export async function runAnnotations(
  db: Db,
  d: Dashboard,
  range: TimeRange,
  selected: Record<string, Selection>,
  options: Record<string, string[]>,
): Promise<AnnotationRun[]> {
  const bound = bindVariables(d, selected, options);
  const runs: AnnotationRun[] = [];
  for (const annotation of d.annotations.list) {
    const text = substituteVariables(annotation.target.rawSql, bound);
    // Grafana sends an annotation query with the dashboard's range and no panel interval.
    const sql = expandMacros(text, { range, intervalMs: 60_000, timescaledb: true }).sql;
    try {
      runs.push({ annotation, sql, result: await db.query(sql) });
    } catch (err) {
      throw new Error(`${d.title} / annotations ${annotation.name}: ${(err as Error).message}\n${sql}`);
    }
  }
  return runs;
}

/** Problems with a result for its panel's shape (empty when it fits). */
export function shapeProblems(shape: SqlShape, r: Result): string[] {
  const problems: string[] = [];
  const type = (name: string) => r.fields.find((f) => f.name === name)?.dataTypeID;
  const numeric = (name: string) => {
    const t = type(name);
    if (t === undefined || !NUMBER.has(t)) problems.push(`${name} is not a numeric column (type ${t})`);
  };
  if (shape.kind === 'time_series') {
    const t = type('time');
    if (t === undefined || !TIME.has(t))
      problems.push(
        `no "time" timestamp column (fields: ${r.fields.map((f) => `${f.name}:${f.dataTypeID}`).join(', ')})`,
      );
    const values = r.fields.filter((f) => f.name !== 'time');
    for (const f of values)
      if (!NUMBER.has(f.dataTypeID) && !TEXT.has(f.dataTypeID))
        problems.push(`${f.name} is neither numeric nor a text label (type ${f.dataTypeID})`);
    if (!values.some((f) => NUMBER.has(f.dataTypeID))) problems.push('no numeric value column');
    // Grafana turns long frames (time, label, value) into series; it refuses rows not sorted by time.
    const times = r.rows.map((row) => new Date(row.time as string | Date).getTime());
    if (times.some((x, i) => i > 0 && x < times[i - 1])) problems.push('rows are not sorted by time');
  } else if (shape.kind === 'annotation') {
    for (const c of ['time', 'timeend'])
      if (type(c) !== undefined && !TIME.has(type(c)!)) problems.push(`${c} is not a timestamp column`);
    if (type('time') === undefined) problems.push('no "time" column');
    for (const c of ['text', 'tags'])
      if (type(c) !== undefined && !TEXT.has(type(c)!)) problems.push(`${c} is not a text column`);
    if (type('text') === undefined) problems.push('no "text" column');
  } else if (shape.kind === 'table') {
    for (const c of shape.columns) if (type(c) === undefined) problems.push(`no column ${c}`);
  } else {
    numeric(shape.x);
    numeric(shape.y);
    numeric(shape.size);
    if (type('time') !== undefined) problems.push('an XY panel gets no time column');
  }
  return problems;
}
