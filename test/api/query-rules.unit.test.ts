// The pure rules of the read API: query-string conversion and validation, the
// automatic /history bucket, the heatmap's choice between aggregate and raw cells.
import t from 'tap';
import { loadConfig, queryLimitOptions } from '../../src/config.js';
import { compileQuery, BadRequestError } from '../../src/api/query-params.js';
import { querySchemas } from '../../src/api/schemas/queries.js';
import { autoBucket } from '../../src/api/reads/telemetry.js';
import { baseMultiple } from '../../src/api/reads/events.js';
import { timeRange } from '../../src/api/time-range.js';

const cfg = loadConfig({});

function rejection(fn: () => unknown): BadRequestError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof BadRequestError) return err;
    throw err;
  }
  return undefined;
}
const Q = querySchemas(queryLimitOptions(cfg));

t.test('query strings become typed values; nothing else is accepted', async (t) => {
  const spawns = compileQuery(Q.spawnsHeatmap);
  t.same(spawns(new URLSearchParams('cell=2.5&mob=Drudge%20Skulker&from=2026-01-01T00:00:00%2B02:00')), {
    cell: 2.5,
    mob: 'Drudge Skulker',
    from: '2026-01-01T00:00:00+02:00',
  });
  t.same(
    compileQuery(Q.live)(new URLSearchParams('')),
    {},
    'absent parameters stay absent (defaults are applied by the route)',
  );
  t.same(compileQuery(Q.spawns)(new URLSearchParams('limit=%2B7')), { limit: 7 });
  t.same(
    spawns(new URLSearchParams('from=2026-01-01 00:00:00Z')),
    { from: '2026-01-01 00:00:00Z' },
    'RFC 3339 allows a space for the T',
  );
  for (const [q, param] of [
    ['cell=1,5', 'cell'],
    ['cell=Infinity', 'cell'],
    ['cell=0x10', 'cell'],
    ['from=2026-13-01T00:00:00Z', 'from'],
    ['mob', 'mob'],
  ] as const) {
    t.match(
      rejection(() => spawns(new URLSearchParams(q))),
      { parameter: param, code: 'bad_request' },
      q,
    );
  }
});

t.test('automatic /history bucket: the finest giving at most API_HISTORY_TARGET_POINTS points', async (t) => {
  const P = 1440,
    s = 1000;
  t.equal(autoBucket(0, P), 'raw');
  t.equal(autoBucket(P * s, P), 'raw', '24 min at 1 sample/s');
  t.equal(autoBucket(P * s + 1, P), '1m');
  t.equal(autoBucket(P * 60 * s, P), '1m', '24 h of minutes');
  t.equal(autoBucket(P * 60 * s + 1, P), '1h');
  t.equal(autoBucket(P * 3600 * s, P), '1h', '60 days of hours');
  t.equal(autoBucket(P * 3600 * s + 1, P), '1d');
  t.equal(autoBucket(10 * 365 * 86400 * s, P), '1d');
});

t.test('heatmap cells: whole multiples of 0.1 use the aggregate', async (t) => {
  t.equal(baseMultiple(0.1), 1);
  t.equal(baseMultiple(1), 10);
  t.equal(baseMultiple(0.3), 3, '0.3 despite 0.3 * 10 = 3.0000000000000004');
  t.equal(baseMultiple(2.5), 25);
  t.equal(baseMultiple(0.25), undefined);
  t.equal(baseMultiple(0.05), undefined);
  t.equal(baseMultiple(0.01), undefined);
});

t.test('time range defaults and order', async (t) => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  t.same(timeRange({}, 3600, now), { from: new Date('2026-03-01T11:00:00.000Z'), to: now });
  t.same(timeRange({ to: '2026-03-01T10:00:00Z' }, 60, now), {
    from: new Date('2026-03-01T09:59:00.000Z'),
    to: new Date('2026-03-01T10:00:00Z'),
  });
  t.match(
    rejection(() => timeRange({ from: '2026-03-02T00:00:00Z' }, 60, now)),
    { parameter: 'from' },
  );
});
