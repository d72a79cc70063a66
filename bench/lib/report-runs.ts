// Report tables over repeated runs: the scenario rows (median with min–max and the
// spread warning), where the CPU goes (µs per event per process), and whether the load
// generator did its job. docs/benchmarks.md "Repeats and spread", "Where the CPU goes".
import type { MeasureResult } from './measure.js';
import { fmt, fmtSummary, summarize, type Summary } from './stats.js';

/** The runs of one scenario (one or more). */
export type Runs = readonly MeasureResult[];

export const figure = (runs: Runs, f: (r: MeasureResult) => number | undefined): Summary | undefined =>
  summarize(runs.map(f));

const med = (runs: Runs, f: (r: MeasureResult) => number | undefined) => fmt(figure(runs, f)?.median);
const withRange = (runs: Runs, f: (r: MeasureResult) => number | undefined) => fmtSummary(figure(runs, f));

export const SCENARIO_HEADER = [
  '| scenario | runs | clients | offered | sent ev/s | accepted ev/s | steady stored in JetStream ev/s | steady landed ev/s | end-to-end ev/s | × naive | latency p50 / p95 / p99 ms | edge CPU % / RSS MB | ingest CPU % / RSS MB | not landed |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

/** One row: median (min–max) for the throughput figures and p99, medians elsewhere. */
export function scenarioRow(name: string, runs: Runs, naiveE2e: number | undefined): string {
  const v = runs[0];
  const edge = (r: MeasureResult) => r.processes.edge ?? r.processes.server;
  const e2e = figure(runs, (r) => r.e2ePerS)?.median;
  const ratio = e2e !== undefined && naiveE2e ? `${(e2e / naiveE2e).toFixed(1)}×` : '–';
  const lat = `${med(runs, (r) => r.latency.p50Ms)} / ${med(runs, (r) => r.latency.p95Ms)} / ${withRange(runs, (r) => r.latency.p99Ms)}`;
  const proc = (p: (r: MeasureResult) => { cpuPct: number; peakRssMb: number } | undefined) =>
    runs.some((r) => p(r)) ? `${med(runs, (r) => p(r)?.cpuPct)} / ${med(runs, (r) => p(r)?.peakRssMb)}` : '–';
  return `| ${name} | ${runs.length} | ${fmt(v.connected)} | ${v.rate ? `${fmt(v.rate)} ev/s` : 'flat out'} | ${withRange(runs, (r) => r.sentPerS)} | ${withRange(runs, (r) => r.acceptedPerS)} | ${med(runs, (r) => r.steadyStoredPerS)} | ${withRange(runs, (r) => r.steadyLandedPerS)} | ${withRange(runs, (r) => r.e2ePerS)} | ${ratio} | ${lat} | ${proc(edge)} | ${proc((r) => r.processes.ingest)} | ${Math.max(...runs.map((r) => r.missing))} |`;
}

/** CPU µs per landed event, one column per scenario, one row per process (medians over runs). */
export function cpuTableLines(scenarios: [string, Runs][]): string[] {
  const withCpu = scenarios.filter(([, runs]) => runs.some((r) => r.cpu));
  if (!withCpu.length) return [];
  const processes: string[] = [];
  for (const [, runs] of withCpu)
    for (const r of runs)
      for (const row of r.cpu?.rows ?? []) if (!processes.includes(row.process)) processes.push(row.process);
  const cell = (runs: Runs, p: string) =>
    fmtSummary(figure(runs, (r) => r.cpu?.rows.find((x) => x.process === p)?.usPerEvent));
  const lines = [
    '',
    'Where the CPU goes: CPU µs per landed event, from /proc (utime+stime) over load start → drain end; PostgreSQL = postmaster + backends (live and exited); loadgen = each worker (its own process.cpuUsage). Median (min–max) over the runs.',
    '',
    `| process | ${withCpu.map(([n]) => n).join(' | ')} |`,
    `|---|${withCpu.map(() => '---').join('|')}|`,
  ];
  for (const p of processes) lines.push(`| ${p} | ${withCpu.map(([, runs]) => cell(runs, p)).join(' | ')} |`);
  lines.push(
    `| **sum** | ${withCpu.map(([, runs]) => `**${fmtSummary(figure(runs, (r) => r.cpu?.totalUsPerEvent))}**`).join(' | ')} |`,
  );
  return lines;
}

/** The load generator's own figures per scenario, and a warning for every run it may have limited. */
export function loadgenLines(scenarios: [string, Runs][]): string[] {
  const lines = [
    '',
    'Load generator: open loop (flat out: bounded by socket back-pressure and the server’s refusals; paced: sends on schedule). Pushback = share of client time the server held the clients (socket full, ack window full, or paused by `rate_limited`/`unavailable`); schedule = sent / due.',
    '',
    '| scenario | worker CPU % of a core | pushback / schedule | waits on a full socket (time) | waits on a full ack window (time) | refusal pauses (time) | error replies | flagged runs |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const warnings: string[] = [];
  for (const [name, runs] of scenarios) {
    const withCheck = runs.filter((r) => r.loadgen);
    if (!withCheck.length) continue;
    const cpu = withCheck.map((r) => r.loadgen.workerCpuPct.map((c) => fmt(c)).join('+')).join(', ');
    const share = withCheck
      .map((r) => r.loadgen.pushbackShare ?? r.loadgen.scheduleShare)
      .map((x) => (x === undefined ? '–' : `${Math.round(x * 100)}%`))
      .join(', ');
    // Count, and the share of all client time spent so.
    const stall = (count: (r: MeasureResult) => number, ms: (r: MeasureResult) => number) =>
      withCheck
        .map((r) => {
          const of = r.clients * r.load.elapsedMs;
          return `${fmt(count(r))} (${of > 0 ? Math.round((ms(r) / of) * 100) : 0}%)`;
        })
        .join(', ');
    const waits = stall(
      (r) => r.load.stalls.backpressureWaits,
      (r) => r.load.stalls.backpressureMs,
    );
    const windows = stall(
      (r) => r.load.stalls.windowWaits,
      (r) => r.load.stalls.windowMs,
    );
    const pauses = stall(
      (r) => r.load.stalls.refusalPauses,
      (r) => r.load.stalls.refusalPausedMs,
    );
    const errors = withCheck
      .map(
        (r) =>
          Object.entries(r.load.errors)
            .map(([k, n]) => `${k} ${fmt(n)}`)
            .join(' ') || '0',
      )
      .join(', ');
    const flagged = withCheck.filter((r) => r.loadgen.flags.length).length;
    lines.push(
      `| ${name} | ${cpu} | ${share} | ${waits} | ${windows} | ${pauses} | ${errors} | ${flagged ? `⚠ ${flagged}` : '0'} |`,
    );
    withCheck.forEach((r, i) => {
      if (r.loadgen.flags.length) warnings.push(`- ⚠ ${name} run ${i + 1}: ${r.loadgen.flags.join('; ')}.`);
    });
  }
  if (warnings.length)
    lines.push(
      '',
      'The load generator may have set the pace of these runs; their figures understate the server:',
      '',
      ...warnings,
    );
  return lines;
}
