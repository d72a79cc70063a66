// The arithmetic behind repeated and paired bench runs (bench/lib/stats.ts) and how the
// reports print it (bench/lib/report-runs.ts, bench/lib/compare-report.ts,
// bench/lib/cpu-per-event.ts, bench/lib/loadgen-check.ts). docs/benchmarks.md "Repeats and spread".
import t from 'tap';
import {
  fmt,
  fmtRatio,
  fmtSummary,
  median,
  medianIndex,
  pairRatios,
  SPREAD_WARN,
  summarize,
} from '../../bench/lib/stats.js';
import { cpuTable } from '../../bench/lib/cpu-per-event.js';
import { checkLoadgen } from '../../bench/lib/loadgen-check.js';
import { zeroStalls } from '../../bench/loadgen/protocol.js';
import { compareRows } from '../../bench/lib/compare-report.js';
import { cpuTableLines, loadgenLines, scenarioRow } from '../../bench/lib/report-runs.js';
import type { MeasureResult } from '../../bench/lib/measure.js';

t.test('median, spread and the index of the median run', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5, 'even count: mean of the middle two');
  t.ok(Number.isNaN(median([])));
  t.same(summarize([100, 80, 120]), { median: 100, min: 80, max: 120, spread: 0.4, n: 3 });
  t.same(summarize([undefined, 5, Number.NaN]), { median: 5, min: 5, max: 5, spread: 0, n: 1 }, 'unknowns left out');
  t.equal(summarize([]), undefined);
  t.equal(summarize([0, 0])?.spread, 0, 'a zero median has no spread');
  t.equal(medianIndex([30, 10, 20]), 2);
  t.equal(medianIndex([40, 10, 30, 20]), 3, 'even count: the lower middle run');
  t.equal(medianIndex([]), -1);
});

t.test('B/A per pair skips pairs with a missing or zero A', async (t) => {
  t.same(pairRatios([100, 200, 0, undefined], [150, 100, 5, 7]), [1.5, 0.5]);
  t.same(pairRatios([1, 2, 3], [2]), [2], 'only complete pairs');
});

t.test('figures print as median (min–max) with the spread warning over 25%', async (t) => {
  t.equal(SPREAD_WARN, 0.25);
  t.equal(fmtSummary(summarize([55_133])), '55,133', 'one run: the bare figure');
  t.equal(fmtSummary(summarize([100, 110, 120])), '110 (100–120)', 'spread 18%: no warning');
  t.equal(fmtSummary(summarize([5_552, 10_738, 56_886])), '10,738 (5,552–56,886) ⚠ spread 478%');
  t.equal(fmtSummary(undefined), '–');
  t.equal(fmt(12.345), '12.3');
  t.equal(fmt(0.5), '0.5');
  t.equal(fmt(undefined), '–');
  t.equal(fmtRatio(1.234), '1.23×');
});

t.test('CPU per event: µs per landed event and their sum', async (t) => {
  const c = cpuTable(10, 500_000, { edge: 6, ingest: 4.5, postgres: 4 });
  t.same(
    c.rows.map((r) => [r.process, r.usPerEvent]),
    [
      ['edge', 12],
      ['ingest', 9],
      ['postgres', 8],
    ],
  );
  t.equal(c.totalUsPerEvent, 29);
  t.equal(cpuTable(1, 0, { edge: 1 }).totalUsPerEvent, 0, 'no events: no division by zero');
});

t.test('the load generator is flagged when it, not the server, set the pace', async (t) => {
  const base = { clients: 10, elapsedMs: 1000, sentEvents: 1000, workerCpuMs: [200, 300] };
  const held = checkLoadgen({ ...base, rate: 0, stalls: { ...zeroStalls(), windowMs: 6000, backpressureMs: 1000 } });
  t.same(held.flags, [], 'clients held by the server 70% of their time: fine');
  t.equal(held.pushbackShare, 0.7);
  t.same(held.workerCpuPct, [20, 30]);
  const free = checkLoadgen({ ...base, rate: 0, workerCpuMs: [950], stalls: zeroStalls() });
  t.same(free.flags, [
    'loadgen-0 at 95% of a core',
    'server pushed back only 0% of client time: the generator set the pace',
  ]);
  const late = checkLoadgen({ ...base, rate: 2000, stalls: { ...zeroStalls(), dueEvents: 2000 } });
  t.equal(late.scheduleShare, 0.5);
  t.match(late.flags, [/sent 50% of the events due/]);
});

/** A run with the figures the report reads (the rest left at zero). */
function run(e2e: number, p99: number, usEdge: number): MeasureResult {
  return {
    label: 'batched',
    clients: 200,
    connected: 200,
    rate: 0,
    durationS: 3,
    load: {
      clients: 200,
      sentEvents: 0,
      sentFrames: 0,
      sentBytes: 0,
      errors: { unavailable: 3 },
      finalReplies: 0,
      closes: {},
      connectFailures: 0,
      elapsedMs: 3000,
      cpuMs: 0,
      stalls: { ...zeroStalls(), windowWaits: 7, windowMs: 300_000 },
    },
    sentPerS: e2e,
    accepted: e2e * 3,
    acceptedSource: 'x',
    acceptedPerS: e2e,
    landed: e2e * 3,
    steadyLandedPerS: e2e,
    e2ePerS: e2e,
    drainMs: 0,
    missing: 0,
    latency: { sent: 1, samples: 1, lost: 0, p50Ms: p99 / 2, p95Ms: p99, p99Ms: p99, pollMs: 20 },
    processes: { edge: { cpuPct: 60, cpuSeconds: 1, peakRssMb: 150, lastRssMb: 150, samples: 3 } },
    cpu: cpuTable(3, 1e6, { edge: usEdge, ingest: 9 }),
    loadgen: { workerCpuPct: [12], pushbackShare: 0.8, flags: e2e < 20_000 ? ['loadgen-0 at 99% of a core'] : [] },
  };
}

t.test('the scenario row, CPU table and load-generator table of repeated runs', async (t) => {
  const runs = [run(50_000, 900, 12), run(30_000, 1200, 14), run(10_000, 2000, 13)];
  const row = scenarioRow('batched', runs, 5000);
  t.match(row, /^\| batched \| 3 \| 200 \| flat out \| /);
  t.match(row, /\| 30,000 \(10,000–50,000\) ⚠ spread 133% \| 6\.0× \|/, 'median e2e with range, warning, × naive');
  t.match(row, /600 \/ 1,200 \/ 1,200 \(900–2,000\) ⚠ spread 92%/, 'latency medians, p99 with its range');
  const cpu = cpuTableLines([['batched', runs]]).join('\n');
  t.match(cpu, /\| process \| batched \|/);
  t.match(cpu, /\| edge \| 13 \(12–14\) \|/);
  t.match(cpu, /\| \*\*sum\*\* \| \*\*22 \(21–23\)\*\* \|/);
  const lg = loadgenLines([['batched', runs]]).join('\n');
  t.match(
    lg,
    /\| batched \| 12, 12, 12 \| 80%, 80%, 80% \| 0 \(0%\), 0 \(0%\), 0 \(0%\) \| 7 \(50%\), 7 \(50%\), 7 \(50%\) \| 0 \(0%\), 0 \(0%\), 0 \(0%\) \| unavailable 3, unavailable 3, unavailable 3 \| ⚠ 1 \|/,
  );
  t.match(lg, /- ⚠ batched run 3: loadgen-0 at 99% of a core\./);
});

t.test('the A/B rows: each pair, its ratio, the median ratio', async (t) => {
  const rows = compareRows(
    'batched',
    [run(10_000, 1000, 20), run(20_000, 1000, 20)],
    [run(15_000, 500, 10), run(20_000, 1000, 10)],
  );
  t.equal(
    rows[0],
    '| batched | end-to-end ev/s | 10,000, 20,000 | 15,000, 20,000 | 1.50×, 1.00× | **1.25×** ⚠ spread 40% |',
  );
  t.ok(
    rows.includes('| batched | CPU µs/event, edge (or naive server) | 20, 20 | 10, 10 | 0.50×, 0.50× | **0.50×** |'),
    'per-process CPU compared',
  );
  t.notOk(
    rows.some((r) => r.includes('nats-server')),
    'a figure neither side has is left out',
  );
  const failed = compareRows('batched', [{ error: 'boom' } as never], [run(1, 1, 1)]);
  t.match(failed[0], /\| batched \| end-to-end ev\/s \| – \| 1 \| – \| \*\*–\*\* \|/, 'a failed run: no ratio');
});
