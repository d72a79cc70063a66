// `npm run bench [-- options]`: component figures, then the naive baseline, the
// pipeline with one JetStream message per event, the batched pipeline (flat out), and
// the batched pipeline at a fixed rate with many clients (latency + edge RSS), all in
// one invocation on one machine. Writes bench/results/latest.{json,md}. See docs/benchmarks.md.
import { mkdtempSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release, type } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { BENCH_HELP, parseArgs, type BenchOptions, type BenchTransport } from './lib/args.js';
import { wantsHelp } from '../src/shared/command-line.js';
import { loadNativeUws } from '../src/shared/http/uws.js';
import { startBenchStack, benchDatabase, type BenchStack } from './lib/stack.js';
import { stopAllChildren } from './lib/children.js';
import { runNaive, type ScenarioRun } from './scenarios/naive.js';
import { runPipeline } from './scenarios/pipeline.js';
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

async function main(o: BenchOptions): Promise<void> {
  const started = Date.now();
  const logDir = mkdtempSync(join(tmpdir(), 'tracker-bench-logs-'));
  const profDir = resolve(o.outDir, 'profiles');
  if (o.cpuProf) mkdirSync(profDir, { recursive: true });
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
    void Promise.allSettled([stopAllChildren(), stack.stop()]).finally(() => process.exit(1));
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  process.on('uncaughtException', (err) => abort(`crashed: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => abort(`crashed: ${(err as Error)?.stack ?? String(err)}`));
  if (o.importBench) {
    try {
      await runImportOnly(o, stack, logDir, started);
    } finally {
      await stack.stop().catch((err: Error) => say(`stopping services: ${err.message}`));
    }
    return;
  }
  const results: BenchResults = {
    version: 1,
    startedAt: new Date(started).toISOString(),
    wallS: 0,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: await machine(stack, stack.durable),
    components: {},
    scenarios: {},
    targets: [],
    notes: [],
  };
  try {
    if (!o.noComponents) {
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
    const base: ScenarioRun = {
      clients: o.clients,
      procs: o.loadgenProcs,
      durationMs: o.durationS * 1000,
      rate: o.rate,
      probeRate: o.probeRate,
      logDir,
      drainTimeoutMs: o.quick ? 5000 : 45000,
      aheadEvents: o.aheadEvents,
    };
    const cpuProfDir = o.cpuProf ? profDir : undefined;
    // Native uWS is the benchmarked path (`batched`, `latency`); the ws transport runs the
    // same two scenarios right after, as `batched-ws` and `latency-ws`, in this run.
    const onTransport = (t: BenchTransport) => ({ ...o.appEnv, UWS_USE_FALLBACK: t === 'ws' ? 'true' : 'false' });
    const suffix = (t: BenchTransport) => (t === 'ws' ? '-ws' : '');
    const scenarios: [string, string, () => Promise<unknown>][] = [
      ['naive', 'naive', () => runNaive(stack, base)],
      [
        'per-event',
        'per-event',
        () =>
          runPipeline(stack, {
            ...base,
            label: 'per-event',
            mode: 'per-event',
            cpuProfDir,
            env: onTransport(o.transports[0]),
          }),
      ],
      ...o.transports.flatMap((tr): [string, string, () => Promise<unknown>][] => [
        [
          'batched',
          `batched${suffix(tr)}`,
          () =>
            runPipeline(stack, {
              ...base,
              label: `batched${suffix(tr)}`,
              mode: 'batched',
              cpuProfDir,
              env: onTransport(tr),
            }),
        ],
      ]),
      ...o.transports.flatMap((tr): [string, string, () => Promise<unknown>][] => [
        [
          'latency',
          `latency${suffix(tr)}`,
          () =>
            runPipeline(stack, {
              ...base,
              label: `latency${suffix(tr)}`,
              mode: 'batched',
              clients: o.latencyClients,
              rate: o.latencyRate,
              durationMs: o.latencyDurationS * 1000,
              cpuProfDir,
              env: onTransport(tr),
            }),
        ],
      ]),
    ];
    for (const [kind, name, run] of scenarios) {
      if (!o.only.has(kind)) continue;
      // Every scenario starts from a quiet server: what the components or the previous
      // scenario wrote is flushed now, not during the next measurement window.
      await settle(stack.adminUrl, o.quick ? 500 : 3000);
      say(`scenario: ${name}`);
      try {
        (results.scenarios as Record<string, unknown>)[name] = await run();
        const r = results.scenarios[name as keyof BenchResults['scenarios']] as {
          e2ePerS: number;
          latency: { p99Ms?: number };
        };
        say(`  ${name}: ${r.e2ePerS} ev/s end to end, p99 ${r.latency.p99Ms ?? '–'} ms`);
      } catch (err) {
        say(`  ${name} FAILED: ${(err as Error).message}`);
        (results.scenarios as Record<string, unknown>)[name] = { error: (err as Error).message };
      }
    }
  } finally {
    await stack.stop().catch((err: Error) => say(`stopping services: ${err.message}`));
  }
  if (o.cpuProf) {
    const files = readdirSync(profDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(profDir, f))
      .filter((f) => statSync(f).mtimeMs >= started);
    results.profiles = files.map((f) => ({ file: f, summary: summarizeProfile(f, 15) }));
  }
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
  process.stdout.write(`\n${(await import('node:fs')).readFileSync(out.md, 'utf8')}`);
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

/** CHECKPOINT, then a pause, between scenarios (the machine also runs their leftovers). */
async function settle(adminUrl: string, pauseMs: number): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl, application_name: 'bench-settle' });
  try {
    await c.connect();
    await c.query('checkpoint');
  } catch {
    /* a server we may not checkpoint (given DATABASE_URL): the pause still helps */
  } finally {
    await c.end().catch(() => {});
  }
  await new Promise((r) => setTimeout(r, pauseMs));
}
