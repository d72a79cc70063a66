// The A/B table of `--compare`: for each scenario and figure, every pair's A and B, the
// ratio B/A of each pair and their median. A = the other commit, B = this checkout; runs
// alternate A B A B on the same services, so a pair shares the machine's mood.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasureResult } from './measure.js';
import type { CommitInfo } from './commit.js';
import { commitLabel } from './commit.js';
import type { Machine } from './report.js';
import { fmt, fmtRatio, median, pairRatios, SPREAD_WARN, summarize } from './stats.js';

type Run = MeasureResult | { error: string };

export interface CompareResults {
  version: 1;
  startedAt: string;
  wallS: number;
  command: string;
  machine: Machine;
  /** The other commit (A) and this checkout (B). */
  a: { ref: string; commit: CommitInfo; nodeModules: string };
  b: { commit?: CommitInfo };
  pairs: number;
  scenarios: Record<string, { runsApp: boolean; a: Run[]; b: Run[] }>;
  notes: string[];
}

const ok = (r: Run | undefined): r is MeasureResult => !!r && 'e2ePerS' in r;
const cpuOf = (r: MeasureResult, p: string) => r.cpu?.rows.find((x) => x.process === p)?.usPerEvent;

/** The figures compared: label and how to read it from a run. */
export const COMPARED: [string, (r: MeasureResult) => number | undefined][] = [
  ['end-to-end ev/s', (r) => r.e2ePerS],
  ['accepted ev/s', (r) => r.acceptedPerS],
  ['steady landed ev/s', (r) => r.steadyLandedPerS],
  ['latency p50 ms', (r) => r.latency.p50Ms],
  ['latency p99 ms', (r) => r.latency.p99Ms],
  ['CPU µs/event, all processes', (r) => r.cpu?.totalUsPerEvent],
  ['CPU µs/event, edge (or naive server)', (r) => cpuOf(r, 'edge') ?? cpuOf(r, 'server')],
  ['CPU µs/event, ingest', (r) => cpuOf(r, 'ingest')],
  ['CPU µs/event, nats-server', (r) => cpuOf(r, 'nats')],
  ['CPU µs/event, PostgreSQL', (r) => cpuOf(r, 'postgres')],
];

/** One row per figure: A per pair, B per pair, B/A per pair, median B/A (⚠ when the ratios spread over 25%). */
export function compareRows(name: string, a: Run[], b: Run[]): string[] {
  const rows: string[] = [];
  for (const [label, f] of COMPARED) {
    const av = a.map((r) => (ok(r) ? f(r) : undefined));
    const bv = b.map((r) => (ok(r) ? f(r) : undefined));
    if (av.every((x) => x === undefined) && bv.every((x) => x === undefined)) continue;
    const ratios = pairRatios(av, bv);
    const s = summarize(ratios);
    const warn = s && s.n > 1 && s.spread > SPREAD_WARN ? ` ⚠ spread ${Math.round(s.spread * 100)}%` : '';
    rows.push(
      `| ${name} | ${label} | ${av.map(fmt).join(', ')} | ${bv.map(fmt).join(', ')} | ${ratios.map(fmtRatio).join(', ') || '–'} | **${fmtRatio(ratios.length ? median(ratios) : undefined)}**${warn} |`,
    );
  }
  return rows;
}

export function compareMarkdown(r: CompareResults): string {
  const m = r.machine;
  const lines = [
    `# A/B: ${r.a.ref} (A) against this checkout (B)`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB RAM; Node ${m.node}; ${m.postgres ?? 'PostgreSQL ?'}${m.durablePostgres ? ' (fsync on)' : ' (fsync OFF)'}; nats-server ${m.nats ?? '?'}.`,
    `Run: \`${r.command}\`, ${r.startedAt}, ${Math.round(r.wallS)} s; ${r.pairs} pair(s) per scenario, A B A B on the same private services.`,
    `A: \`${r.a.ref}\` = ${commitLabel(r.a.commit)}, node_modules ${r.a.nodeModules}.`,
    `B: ${commitLabel(r.b.commit)}.`,
    '',
    '| scenario | figure | A per pair | B per pair | B/A per pair | median B/A |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, s] of Object.entries(r.scenarios)) {
    const errors = [...s.a, ...s.b].filter((x) => !ok(x)) as { error: string }[];
    lines.push(...compareRows(name, s.a, s.b));
    for (const e of errors) lines.push(`| ${name} | a run failed: ${e.error.split('\n')[0].slice(0, 120)} |||||`);
  }
  const flagged = Object.entries(r.scenarios).flatMap(([name, s]) =>
    (['a', 'b'] as const).flatMap((side) =>
      s[side].flatMap((x, i) =>
        ok(x) && x.loadgen?.flags.length
          ? [`- ⚠ ${name} ${side.toUpperCase()}${i + 1}: ${x.loadgen.flags.join('; ')}.`]
          : [],
      ),
    ),
  );
  if (flagged.length) lines.push('', 'Runs whose load generator may have set the pace:', '', ...flagged);
  if (r.notes.length) lines.push('', ...r.notes.map((x) => `- ${x}`));
  return `${lines.join('\n')}\n`;
}

export function writeCompare(dir: string, r: CompareResults): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'compare-latest.json');
  const md = join(dir, 'compare-latest.md');
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, compareMarkdown(r));
  return { json, md };
}
