// The macro expansion of test/grafana/macros.ts against the cases of grafana's
// pkg/tsdb/grafana-postgresql-datasource/macros_test.go (same inputs, same expected
// text), plus $__interval / $__interval_ms (sqleng Interpolate) and fill.
import t from 'tap';
import {
  expandMacros,
  interpolateGlobal,
  parseInterval,
  formatInterval,
  goFloat,
  rfc3339Nano,
  MacroError,
  type MacroContext,
} from './macros.js';
import { substituteVariables } from './variables.js';
import { customVariable, sqlVariable } from '../../grafana/src/model.js';

const from = new Date(Date.UTC(2018, 3, 12, 18, 0, 0));
const to = new Date(from.getTime() + 5 * 60_000);
const plain: MacroContext = { range: { from, to }, intervalMs: 60_000, timescaledb: false };
const ts: MacroContext = { ...plain, timescaledb: true };
const x = (sql: string, ctx = plain) => expandMacros(sql, ctx).sql;

t.test('$__time and $__timeEpoch', async (t) => {
  t.equal(x('select $__time(time_column)'), 'select time_column AS "time"');
  t.equal(x('select min($__time(time_column))'), 'select min(time_column AS "time")');
  t.equal(x('select $__timeEpoch(time_column)'), 'select extract(epoch from time_column) as "time"');
});

t.test('$__timeFilter', async (t) => {
  t.equal(
    x('WHERE $__timeFilter(time_column)'),
    "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
  );
  const old = { ...plain, range: { from: new Date(Date.UTC(1960, 1, 1, 7)), to: new Date(Date.UTC(1965, 1, 3, 8)) } };
  t.equal(
    x('WHERE $__timeFilter(time_column)', old),
    "WHERE time_column BETWEEN '1960-02-01T07:00:00Z' AND '1965-02-03T08:00:00Z'",
  );
  const half = {
    ...plain,
    range: { from: new Date(Date.UTC(1960, 1, 1, 7, 0, 0, 500)), to: new Date(Date.UTC(1980, 1, 3, 8, 0, 0, 500)) },
  };
  t.equal(
    x('WHERE $__timeFilter(time_column)', half),
    "WHERE time_column BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.5Z'",
    'RFC3339Nano drops trailing zeros',
  );
  t.equal(rfc3339Nano(new Date(Date.UTC(2020, 0, 1, 0, 0, 0, 120))), '2020-01-01T00:00:00.12Z');
});

t.test('$__timeFilter on a column expression', async (t) => {
  t.equal(
    x('WHERE $__timeFilter(coalesce(received_at, ts))'),
    "WHERE coalesce(received_at BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z')",
    'the macro regex stops at the first ")", so a column expression with parentheses is cut (grafana macros.go sExpr)',
  );
  t.equal(
    x("WHERE $__timeFilter(ts + interval '1 hour')"),
    "WHERE ts + interval '1 hour' BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
    'an expression without parentheses works',
  );
  t.equal(
    x('WHERE $__timeFilter( t.ts )'),
    "WHERE t.ts BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
    'arguments are trimmed',
  );
});

t.test('$__timeFrom and $__timeTo', async (t) => {
  t.equal(x('select $__timeFrom()'), "select '2018-04-12T18:00:00Z'");
  t.equal(x('select $__timeTo()'), "select '2018-04-12T18:05:00Z'");
});

t.test('$__timeGroup without TimescaleDB', async (t) => {
  t.equal(x("SELECT $__timeGroup(time_column,'5m')"), 'SELECT floor(extract(epoch from time_column)/300)*300');
  t.equal(
    x("SELECT $__timeGroup(time_column , '5m')"),
    'SELECT floor(extract(epoch from time_column)/300)*300',
    'spaces between arguments',
  );
  t.equal(
    x("SELECT $__timeGroup(time_column,'5m'), value"),
    'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value',
    'pre-5.3 form: a comma right after adds AS "time"',
  );
  t.equal(
    x("SELECT $__timeGroup(time_column,'5m') as time, value"),
    'SELECT floor(extract(epoch from time_column)/300)*300 as time, value',
  );
  t.equal(
    x("SELECT $__timeGroup(c,'12d')"),
    'SELECT floor(extract(epoch from c)/1.0368e+06)*1.0368e+06',
    'Go %v of a float64 switches to the exponent form',
  );
});

t.test('$__timeGroup with TimescaleDB', async (t) => {
  t.equal(x("GROUP BY $__timeGroup(time_column,'5m')", ts), "GROUP BY time_bucket('300.000s',time_column)");
  t.equal(x("GROUP BY $__timeGroup(time_column , '5m')", ts), "GROUP BY time_bucket('300.000s',time_column)");
  t.equal(x("GROUP BY $__timeGroup(time_column , '12d')", ts), "GROUP BY time_bucket('1036800.000s',time_column)");
  t.equal(x("GROUP BY $__timeGroup(time_column , '20ms')", ts), "GROUP BY time_bucket('0.020s',time_column)");
  t.equal(
    x('GROUP BY $__timeGroup(ts, 1h30m)', ts),
    "GROUP BY time_bucket('5400.000s',ts)",
    'unquoted, compound Go duration',
  );
});

t.test('$__timeGroupAlias', async (t) => {
  t.equal(x("SELECT $__timeGroupAlias(time_column,'5m')"), `${x("SELECT $__timeGroup(time_column,'5m')")} AS "time"`);
  t.equal(
    x("SELECT $__timeGroupAlias(time_column , '5m')", ts),
    `SELECT time_bucket('300.000s',time_column) AS "time"`,
  );
});

t.test('$__timeGroup with fill', async (t) => {
  const none = expandMacros("$__timeGroupAlias(ts,'5m')", ts);
  t.equal(none.fill, undefined, 'no third argument: no fill');
  const zero = expandMacros('$__timeGroupAlias(ts,$__interval,0)', ts);
  t.equal(zero.sql, `time_bucket('60.000s',ts) AS "time"`, 'the fill argument leaves the SQL unchanged');
  t.same(zero.fill, { intervalSeconds: 60, mode: 'value', value: 0 });
  t.same(expandMacros("$__timeGroup(ts,'10s',NULL)", ts).fill, { intervalSeconds: 10, mode: 'null' });
  t.same(expandMacros("$__timeGroup(ts,'10s', previous)", ts).fill, { intervalSeconds: 10, mode: 'previous' });
  t.same(expandMacros("$__timeGroup(ts,'10s',-2.5)", ts).fill, { intervalSeconds: 10, mode: 'value', value: -2.5 });
  t.throws(() => expandMacros("$__timeGroup(ts,'10s',zero)", ts), new MacroError('error parsing fill value zero'));
  t.throws(
    () => expandMacros('$__timeGroup(ts)', ts),
    new MacroError('macro __timeGroup needs time column and interval and optional fill value'),
  );
  t.throws(() => expandMacros("$__timeGroup(ts,'soon')", ts), new MacroError("error parsing interval 'soon'"));
});

t.test('$__unixEpoch*', async (t) => {
  const f = Math.floor(from.getTime() / 1000),
    e = Math.floor(to.getTime() / 1000);
  t.equal(x('select $__unixEpochFilter(time)'), `select time >= ${f} AND time <= ${e}`);
  t.equal(x('select $__unixEpochNanoFilter(time)'), `select time >= ${f}000000000 AND time <= ${e}000000000`);
  t.equal(x('select $__unixEpochNanoFrom()'), `select ${f}000000000`);
  t.equal(x('select $__unixEpochNanoTo()'), `select ${e}000000000`);
  t.equal(x('select $__unixEpochFrom(), $__unixEpochTo()'), `select ${f}, ${e}`);
  t.equal(
    x("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')"),
    'SELECT floor((time_column+time_adjustment)/300)*300',
  );
  t.equal(
    x("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')"),
    'SELECT floor((time_column+time_adjustment)/300)*300 AS "time"',
  );
  const old = { ...plain, range: { from: new Date(Date.UTC(1960, 1, 1, 7)), to: new Date(Date.UTC(1980, 1, 3, 8)) } };
  t.equal(
    x('select $__unixEpochFilter(time)', old),
    `select time >= ${Date.UTC(1960, 1, 1, 7) / 1000} AND time <= ${Date.UTC(1980, 1, 3, 8) / 1000}`,
    'negative epochs',
  );
});

t.test('$__interval and $__interval_ms', async (t) => {
  const at = (intervalMs: number) => ({ ...ts, intervalMs });
  t.equal(interpolateGlobal('$__interval $__interval_ms', at(600_000)), '10m 600000');
  t.equal(interpolateGlobal('$__interval', at(90_000)), '1m', 'largest whole unit, truncated');
  t.equal(interpolateGlobal('$__interval', at(500)), '500ms');
  t.equal(interpolateGlobal('$__interval', at(0.5)), '1ms');
  t.equal(interpolateGlobal('$__interval', at(2 * 86_400_000)), '2d');
  t.equal(interpolateGlobal('$__interval', at(400 * 86_400_000)), '1y');
  t.equal(
    x('$__timeGroupAlias(ts,$__interval)', at(20_000)),
    `time_bucket('20.000s',ts) AS "time"`,
    '$__interval feeds $__timeGroup',
  );
  t.equal(formatInterval(3_600_000), '1h');
  t.equal(parseInterval('1d', new Date(Date.UTC(2020, 0, 1))), 86_400_000);
  t.equal(
    parseInterval('1M', new Date(Date.UTC(2020, 1, 1))),
    29 * 86_400_000,
    'months count from now (February 2020)',
  );
  t.equal(goFloat(0.02), '0.02');
  t.equal(goFloat(0.00001), '1e-05');
});

t.test('unknown macros fail like Grafana', async (t) => {
  t.throws(() => expandMacros('select $__nope(x)', ts), new MacroError('unknown macro "__nope"'));
});

t.test('template variables, as the frontend substitutes them', async (t) => {
  const character = sqlVariable('character', 'Character', 'select 1');
  const withAll = { ...character, allValue: 'character_name' };
  const cell = customVariable('cell', 'Cell', ['1', '2'], '1');
  const sql = 'where character_name in ($character) and ${cell} = [[cell]]';
  t.equal(
    substituteVariables(sql, {
      character: { variable: character, options: ["o'Neil", 'Bob'], selected: '$__all' },
      cell: { variable: cell, options: [], selected: "1'" },
    }),
    "where character_name in ('o''Neil','Bob') and 1'' = 1''",
    'All without allValue lists every option, quoted; single values get doubled quotes only',
  );
  t.equal(
    substituteVariables('in ($character)', { character: { variable: withAll, options: ['a'], selected: '$__all' } }),
    'in (character_name)',
    'custom allValue is inserted raw',
  );
  t.equal(
    substituteVariables('in ($character)', {
      character: { variable: withAll, options: [], selected: ["Zoë 'x'", 'b'] },
    }),
    "in ('Zoë ''x''','b')",
  );
  t.equal(
    substituteVariables('in ($character)', { character: { variable: withAll, options: [], selected: 'b' } }),
    "in ('b')",
    'one value of a multi variable is quoted',
  );
  t.equal(
    substituteVariables('$__interval $__timeFilter(ts)', {}),
    '$__interval $__timeFilter(ts)',
    'built-ins are left for the backend',
  );
});
