// Command-line options of `npm run bench` (after `--`). Every knob has a named default;
// `--quick` shrinks durations and client counts so the whole run fits in under 60 s.
export interface BenchOptions {
  quick: boolean;
  /** Run edge/ingest children under `node --cpu-prof` (profiles in bench/results/profiles). */
  cpuProf: boolean;
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
  /** Closed loop: events the load may run ahead of the server's accepted counter. */
  aheadEvents: number;
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

const USAGE = `usage: npm run bench -- [--quick] [--cpu-prof] [--clients N] [--duration S] [--rate EV_PER_S]
  [--latency-clients N] [--latency-duration S] [--latency-rate EV_PER_S] [--loadgen-procs N] [--ahead EVENTS]
  [--probe-rate N] [--only naive,per-event,batched,latency] [--no-components] [--fast-pg] [--out DIR]
  [--transports uws,ws] (batched and latency on each; default both where the native uWS binary loads, else ws)
  [--ui [--ui-players N] [--ui-spawns N] [--ui-duration S] [--ui-warmup S] [--ui-rounds N]]  (the web page in headless chromium only)
  [--app-env KEY=VALUE ...]  (extra environment for the edge and ingest processes, e.g. EDGE_BATCH_FLUSH_MS=2)
  [--import [--import-rows N] [--import-characters N]]  (only the import-sqlite bench, docs/import.md)
Environment: NATS_URL / DATABASE_URL use running services instead of private ones.`;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, nativeLoads = true): BenchOptions {
  const quick = argv.includes('--quick');
  const o: BenchOptions = {
    quick,
    cpuProf: argv.includes('--cpu-prof'),
    clients: 200,
    latencyClients: quick ? 300 : 1000,
    durationS: quick ? 3 : 20,
    latencyDurationS: quick ? 3 : 15,
    latencyRate: 20000,
    rate: 0,
    loadgenProcs: 2,
    probeRate: 50,
    aheadEvents: 200000,
    only: new Set(SCENARIOS),
    noComponents: argv.includes('--no-components'),
    fastPg: argv.includes('--fast-pg'),
    appEnv: {},
    transports: nativeLoads ? ['uws', 'ws'] : ['ws'],
    natsUrl: env.NATS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    outDir: 'bench/results',
    importBench: argv.includes('--import'),
    importRows: quick ? 100_000 : 1_000_000,
    importCharacters: 50,
    ui: argv.includes('--ui'),
    uiPlayers: 1000,
    uiSpawns: 10000,
    uiDurationS: quick ? 5 : 10,
    uiWarmupS: quick ? 2 : 130,
    uiRounds: quick ? 1 : 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    const num = (min: number) => {
      const v = Number(next());
      if (!Number.isFinite(v) || v < min) throw new Error(`${a} must be a number >= ${min}\n${USAGE}`);
      return v;
    };
    switch (a) {
      case '--quick':
      case '--cpu-prof':
      case '--no-components':
      case '--fast-pg':
      case '--import':
      case '--ui':
        break;
      case '--import-rows':
        o.importRows = Math.floor(num(1));
        break;
      case '--import-characters':
        o.importCharacters = Math.floor(num(1));
        break;
      case '--ui-players':
        o.uiPlayers = Math.floor(num(1));
        break;
      case '--ui-spawns':
        o.uiSpawns = Math.floor(num(0));
        break;
      case '--ui-duration':
        o.uiDurationS = num(1);
        break;
      case '--ui-warmup':
        o.uiWarmupS = num(0);
        break;
      case '--ui-rounds':
        o.uiRounds = Math.floor(num(1));
        break;
      case '--clients':
        o.clients = Math.floor(num(1));
        break;
      case '--latency-clients':
        o.latencyClients = Math.floor(num(1));
        break;
      case '--duration':
        o.durationS = num(1);
        break;
      case '--latency-duration':
        o.latencyDurationS = num(1);
        break;
      case '--latency-rate':
        o.latencyRate = num(1);
        break;
      case '--rate':
        o.rate = num(0);
        break;
      case '--loadgen-procs':
        o.loadgenProcs = Math.floor(num(1));
        break;
      case '--probe-rate':
        o.probeRate = num(1);
        break;
      case '--ahead':
        o.aheadEvents = Math.floor(num(100));
        break;
      case '--out':
        o.outDir = next();
        break;
      case '--app-env': {
        const kv = next();
        const eq = kv.indexOf('=');
        if (eq < 1) throw new Error(`--app-env wants KEY=VALUE, got "${kv}"\n${USAGE}`);
        o.appEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--only': {
        const names = next()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const n of names)
          if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario "${n}"\n${USAGE}`);
        o.only = new Set(names);
        break;
      }
      case '--transports': {
        const names = next()
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        for (const n of names)
          if (!(TRANSPORTS as readonly string[]).includes(n)) throw new Error(`unknown transport "${n}"\n${USAGE}`);
        if (names.length === 0)
          throw new Error(`--transports needs at least one of ${TRANSPORTS.join(', ')}\n${USAGE}`);
        o.transports = [...new Set(names)] as BenchTransport[];
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option "${a}"\n${USAGE}`);
    }
  }
  return o;
}
