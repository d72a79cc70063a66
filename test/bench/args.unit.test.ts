// `npm run bench` options (bench/lib/args.ts, node:util parseArgs): every flag keeps its
// meaning and default; a wrong one is one line plus the usage (bench/run.ts exits 2);
// --help lists them all (exit 0).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { BENCH_HELP, BENCH_OPTIONS, parseArgs, SCENARIOS } from '../../bench/lib/args.js';
import { parseReadArgs } from '../../bench/read/index.js';

t.test('defaults, --quick, and every flag', async (t) => {
  const d = parseArgs([], {}, true);
  t.match(d, {
    quick: false,
    repeat: 3,
    compare: undefined,
    ackWindow: 32,
    clients: 200,
    latencyClients: 1000,
    durationS: 20,
    outDir: 'bench/results',
  });
  t.same([...d.only], [...SCENARIOS]);
  t.same(d.transports, ['uws', 'ws']);
  t.same(parseArgs([], {}, false).transports, ['ws'], 'no native binary: ws only');
  t.match(parseArgs(['--quick'], {}), {
    quick: true,
    repeat: 1,
    latencyClients: 300,
    durationS: 3,
    uiWarmupS: 2,
    uiRounds: 1,
  });
  const o = parseArgs(
    [
      '--cpu-prof',
      '--clients',
      '7.9',
      '--duration',
      '2.5',
      '--rate=0',
      '--latency-clients',
      '3',
      '--latency-duration',
      '4',
      '--latency-rate',
      '5',
      '--loadgen-procs',
      '1',
      '--ack-window',
      '0',
      '--repeat',
      '2',
      '--probe-rate',
      '9',
      '--only',
      'batched, latency',
      '--no-components',
      '--fast-pg',
      '--out',
      'x/y',
      '--transports',
      'ws,ws',
      '--app-env',
      'A=1',
      '--app-env',
      'B=x=y',
      '--ui',
      '--ui-players',
      '10',
      '--ui-spawns',
      '0',
      '--ui-duration',
      '1',
      '--ui-warmup',
      '0',
      '--ui-rounds',
      '2',
      '--import',
      '--import-rows',
      '1000',
      '--import-characters',
      '5',
    ],
    { NATS_URL: 'nats://n', DATABASE_URL: 'postgres://d' },
  );
  t.match(o, {
    cpuProf: true,
    clients: 7,
    durationS: 2.5,
    rate: 0,
    latencyClients: 3,
    latencyDurationS: 4,
    latencyRate: 5,
    loadgenProcs: 1,
    ackWindow: 0,
    repeat: 2,
    probeRate: 9,
    noComponents: true,
    fastPg: true,
    outDir: 'x/y',
    transports: ['ws'],
    appEnv: { A: '1', B: 'x=y' },
    ui: true,
    uiPlayers: 10,
    uiSpawns: 0,
    uiDurationS: 1,
    uiWarmupS: 0,
    uiRounds: 2,
    importBench: true,
    importRows: 1000,
    importCharacters: 5,
    natsUrl: 'nats://n',
    databaseUrl: 'postgres://d',
  });
  t.same([...o.only], ['batched', 'latency']);
});

t.test('a wrong argument: one line, then the usage', async (t) => {
  const cases: [string[], string][] = [
    [['--bogus'], 'unknown argument "--bogus"'],
    [['--clients'], '--clients needs a value'],
    [['--clients', '0'], '--clients must be a number >= 1'],
    [['--repeat', '0'], '--repeat must be a number >= 1'],
    [['--ack-window', '-1'], '--ack-window must be a number >= 0'],
    [['--ahead', '100'], 'unknown argument "--ahead"'],
    [['--compare', 'a b'], '--compare wants a git ref (a commit, branch or tag), got "a b"'],
    [['--compare', 'HEAD~1', '--import'], '--compare runs the load scenarios only'],
    [['--only', 'fast'], 'unknown scenario "fast"'],
    [['--transports', 'tcp'], 'unknown transport "tcp"'],
    [['--transports', ','], '--transports needs at least one of uws, ws'],
    [['--app-env', 'NOEQUALS'], '--app-env wants KEY=VALUE, got "NOEQUALS"'],
  ];
  for (const [args, line] of cases) {
    const err = (() => {
      try {
        parseArgs(args, {});
      } catch (e) {
        return e as Error;
      }
    })();
    t.equal(err?.message.split('\n')[0], line, args.join(' '));
    t.match(err?.message, /\nusage: npm run bench/);
  }
});

t.test('--compare takes a git ref and the usual flags', async (t) => {
  t.match(parseArgs(['--compare', '0f8bd6d', '--only', 'naive,batched', '--repeat', '2', '--quick'], {}), {
    compare: '0f8bd6d',
    repeat: 2,
    quick: true,
  });
  t.equal(parseArgs(['--compare=HEAD~1'], {}).compare, 'HEAD~1');
});

t.test('--help names every option', async (t) => {
  for (const name of Object.keys(BENCH_OPTIONS)) t.ok(BENCH_HELP.includes(`--${name}`), name);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--help'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.equal(r.stdout, BENCH_HELP);
  const read = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--read', '-h'], { encoding: 'utf8' });
  t.equal(read.status, 0);
  t.match(read.stdout, /usage: npm run bench -- --read[\s\S]*--rows N/);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--bogus'], { encoding: 'utf8' });
  t.equal(bad.status, 2, 'unknown option: exit 2');
  t.equal(bad.stderr.split('\n')[0], 'unknown argument "--bogus"');
});

t.test('--read options', async (t) => {
  t.match(parseReadArgs(['--read', '--warmup', '0', '--fast-pg', '--out', 'o'], {}), {
    rows: 10_000_000,
    warmup: 0,
    fastPg: true,
    outDir: 'o',
  });
  t.throws(() => parseReadArgs(['--read', '--quick'], {}), /^unknown argument "--quick" with --read\nusage:/);
});
