// Grafana's frontend substitutes dashboard variables into rawSql before the query goes
// to the backend (templateSrv.replace with the SQL datasources' interpolateVariable,
// grafana public/app/features/templating/template_srv.ts and packages/grafana-sql
// datasource/SqlDatasource.ts):
//   - "All" with a custom allValue: the allValue, raw (template_srv skips formatting it);
//   - "All" without one: every option, as below;
//   - several values, or one value of a multi/include-all variable: each quoted as a
//     literal ('it''s'), joined with commas;
//   - one value of a single-value variable: quotes doubled, no surrounding quotes.
// $__interval & co. are left for the backend (test/grafana/macros.ts).
import type { Variable } from '../../grafana/src/model.js';

export type Selection = string | string[] | '$__all';
const quoteLiteral = (v: string) => `'${v.replace(/'/g, "''")}'`;

export interface BoundVariable {
  variable: Variable;
  options: string[];
  selected: Selection;
}

function render(b: BoundVariable): string {
  const { variable: v } = b;
  // A dashboard stores "All" as value ['$__all'] (or '$__all').
  const selected = Array.isArray(b.selected) && b.selected.includes('$__all') ? '$__all' : b.selected;
  if (selected === '$__all') {
    if (v.allValue !== undefined) return v.allValue;
    return b.options.map(quoteLiteral).join(',');
  }
  if (Array.isArray(selected)) return selected.map(quoteLiteral).join(',');
  return v.multi || v.includeAll ? quoteLiteral(selected) : selected.replace(/'/g, "''");
}

/** Grafana's variable syntaxes: $name, ${name}, [[name]] (formats are not used by these dashboards). */
const VARIABLE = /\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g;

export function substituteVariables(sql: string, bound: Record<string, BoundVariable>): string {
  return sql.replace(VARIABLE, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c!;
    const v = bound[name];
    return v ? render(v) : whole; // unknown names ($__timeFilter, $__interval) are not dashboard variables
  });
}
