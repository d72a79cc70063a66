// Command-line options of `npm run bench` (after `--`). Every knob has a named default;
// `--quick` shrinks durations and client counts so the whole run fits in under 60 s.
// Parsed by node:util parseArgs (src/shared/command-line.ts); `--help` lists BENCH_OPTIONS.
import {
  helpText,
  parseCommandLine,
  UsageError,
  type OptionSpecs,
  type OptionValues,
} from '../../src/shared/command-line.js';

export interface BenchOptions {
  quick: boolean;
  /** Run every Node child (edge, ingest, naive server, load generators) under `node --cpu-prof` (.data/bench-profiles/<run>/). */
  cpuProf: boolean;
  /** Runs of each scenario; the report gives the median with min–max (3; --quick 1). */
  repeat: number;
  /** `--compare REF`: also build REF in a temporary worktree and run both, A B A B (bench/lib/compare.ts). */
  compare?: string;
  /** Concurrent WebSocket clients of the throughput runs. */
  clients: number;
  /** Clients of the latency/RSS run ("1,000 connected clients", docs/benchmarks.md). */
  latencyClients: number;
  /** Seconds of load per throughput run. */
  durationS: number;
  /** Seconds of load of the fixed-rate latency run. */
  latencyDurationS: number;
  /** Events/s of the fixed-rate latency run (target: p99 <= 1 s at 20,000 ev/s, docs/benchmarks.md). */
  latencyRate: number;
  /** Events/s offered in the throughput runs; 0 = flat out. */
  rate: number;
  /** Load-generator processes (clients are split between them). */
  loadgenProcs: number;
  /** Flat out: unacked frames per client in ack mode; 0 = fire and forget (docs/benchmarks.md "The load generator"). */
  ackWindow: number;
  /** Probe events per second used to sample send-to-visible latency. */
  probeRate: number;
  /** Which scenarios to run (default all). */
  only: Set<string>;
  /** Skip the component benches. */
  noComponents: boolean;
  /** PostgreSQL with fsync off (tests' setting) instead of the durable default. */
  fastPg: boolean;
  /** Extra environment for the app's edge and ingest processes (`--app-env K=V`, repeatable). */
  appEnv: Record<string, string>;
  /** HTTP/WebSocket transports the batched and latency scenarios run on, side by side (docs/transports.md). */
  transports: BenchTransport[];
  natsUrl?: string;
  databaseUrl?: string;
  outDir: string;
  /** `--import`: run only the import-sqlite bench (bench/scenarios/import.ts). */
  importBench: boolean;
  /** Telemetry rows of the generated old-app file (`--import-rows`). */
  importRows: number;
  /** Characters those rows are spread over (`--import-characters`). */
  importCharacters: number;
  /** `--ui`: run only the UI benchmark (bench/ui), with these sizes. */
  ui: boolean;
  uiPlayers: number;
  uiSpawns: number;
  uiDurationS: number;
  /** Seconds the page runs before a window is measured (trails hold warmup + window seconds of points). */
  uiWarmupS: number;
  /** Measured windows per UI scenario (the median is reported). */
  uiRounds: number;
}

export const SCENARIOS = ['naive', 'per-event', 'batched', 'latency'] as const;
export const TRANSPORTS = ['uws', 'ws'] as const;
export type BenchTransport = (typeof TRANSPORTS)[number];

const USAGE = `usage: npm run bench -- [--quick] [--repeat N] [--compare GIT_REF] [--cpu-prof] [--clients N] [--duration S]
  [--rate EV_PER_S] [--latency-clients N] [--latency-duration S] [--latency-rate EV_PER_S] [--loadgen-procs N] [--ack-window FRAMES]
  [--probe-rate N] [--only naive,per-event,batched,latency] [--no-components] [--fast-pg] [--out DIR]
  [--transports uws,ws] (batched and latency on each; default both where the native uWS binary loads, else ws)
  [--ui [--ui-players N] [--ui-spawns N] [--ui-duration S] [--ui-warmup S] [--ui-rounds N]]  (the web page in headless chromium only)
  [--app-env KEY=VALUE ...]  (extra environment for the edge and ingest processes, e.g. EDGE_BATCH_FLUSH_MS=2)
  [--import [--import-rows N] [--import-characters N]]  (only the import-sqlite bench, docs/import.md)
Environment: NATS_URL / DATABASE_URL use running services instead of private ones.`;

/** Every option of `npm run bench` (`--read` has its own: bench/read/index.ts). */
export const BENCH_OPTIONS = {
  quick: { type: 'boolean', help: 'Short windows and fewer clients: the whole run in under 60 s.' },
  'cpu-prof': {
    type: 'boolean',
    help: 'Run every Node child under node --cpu-prof; profiles in .data/bench-profiles/<run>/.',
  },
  repeat: {
    type: 'string',
    arg: 'N',
    help: 'Runs of each scenario; median with min–max, spread over 25% flagged (3; --quick 1).',
  },
  compare: {
    type: 'string',
    arg: 'GIT_REF',
    help: 'Build GIT_REF in a temporary worktree and run it against this checkout, A B A B (--repeat pairs).',
  },
  clients: { type: 'string', arg: 'N', help: 'Concurrent WebSocket clients of the throughput runs (200).' },
  duration: { type: 'string', arg: 'S', help: 'Seconds of load per throughput run (20; --quick 3).' },
  rate: { type: 'string', arg: 'EV_PER_S', help: 'Events/s offered in the throughput runs; 0 = flat out (0).' },
  'latency-clients': { type: 'string', arg: 'N', help: 'Clients of the latency/RSS run (1000; --quick 300).' },
  'latency-duration': { type: 'string', arg: 'S', help: 'Seconds of the fixed-rate latency run (15; --quick 3).' },
  'latency-rate': { type: 'string', arg: 'EV_PER_S', help: 'Events/s of the fixed-rate latency run (20000).' },
  'loadgen-procs': { type: 'string', arg: 'N', help: 'Load-generator processes; clients are split between them (2).' },
  'ack-window': {
    type: 'string',
    arg: 'FRAMES',
    help: 'Flat out: unacked frames per client (ack mode); 0 = fire and forget, bounded by the socket only (32).',
  },
  'probe-rate': { type: 'string', arg: 'N', help: 'Probe events/s sampling send-to-visible latency (50).' },
  only: { type: 'string', arg: 'LIST', help: `Scenarios to run, of ${SCENARIOS.join(',')} (all).` },
  'no-components': { type: 'boolean', help: 'Skip the component benches.' },
  'fast-pg': { type: 'boolean', help: "PostgreSQL with fsync off (the tests' setting) instead of durable." },
  out: { type: 'string', arg: 'DIR', help: 'Where results are written (bench/results).' },
  transports: {
    type: 'string',
    arg: 'LIST',
    help: 'Transports of the batched and latency runs, of uws,ws (both where the native binary loads, else ws).',
  },
  'app-env': {
    type: 'string',
    multiple: true,
    arg: 'KEY=VALUE',
    help: 'Extra environment for the edge and ingest processes; repeatable.',
  },
  ui: { type: 'boolean', help: 'Only the web page in headless chromium (bench/ui).' },
  'ui-players': { type: 'string', arg: 'N', help: 'Simulated players of --ui (1000).' },
  'ui-spawns': { type: 'string', arg: 'N', help: 'Spawn markers of --ui (10000).' },
  'ui-duration': { type: 'string', arg: 'S', help: 'Seconds of each measured --ui window (10; --quick 5).' },
  'ui-warmup': { type: 'string', arg: 'S', help: 'Seconds before a --ui window is measured (130; --quick 2).' },
  'ui-rounds': {
    type: 'string',
    arg: 'N',
    help: 'Measured windows per --ui scenario, median reported (3; --quick 1).',
  },
  import: { type: 'boolean', help: 'Only the import-sqlite bench (docs/import.md).' },
  'import-rows': {
    type: 'string',
    arg: 'N',
    help: 'Telemetry rows of the generated old-app file (1000000; --quick 100000).',
  },
  'import-characters': { type: 'string', arg: 'N', help: 'Characters those rows are spread over (50).' },
  read: { type: 'boolean', help: 'Only the read benchmark; its options: npm run bench -- --read --help.' },
} as const satisfies OptionSpecs;

export const BENCH_HELP = helpText(USAGE, BENCH_OPTIONS);

type BenchValues = OptionValues<typeof BENCH_OPTIONS>;

/** A comma-separated list of names, each one of `allowed`. */
function namesOf<T extends string>(list: string, allowed: readonly T[], what: string): T[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) if (!(allowed as readonly string[]).includes(n)) throw usage(`unknown ${what} "${n}"`);
  return names as T[];
}

const usage = (line: string) => new Error(`${line}\n${USAGE}`);

/** The numeric options: [option, field, minimum, whole numbers only]. */
const NUMERIC = [
  ['clients', 'clients', 1, true],
  ['latency-clients', 'latencyClients', 1, true],
  ['duration', 'durationS', 1, false],
  ['latency-duration', 'latencyDurationS', 1, false],
  ['latency-rate', 'latencyRate', 1, false],
  ['rate', 'rate', 0, false],
  ['loadgen-procs', 'loadgenProcs', 1, true],
  ['probe-rate', 'probeRate', 1, false],
  ['repeat', 'repeat', 1, true],
  ['ack-window', 'ackWindow', 0, true],
  ['import-rows', 'importRows', 1, true],
  ['import-characters', 'importCharacters', 1, true],
  ['ui-players', 'uiPlayers', 1, true],
  ['ui-spawns', 'uiSpawns', 0, true],
  ['ui-duration', 'uiDurationS', 1, false],
  ['ui-warmup', 'uiWarmupS', 0, false],
  ['ui-rounds', 'uiRounds', 1, true],
] as const satisfies readonly (readonly [keyof BenchValues, keyof BenchOptions, number, boolean])[];

/** Parses the arguments (after `--`); a wrong one throws an Error of one line plus the usage. `--help`: see wantsHelp. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, nativeLoads = true): BenchOptions {
  let v: BenchValues;
  try {
    v = parseCommandLine(argv, BENCH_OPTIONS).values;
  } catch (err) {
    throw err instanceof UsageError ? usage(err.message) : err;
  }
  const quick = v.quick === true;
  const o: BenchOptions = {
    quick,
    cpuProf: v['cpu-prof'] === true,
    repeat: quick ? 1 : 3,
    compare: v.compare,
    clients: 200,
    latencyClients: quick ? 300 : 1000,
    durationS: quick ? 3 : 20,
    latencyDurationS: quick ? 3 : 15,
    latencyRate: 20000,
    rate: 0,
    loadgenProcs: 2,
    ackWindow: 32,
    probeRate: 50,
    only: new Set(SCENARIOS),
    noComponents: v['no-components'] === true,
    fastPg: v['fast-pg'] === true,
    appEnv: {},
    transports: nativeLoads ? ['uws', 'ws'] : ['ws'],
    natsUrl: env.NATS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    outDir: v.out ?? 'bench/results',
    importBench: v.import === true,
    importRows: quick ? 100_000 : 1_000_000,
    importCharacters: 50,
    ui: v.ui === true,
    uiPlayers: 1000,
    uiSpawns: 10000,
    uiDurationS: quick ? 5 : 10,
    uiWarmupS: quick ? 2 : 130,
    uiRounds: quick ? 1 : 3,
  };
  for (const [option, field, min, whole] of NUMERIC) {
    const raw = v[option];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw usage(`--${option} must be a number >= ${min}`);
    o[field] = whole ? Math.floor(n) : n;
  }
  for (const kv of v['app-env'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw usage(`--app-env wants KEY=VALUE, got "${kv}"`);
    o.appEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (v.compare !== undefined && !/^[\w./^~@{}-]+$/.test(v.compare))
    throw usage(`--compare wants a git ref (a commit, branch or tag), got "${v.compare}"`);
  if (v.compare !== undefined && (o.importBench || o.ui)) throw usage('--compare runs the load scenarios only');
  if (v.only !== undefined) o.only = new Set(namesOf(v.only, SCENARIOS, 'scenario'));
  if (v.transports !== undefined) {
    const names = namesOf(v.transports, TRANSPORTS, 'transport');
    if (names.length === 0) throw usage(`--transports needs at least one of ${TRANSPORTS.join(', ')}`);
    o.transports = [...new Set(names)];
  }
  return o;
}
