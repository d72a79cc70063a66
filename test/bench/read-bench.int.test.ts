// The read benchmark tool works (bench/read): it loads its data, materializes, calls every
// read endpoint and its raw-SQL baseline, and both give answers of the same size (the
// baseline computes the same aggregation; API lists are cut at API_MAX_ROWS = 10,000).
// Tool correctness only: speed is never asserted in tests.
import t from 'tap';
import { tmpdir } from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getStack } from '../helpers/stack.js';
import { runReadBench, parseReadArgs, type CaseResult } from '../../bench/read/index.js';
import { readCases } from '../../bench/read/cases.js';

t.test('--read at 20,000 rows: every case runs, API and baseline answer the same number of rows', async (t) => {
  t.same(parseReadArgs(['--read', '--rows', '20000', '--calls', '2'], {}), {
    rows: 20000,
    calls: 2,
    warmup: 3,
    fastPg: false,
    outDir: 'bench/results',
    databaseUrl: undefined,
    natsUrl: undefined,
  });
  t.throws(() => parseReadArgs(['--read', '--rows', 'x'], {}), /--rows must be an integer/);
  const s = await getStack();
  const out = mkdtempSync(join(tmpdir(), 'read-bench-'));
  await runReadBench({
    rows: 20000,
    calls: 2,
    warmup: 0,
    fastPg: true,
    outDir: out,
    databaseUrl: s.pgUrl,
    natsUrl: s.natsUrl,
  });
  const r = JSON.parse(readFileSync(join(out, 'read-latest.json'), 'utf8')) as {
    results: CaseResult[];
    data: { telemetry: number; spawns: number };
  };
  t.ok(r.data.telemetry >= 19900 && r.data.spawns >= 1900, `loaded ${JSON.stringify(r.data)}`);
  t.equal(r.results.length, readCases(Date.now()).length, 'every read endpoint timed');
  for (const c of r.results) {
    t.ok(c.api.p50 > 0 && c.raw.p50 > 0, `${c.name}: timed`);
    t.equal(c.answerRows, Math.min(c.rawRows, 10000), `${c.name}: API and raw SQL answer ${c.answerRows} rows`);
  }
  t.ok(
    r.results.filter((c) => c.name.includes('heatmap')).every((c) => c.answerRows > 0),
    'heatmaps have cells',
  );
  const md = readFileSync(join(out, 'read-latest.md'), 'utf8');
  t.match(md, /\| read \| API p50 \/ p95 ms \| raw SQL p50 \/ p95 ms \|/);
});
