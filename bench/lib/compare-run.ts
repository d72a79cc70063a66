// `--compare`: every planned scenario, A (the other commit) then B (this checkout),
// `--repeat` pairs, on one set of private services. A scenario that does not run the app
// (naive: the bench's own baseline server) runs this checkout's code on both sides, so
// its ratios show the run-to-run noise of the moment. Writes compare-latest.{json,md}.
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import type { BenchStack } from './stack.js';
import { planScenarios, runOnce, succeeded } from './plan.js';
import { prepareOtherBuild, type OtherBuild } from './compare.js';
import { commitOf } from './commit.js';
import { projectRoot } from '../../src/shared/project-root.js';
import { writeCompare, type CompareResults } from './compare-report.js';
import type { Machine } from './report.js';

export interface CompareContext {
  o: BenchOptions & { compare: string };
  stack: BenchStack;
  logDir: string;
  started: number;
  machine: Machine;
  /** `--cpu-prof`: the run's profile directory. */
  profDir?: string;
  say: (m: string) => void;
  /** Registers the worktree's removal for the Ctrl-C / crash path. */
  onAbort: (cleanup: () => void) => void;
  /** True once the run is being aborted: write nothing. */
  aborting: () => boolean;
}

export async function runCompare(c: CompareContext): Promise<string | undefined> {
  const { o, stack, say } = c;
  const other: OtherBuild = await prepareOtherBuild(o.compare, stack.natsUrl, c.logDir, say);
  c.onAbort(other.remove);
  try {
    const results: CompareResults = {
      version: 1,
      startedAt: new Date(c.started).toISOString(),
      wallS: 0,
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
      machine: c.machine,
      a: { ref: o.compare, commit: other.commit, nodeModules: other.nodeModules },
      b: { commit: commitOf(projectRoot()) },
      pairs: o.repeat,
      scenarios: {},
      notes: [
        'A = the other commit, B = this checkout; B/A > 1 means B is higher (better for ev/s, worse for ms and µs/event).',
        "Both sides are measured by this checkout's load generator, probes and row counts; each run gets a fresh database migrated by its own build, its own stream and consumer.",
      ],
    };
    for (const s of planScenarios(stack, o, c.logDir)) {
      const entry: CompareResults['scenarios'][string] = { runsApp: s.runsApp, a: [], b: [] };
      results.scenarios[s.name] = entry;
      if (!s.runsApp)
        results.notes.push(`${s.name} runs this checkout's code on both sides: its ratios show the noise.`);
      for (let i = 1; i <= o.repeat; i++) {
        for (const side of ['a', 'b'] as const) {
          say(`compare: ${s.name} pair ${i}/${o.repeat}, ${side === 'a' ? `A (${o.compare})` : 'B (this checkout)'}`);
          const cpuProfDir = c.profDir ? join(c.profDir, `${s.name}-${side.toUpperCase()}${i}`) : undefined;
          const r = await runOnce(stack, o, s, { cpuProfDir, app: side === 'a' && s.runsApp ? other.app : undefined });
          say(
            succeeded(r) ? `  ${r.e2ePerS} ev/s end to end, p99 ${r.latency.p99Ms ?? '–'} ms` : `  FAILED: ${r.error}`,
          );
          entry[side].push(r);
        }
      }
    }
    if (c.aborting()) return undefined;
    results.wallS = (Date.now() - c.started) / 1000;
    const out = writeCompare(o.outDir, results);
    say(`wrote ${out.json} and ${out.md}`);
    return out.md;
  } finally {
    other.remove();
    say(`--compare: removed the worktree ${other.dir}`);
  }
}
