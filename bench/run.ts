// `npm run bench [-- options]`: component figures, then the naive baseline, the
// pipeline with one JetStream message per event, the batched pipeline (flat out), and
// the batched pipeline at a fixed rate with many clients (latency + edge RSS), all in
// one invocation on one machine. Writes bench/results/latest.{json,md}. See docs/benchmarks.md.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release, type } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { BENCH_HELP, parseArgs, type BenchOptions } from './lib/args.js';
import { wantsHelp } from '../src/shared/command-line.js';
import { loadNativeUws } from '../src/shared/http/uws.js';
import { startBenchStack, benchDatabase, type BenchStack } from './lib/stack.js';
import { stopAllChildren } from './lib/children.js';
import { planScenarios, runOnce, succeeded, type ScenarioResult } from './lib/plan.js';
import { runCompare } from './lib/compare-run.js';
import { resolveRef } from './lib/compare.js';
import { commitOf } from './lib/commit.js';
import { medianIndex, summarize } from './lib/stats.js';
import { projectRoot } from '../src/shared/project-root.js';
import { benchValidation } from './components/validate.js';
import { benchCopyVsInsert } from './components/copy-vs-insert.js';
import { benchJetStreamPublish } from './components/jetstream-publish.js';
import { benchJetStreamSync } from './components/jetstream-sync.js';
import { benchTransports } from './components/transport.js';
import { computeTargets, writeResults, type BenchResults, type Machine } from './lib/report.js';
import { summarizeProfile } from './profile-summary.js';
import { runImportBench, importMarkdown } from './scenarios/import.js';
import { runUiBench } from './ui/run-ui.js';

const say = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function machine(stack: BenchStack, durable: boolean): Promise<Machine> {
  const m: Machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? '?',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    durablePostgres: durable,
  };
  const c = new pg.Client({ connectionString: stack.adminUrl });
  try {
    await c.connect();
    m.postgres = (await c.query<{ v: string }>('select version() as v')).rows[0].v.split(' on ')[0];
    m.timescaledb = (
      await c.query<{ v: string }>(
        "select default_version as v from pg_available_extensions where name = 'timescaledb'",
      )
    ).rows[0]?.v;
  } catch {
    /* leave unknown */
  } finally {
    await c.end().catch(() => {});
  }
  try {
    m.nats = execFileSync('nats-server', ['--version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` },
    })
      .trim()
      .replace(/^nats-server:\s*/, '');
  } catch {
    /* unknown */
  }
  return m;
}

/** Set on Ctrl-C or a crash: nothing is written then (a partial run must not replace latest.*). */
let aborting = false;
/** Synchronous cleanups for the Ctrl-C / crash path (the --compare worktree). */
const abortCleanups: (() => void)[] = [];

async function main(o: BenchOptions): Promise<void> {
  const started = Date.now();
  const logDir = mkdtempSync(join(tmpdir(), 'tracker-bench-logs-'));
  // One directory per invocation, each run of a scenario in its own subdirectory.
  const profDir = o.cpuProf
    ? join(projectRoot(), '.data', 'bench-profiles', new Date(started).toISOString().replace(/[:.]/g, '-'))
    : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  say(`logs of the child processes: ${logDir}`);
  say(
    o.natsUrl && o.databaseUrl
      ? 'using NATS_URL and DATABASE_URL'
      : `starting private NATS + PostgreSQL (${o.fastPg ? 'fsync off' : 'durable: fsync on'})`,
  );
  const stack = await startBenchStack(o);
  // The private services run in their own process group: stop them (and the app and
  // load-generator children) on Ctrl-C or a crash too, or they outlive the bench.
  const abort = (why: string) => {
    if (aborting) return; // errors of connections dying during the cleanup itself
    aborting = true;
    say(`${why}: stopping child processes and services`);
    for (const cleanup of abortCleanups) {
      try {
        cleanup();
      } catch (err) {
        say(`cleanup: ${(err as Error).message}`);
      }
    }
    void Promise.allSettled([stopAllChildren(), stack.stop()]).finally(() => process.exit(1));
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  process.on('uncaughtException', (err) => abort(`crashed: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => abort(`crashed: ${(err as Error)?.stack ?? String(err)}`));
  try {
    if (o.importBench) return await runImportOnly(o, stack, logDir, started);
    if (o.compare) {
      const md = await runCompare({
        o: { ...o, compare: o.compare },
        stack,
        logDir,
        started,
        machine: await machine(stack, stack.durable),
        profDir,
        say,
        onAbort: (c) => abortCleanups.push(c),
        aborting: () => aborting,
      });
      if (md) process.stdout.write(`\n${readFileSync(md, 'utf8')}`);
      if (profDir) printProfiles(profDir, started);
      return;
    }
    await runBench(o, stack, logDir, started, profDir);
  } finally {
    await stack.stop().catch((err: Error) => say(`stopping services: ${err.message}`));
  }
}

async function runBench(
  o: BenchOptions,
  stack: BenchStack,
  logDir: string,
  started: number,
  profDir: string | undefined,
): Promise<void> {
  const results: BenchResults = {
    version: 1,
    startedAt: new Date(started).toISOString(),
    wallS: 0,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    commit: commitOf(projectRoot()),
    repeat: o.repeat,
    machine: await machine(stack, stack.durable),
    components: {},
    scenarios: {},
    targets: [],
    notes: [],
  };
  if (!o.noComponents) await runComponents(o, stack, results);
  for (const s of planScenarios(stack, o, logDir)) {
    const runs: ScenarioOutcome[] = [];
    for (let i = 1; i <= o.repeat; i++) {
      say(`scenario: ${s.name}${o.repeat > 1 ? ` (run ${i} of ${o.repeat})` : ''}`);
      const r = await runOnce(stack, o, s, { cpuProfDir: profDir && join(profDir, `${s.name}-run${i}`) });
      say(
        succeeded(r)
          ? `  ${s.name}: ${r.e2ePerS} ev/s end to end, p99 ${r.latency.p99Ms ?? '–'} ms${r.loadgen.flags.length ? ` (⚠ ${r.loadgen.flags.join('; ')})` : ''}`
          : `  ${s.name} FAILED: ${r.error}`,
      );
      runs.push(r);
    }
    (results.scenarios as Record<string, unknown>)[s.name] = combineRuns(runs);
  }
  if (profDir) results.profiles = profileSummaries(profDir, started);
  results.notes.push(
    'Latency: probe events with unique event_id, polled in PostgreSQL every 20 ms; each sample over-states the latency by up to one poll (see docs/benchmarks.md).',
    'end-to-end ev/s = rows landed / (first send -> last row visible); steady = rows landed between 25% and 75% of the sending window.',
  );
  if (Object.keys(o.appEnv).length)
    results.notes.push(
      `App environment overrides: ${Object.entries(o.appEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}.`,
    );
  if (o.quick) results.notes.push('--quick run: short windows and fewer clients; figures are indicative only.');
  if (aborting) return;
  results.targets = computeTargets(results);
  results.wallS = (Date.now() - started) / 1000;
  const out = writeResults(o.outDir, results);
  say(`wrote ${out.json} and ${out.md} (${Math.round(results.wallS)} s)`);
  process.stdout.write(`\n${readFileSync(out.md, 'utf8')}`);
  if (profDir) printProfiles(profDir, started);
}

type ScenarioOutcome = ScenarioResult | { error: string };

/**
 * The run with the median end-to-end rate stands for the scenario; every run is kept in
 * `repeats`, and `spread` gives the key figures' median, min, max and spread.
 */
function combineRuns(runs: ScenarioOutcome[]): unknown {
  const good = runs.filter(succeeded);
  if (!good.length) return runs[0];
  const pick = good[medianIndex(good.map((r) => r.e2ePerS))];
  const of = (f: (r: ScenarioResult) => number | undefined) => summarize(good.map(f));
  const spread = {
    e2ePerS: of((r) => r.e2ePerS),
    acceptedPerS: of((r) => r.acceptedPerS),
    steadyLandedPerS: of((r) => r.steadyLandedPerS),
    p99Ms: of((r) => r.latency.p99Ms),
    cpuUsPerEvent: of((r) => r.cpu.totalUsPerEvent),
  };
  return { ...pick, spread, repeats: good, failedRuns: runs.length - good.length };
}

async function runComponents(o: BenchOptions, stack: BenchStack, results: BenchResults): Promise<void> {
  say('component: ajv validation');
  results.components.validation = await benchValidation(o.quick ? 300 : 1500);
  say('component: COPY vs INSERT');
  const db = await benchDatabase(stack, 'copy');
  try {
    results.components.copyInsert = await benchCopyVsInsert(db.url, o.quick ? 4 : 20, o.quick ? 0.5 : 2);
  } finally {
    await db.drop().catch(() => {});
  }
  say('component: JetStream publish');
  results.components.jetstreamPublish = await benchJetStreamPublish(stack.natsUrl, o.quick ? 10_000 : 40_000, 2);
  say('component: JetStream publish, NATS_SYNC_INTERVAL default vs always (two private nats-servers)');
  results.components.jetstreamSync = await benchJetStreamSync(
    o.quick ? 5_000 : 20_000,
    o.quick ? 100 : 300,
    o.quick ? 2 : 3,
  );
  say(`component: HTTP/WebSocket transport (${o.transports.join(', ')})`);
  results.components.transport = await benchTransports(o.transports, o.quick ? 200 : 1000, 2);
}

/** Every .cpuprofile this invocation wrote under dir (one subdirectory per run). */
function profileFiles(dir: string, since: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= since)
    .sort();
}

/** Summaries of the first run's profiles of each scenario (the others are listed by path). */
function profileSummaries(dir: string, since: number): { file: string; summary: string }[] {
  return profileFiles(dir, since).map((file) => ({
    file,
    summary: /-(run|A|B)1\//.test(file) ? summarizeProfile(file, 15) : '',
  }));
}

function printProfiles(dir: string, since: number): void {
  const files = profileFiles(dir, since);
  say(`CPU profiles (${files.length}) in ${dir}:`);
  for (const f of files) say(`  ${f}`);
  say(`summaries: node dist/bench/profile-summary.js ${dir}/<run>/*.cpuprofile`);
}

// `--read`: the read benchmark, a separate run (bench/read/index.ts).
if (process.argv.includes('--read')) {
  const { parseReadArgs, runReadBench, READ_HELP } = await import('./read/index.js');
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(READ_HELP);
    process.exit(0);
  }
  try {
    await runReadBench(parseReadArgs(process.argv.slice(2)));
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${(err as Error).stack ?? (err as Error).message}\n`);
    process.exit((err as Error).message.includes('usage:') ? 2 : 1);
  }
}

if (wantsHelp(process.argv.slice(2))) {
  process.stdout.write(BENCH_HELP);
  process.exit(0);
}
let opts: BenchOptions;
try {
  opts = parseArgs(process.argv.slice(2), process.env, loadNativeUws().ok);
  // A wrong ref is found before any service starts.
  if (opts.compare) resolveRef(projectRoot(), opts.compare);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
if (opts.ui) {
  runUiBench({
    players: opts.uiPlayers,
    spawns: opts.uiSpawns,
    durationS: opts.uiDurationS,
    warmupS: opts.uiWarmupS,
    rounds: opts.uiRounds,
    outDir: opts.outDir,
    fastPg: opts.fastPg,
    natsUrl: opts.natsUrl,
    databaseUrl: opts.databaseUrl,
  }).then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`bench --ui failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
// On Ctrl-C/crash, abort() exits once the cleanup is done; don't cut it short here.
else
  main(opts).then(
    () => {
      if (!aborting) process.exit(0);
    },
    (err: Error) => {
      if (aborting) return;
      process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );

/** `--import`: only the import-sqlite bench; writes bench/results/import-latest.{json,md}. */
async function runImportOnly(o: BenchOptions, stack: BenchStack, logDir: string, started: number): Promise<void> {
  const m = await machine(stack, stack.durable);
  say(`import-sqlite of ${o.importRows} telemetry rows (${o.importCharacters} characters)`);
  const r = await runImportBench(stack, { rows: o.importRows, characters: o.importCharacters, logDir });
  if (aborting) return;
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  const header = `# import-sqlite bench\n\nMachine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB RAM; Node ${m.node}; ${m.postgres ?? 'PostgreSQL ?'}, TimescaleDB ${m.timescaledb ?? '?'} (${m.durablePostgres ? 'fsync on' : 'fsync off'}); nats-server ${m.nats ?? '?'}. NATS, PostgreSQL, ingest+API and the importer share the machine.\nRun: \`${command}\`, ${new Date(started).toISOString()}, ${Math.round((Date.now() - started) / 1000)} s.`;
  mkdirSync(o.outDir, { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    join(o.outDir, 'import-latest.json'),
    `${JSON.stringify({ command, startedAt: new Date(started).toISOString(), machine: m, result: r }, null, 2)}\n`,
  );
  const md = importMarkdown(r, header);
  writeFileSync(join(o.outDir, 'import-latest.md'), md);
  say(`wrote ${join(o.outDir, 'import-latest.md')}`);
  process.stdout.write(`\n${md}`);
}
