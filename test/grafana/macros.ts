// What Grafana's PostgreSQL datasource does to a panel's SQL before it reaches the
// database, ported from grafana/grafana:
//   pkg/tsdb/grafana-postgresql-datasource/sqleng/sql_engine.go  Interpolate (global: $__interval, $__interval_ms, $__unixEpochFrom/To())
//   pkg/tsdb/grafana-postgresql-datasource/macros.go            postgresMacroEngine (the $__name(args) macros)
//   grafana-plugin-sdk-go backend/gtime/gtime.go                ParseInterval, FormatInterval
// Go formatting (time.RFC3339Nano, %v of a float64, %.3f) is reproduced where it shows
// in the SQL. Unit tests: test/grafana/macros.unit.test.ts.

export interface TimeRange {
  from: Date;
  to: Date;
}
export interface MacroContext {
  range: TimeRange;
  intervalMs: number;
  timescaledb: boolean;
}
export type Fill = { intervalSeconds: number } & (
  | { mode: 'null' }
  | { mode: 'previous' }
  | { mode: 'value'; value: number }
);
export interface Expanded {
  sql: string;
  fill?: Fill;
}

export class MacroError extends Error {
  override name = 'MacroError';
}

const MS = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Go time.ParseDuration, in milliseconds (sub-millisecond parts kept as fractions). */
function parseGoDuration(s: string): number {
  const m = /^([+-])?(.*)$/.exec(s)!;
  let rest = m[2],
    total = 0;
  if (rest === '0') return 0;
  if (rest === '') throw new MacroError(`time: invalid duration "${s}"`);
  while (rest.length) {
    const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part) throw new MacroError(`time: invalid duration "${s}"`);
    total += Number(part[1]) * MS[part[2] as keyof typeof MS];
    rest = rest.slice(part[0].length);
  }
  return m[1] === '-' ? -total : total;
}

/** gtime.ParseInterval: Go durations plus d, w, M, y counted from now (UTC). */
export function parseInterval(inp: string, now = new Date()): number {
  const date = /^(\d+)([dwMy])$/.exec(inp);
  if (!date) return parseGoDuration(inp);
  const n = Number(date[1]);
  const t = new Date(now.getTime());
  if (date[2] === 'd') t.setUTCDate(t.getUTCDate() + n);
  if (date[2] === 'w') t.setUTCDate(t.getUTCDate() + 7 * n);
  if (date[2] === 'M') t.setUTCMonth(t.getUTCMonth() + n);
  if (date[2] === 'y') t.setUTCFullYear(t.getUTCFullYear() + n);
  return t.getTime() - now.getTime();
}

/** gtime.FormatInterval: the largest whole unit (y, d, h, m, s, ms). */
export function formatInterval(ms: number): string {
  const units: Array<[string, number]> = [
    ['y', 365 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  for (const [u, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${u}`;
  return '1ms';
}

/** Go's time.Time.UTC().Format(time.RFC3339Nano): no trailing zeros in the fraction, "Z". */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/**
 * fmt's %v of a float64: strconv 'g' with the shortest digits, which switches to the
 * exponent form when the decimal exponent is < -4 or >= 6 ("if shortest { eprec = 6 }",
 * strconv/ftoa.go), with at least two exponent digits: 300 -> "300", 1036800 -> "1.0368e+06".
 */
export function goFloat(f: number): string {
  if (f === 0) return '0';
  const [mant, e] = f.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

const unix = (d: Date) => Math.floor(d.getTime() / 1000);
const unixNano = (d: Date) => (BigInt(d.getTime()) * 1_000_000n).toString();

/** sqleng.Interpolate: the global substitutions every SQL datasource does first. */
export function interpolateGlobal(sql: string, ctx: MacroContext): string {
  return sql
    .replaceAll('$__interval_ms', String(Math.trunc(ctx.intervalMs)))
    .replaceAll('$__interval', formatInterval(ctx.intervalMs))
    .replaceAll('$__unixEpochFrom()', String(unix(ctx.range.from)))
    .replaceAll('$__unixEpochTo()', String(unix(ctx.range.to)));
}

function setupFill(intervalMs: number, fillmode: string): Fill {
  const intervalSeconds = intervalMs / 1000;
  if (fillmode === 'NULL') return { intervalSeconds, mode: 'null' };
  if (fillmode === 'previous') return { intervalSeconds, mode: 'previous' };
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i.test(fillmode)
    ? Number(fillmode.replace(/inf(inity)?/i, 'Infinity'))
    : NaN;
  if (Number.isNaN(value) && !/nan/i.test(fillmode)) throw new MacroError(`error parsing fill value ${fillmode}`);
  return { intervalSeconds, mode: 'value', value };
}

function evaluateMacro(ctx: MacroContext, name: string, args: string[], state: { fill?: Fill }): string {
  const { from, to } = ctx.range;
  // As in macros.go: strings.Split never returns an empty list, so `$__timeFilter()` passes
  // this check with an empty column name, and PostgreSQL reports the syntax error.
  const needColumn = () => {
    if (args.length === 0) throw new MacroError(`missing time column argument for macro ${name}`);
  };
  const groupInterval = () => {
    if (args.length < 2) throw new MacroError(`macro ${name} needs time column and interval and optional fill value`);
    let ms: number;
    try {
      ms = parseInterval(args[1].replace(/^'+|'+$/g, ''));
    } catch {
      throw new MacroError(`error parsing interval ${args[1]}`);
    }
    if (args.length === 3) state.fill = setupFill(ms, args[2]);
    return ms;
  };
  switch (name) {
    case '__time':
      needColumn();
      return `${args[0]} AS "time"`;
    case '__timeEpoch':
      needColumn();
      return `extract(epoch from ${args[0]}) as "time"`;
    case '__timeFilter':
      needColumn();
      return `${args[0]} BETWEEN '${rfc3339Nano(from)}' AND '${rfc3339Nano(to)}'`;
    case '__timeFrom':
      return `'${rfc3339Nano(from)}'`;
    case '__timeTo':
      return `'${rfc3339Nano(to)}'`;
    case '__timeGroup': {
      const s = groupInterval() / 1000;
      if (ctx.timescaledb) return `time_bucket('${s.toFixed(3)}s',${args[0]})`;
      return `floor(extract(epoch from ${args[0]})/${goFloat(s)})*${goFloat(s)}`;
    }
    case '__timeGroupAlias':
      return `${evaluateMacro(ctx, '__timeGroup', args, state)} AS "time"`;
    case '__unixEpochFilter':
      needColumn();
      return `${args[0]} >= ${unix(from)} AND ${args[0]} <= ${unix(to)}`;
    case '__unixEpochNanoFilter':
      needColumn();
      return `${args[0]} >= ${unixNano(from)} AND ${args[0]} <= ${unixNano(to)}`;
    case '__unixEpochNanoFrom':
      return unixNano(from);
    case '__unixEpochNanoTo':
      return unixNano(to);
    case '__unixEpochGroup': {
      const s = groupInterval() / 1000;
      return `floor((${args[0]})/${goFloat(s)})*${goFloat(s)}`;
    }
    case '__unixEpochGroupAlias':
      return `${evaluateMacro(ctx, '__unixEpochGroup', args, state)} AS "time"`;
    default:
      throw new MacroError(`unknown macro ${JSON.stringify(name)}`);
  }
}

/** postgresMacroEngine.Interpolate after sqleng.Interpolate: the SQL PostgreSQL receives. */
export function expandMacros(rawSql: string, ctx: MacroContext): Expanded {
  const sql = interpolateGlobal(rawSql, ctx);
  const state: { fill?: Fill } = {};
  let firstError: MacroError | undefined;
  const out = sql.replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (whole: string, name: string, argText: string) => {
    // macros.go: "$__timeGroup(...)," (a comma right after) is the pre-5.3 form and gets AS "time".
    if (name === '__timeGroup') {
      const at = sql.indexOf(whole);
      if (at >= 0 && sql[at + whole.length] === ',') name = '__timeGroupAlias';
    }
    const args = argText.split(',').map((a) => a.replace(/^ +| +$/g, ''));
    try {
      return evaluateMacro(ctx, name, args, state);
    } catch (err) {
      firstError ??= err as MacroError;
      return 'macro_error()';
    }
  });
  if (firstError) throw firstError;
  return { sql: out, fill: state.fill };
}
