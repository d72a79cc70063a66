// `npm run bench -- --import`: import-sqlite of a generated old-layout file with N
// telemetry rows (default 1M) into a private stack; then ingest (and the API) start and
// land the backlog.
// Measures, in one run: the dry run (read + map + validate, no publishing) as the
// baseline; the import's publishing rate and peak RSS; the time until ingest has landed
// every row; and the /history answer for an imported character (docs/import.md "Speed").
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, sleep } from '../../src/localstack/process.js';
import { APP_NODE_FLAGS, appEntry, spawnNode, waitHttp, type Child } from '../lib/children.js';
import { benchDatabase, type BenchStack } from '../lib/stack.js';
import { sampleProcess, round1 } from '../lib/proc-stats.js';
import { createOldDb, writeTelemetry, BENCH_EPOCH_S } from '../import/old-db.js';

export interface ImportBenchRun {
  rows: number;
  characters: number;
  logDir: string;
}

export interface ImportBenchResult {
  rows: number;
  characters: number;
  fileMb: number;
  generateS: number;
  dryRun: { seconds: number; rowsPerS: number; peakRssMb: number; cpuUsPerRow?: number };
  import: {
    seconds: number;
    wallS: number;
    rowsPerS: number;
    messages: number;
    peakRssMb: number;
    sampledPeakRssMb?: number;
    cpuPct?: number;
    cpuUsPerRow?: number;
  };
  /** Import start -> the last row visible in PostgreSQL (import, then ingest: no overlap). */
  endToEndS: number;
  /** Ingest start (after the import) -> the last row visible: its catch-up over the backlog. */
  ingestCatchUpS: number;
  ingestRowsPerS: number;
  landedRows: number;
  history: {
    character: string;
    query: string;
    ms: number;
    status: number;
    bucket?: string;
    points: number;
    firstPoint?: unknown;
  };
  /** Publishing time over the dry run's time: what JetStream adds to reading and validating. */
  publishVsDryRun: number;
  /** The machine's 1-minute load average at the start and the end (2 cores, shared). */
  loadAvg: [number, number];
  /** Rows/s one free core would give at the measured importer CPU cost per row. */
  oneCoreRowsPerS?: number;
}

async function runToEnd(
  name: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
): Promise<{ report: any; child: Child; sampler: ReturnType<typeof sampleProcess>; wallS: number }> {
  const logFile = join(logDir, `${name}.log`);
  const t0 = Date.now();
  // The app's V8 flags, as in the `import-sqlite` npm script (peak RSS for 300k rows:
  // ~227 MB without, ~166 MB with them, measured here; docs/import.md "Speed").
  const child = spawnNode(name, appEntry(), {
    args: ['import-sqlite', ...args, '--json', '--no-progress'],
    nodeFlags: APP_NODE_FLAGS,
    env,
    logFile,
  });
  const sampler = sampleProcess(child.pid, { intervalMs: 200 });
  await new Promise<void>((r) => child.proc.once('exit', () => r()));
  const wallS = (Date.now() - t0) / 1000;
  await sleep(50); // the log stream flushes after exit
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{"import"'));
  if (!line) throw new Error(`${name} printed no report; see ${logFile}`);
  return { report: JSON.parse(line).import, child, sampler, wallS };
}

export async function runImportBench(stack: BenchStack, r: ImportBenchRun): Promise<ImportBenchResult> {
  const load0 = round1(loadavg()[0]);
  const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-import-'));
  const file = join(dir, 'tracker.db');
  const g0 = Date.now();
  const sqlite = createOldDb(file);
  writeTelemetry(sqlite, r.rows, r.characters);
  sqlite.close();
  const generateS = (Date.now() - g0) / 1000;
  const db = await benchDatabase(stack, 'import');
  const id = randomBytes(4).toString('hex');
  const port = await freePort();
  const env = {
    NATS_URL: stack.natsUrl,
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    STREAM_NAME: `BENCHIMP_${id}`,
    SUBJECT_PREFIX: `benchimp${id}`,
    CONSUMER_NAME: `benchimp_${id}`,
    PORT: String(port),
  };
  const pgc = new pg.Client({ connectionString: db.url });
  await pgc.connect();
  let app: Child | undefined;
  try {
    const dry = await runToEnd('import-dry-run', [file, '--dry-run'], env, r.logDir);
    const dryStats = dry.sampler.stop();
    // Publishing alone first (the import's figure is getting rows into JetStream, docs/import.md;
    // ingest running at the same time would take its CPU), then ingest catches up.
    const t0 = Date.now();
    const run = await runToEnd('import', [file], env, r.logDir);
    const stats = run.sampler.stop();
    if (!run.report.ok) throw new Error(`import failed: ${run.report.error}`);
    const tel = run.report.tables.find((t: { table: string }) => t.table === 'telemetry_log');
    const c0 = Date.now();
    app = spawnNode('ingest-api', appEntry(), {
      args: ['start'],
      env: { ...env, ROLES: 'ingest,api' },
      logFile: join(r.logDir, 'import-ingest-api.log'),
    });
    await waitHttp(app, port, '/health');
    let landed = 0;
    for (;;) {
      landed = Number((await pgc.query<{ n: string }>('select count(*) as n from telemetry')).rows[0].n);
      if (landed >= tel.imported) break;
      if (app.exited()) throw new Error(app.exited());
      if (Date.now() - t0 > 600_000) throw new Error(`only ${landed} of ${tel.imported} rows landed after 600 s`);
      await sleep(100);
    }
    const endToEndS = (Date.now() - t0) / 1000;
    const ingestCatchUpS = (Date.now() - c0) / 1000;
    const character = 'Bench Char 0';
    const from = new Date(BENCH_EPOCH_S * 1000).toISOString();
    const to = new Date((BENCH_EPOCH_S + Math.ceil(r.rows / r.characters) + 1) * 1000).toISOString();
    const query = `/history?character=${encodeURIComponent(character)}&from=${from}&to=${to}`;
    const h0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${query}`);
    const body = (await res.json()) as { bucket?: string; points?: unknown[] };
    const ms = round1(performance.now() - h0);
    return {
      rows: r.rows,
      characters: r.characters,
      fileMb: round1(statSync(file).size / 2 ** 20),
      generateS: round1(generateS),
      dryRun: {
        seconds: dry.report.seconds,
        rowsPerS: Math.round(r.rows / dry.report.seconds),
        peakRssMb: round1(dry.report.peakRssMb),
        cpuUsPerRow: dryStats ? round1((dryStats.cpuSeconds * 1e6) / r.rows) : undefined,
      },
      import: {
        seconds: run.report.seconds,
        wallS: round1(run.wallS),
        rowsPerS: Math.round(r.rows / run.report.seconds),
        messages: tel.messages,
        peakRssMb: round1(run.report.peakRssMb),
        sampledPeakRssMb: stats?.peakRssMb,
        cpuPct: stats?.cpuPct,
        cpuUsPerRow: stats ? round1((stats.cpuSeconds * 1e6) / r.rows) : undefined,
      },
      endToEndS: round1(endToEndS),
      ingestCatchUpS: round1(ingestCatchUpS),
      ingestRowsPerS: Math.round(landed / ingestCatchUpS),
      landedRows: landed,
      history: {
        character,
        query,
        ms,
        status: res.status,
        bucket: body.bucket,
        points: body.points?.length ?? 0,
        firstPoint: body.points?.[0],
      },
      publishVsDryRun: round1(run.report.seconds / dry.report.seconds),
      loadAvg: [load0, round1(loadavg()[0])],
      oneCoreRowsPerS: stats && stats.cpuSeconds > 0 ? Math.round(r.rows / stats.cpuSeconds) : undefined,
    };
  } finally {
    await app?.stop();
    await pgc.end().catch(() => {});
    await db.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

export function importMarkdown(x: ImportBenchResult, header: string): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `${header}

| figure | value |
|---|---|
| rows (telemetry_log), characters | ${n(x.rows)}, ${x.characters} (file ${x.fileMb} MB, generated in ${x.generateS} s) |
| dry run (read + map + validate, no publishing): baseline | ${x.dryRun.seconds} s, ${n(x.dryRun.rowsPerS)} rows/s, ${x.dryRun.cpuUsPerRow ?? '?'} µs CPU per row, peak RSS ${x.dryRun.peakRssMb} MB |
| import: all rows acknowledged by JetStream | ${x.import.seconds} s (${x.import.wallS} s with process start), **${n(x.import.rowsPerS)} rows/s**, ${n(x.import.messages)} messages, ${x.publishVsDryRun}× the dry run's time |
| import peak RSS | ${x.import.peakRssMb} MB (process maxRSS; sampled ${x.import.sampledPeakRssMb ?? '?'} MB), CPU ${x.import.cpuPct ?? '?'} % of one core, ${x.import.cpuUsPerRow ?? '?'} µs CPU per row (process start included) |
| ingest catch-up: started after the import -> last row in PostgreSQL | ${x.ingestCatchUpS} s, ${n(x.ingestRowsPerS)} rows/s |
| end to end: import start -> last row in PostgreSQL (import, then ingest; no overlap) | ${x.endToEndS} s (${n(x.landedRows)} rows) |
| machine load (1-min load average, start / end; 2 cores shared with other work) | ${x.loadAvg[0]} / ${x.loadAvg[1]} |
| rows per importer CPU-second (all its threads; what one free core would give) | ${x.oneCoreRowsPerS ? n(x.oneCoreRowsPerS) : '?'} |
| /history for "${x.history.character}" over its whole range | ${x.history.status}, bucket ${x.history.bucket}, ${n(x.history.points)} points, ${x.history.ms} ms |

| target | wanted | measured | met |
|---|---|---|---|
| publishing rate | ≥ 50,000 rows/s | ${n(x.import.rowsPerS)} rows/s | ${x.import.rowsPerS >= 50_000 ? 'yes' : 'NO'} |
| 1,000,000 rows in JetStream | < 20 s | ${x.rows === 1_000_000 ? `${x.import.seconds} s` : `(${n(x.rows)} rows run)`} | ${x.rows === 1_000_000 ? (x.import.seconds < 20 ? 'yes' : 'NO') : '–'} |

First /history point: \`${JSON.stringify(x.history.firstPoint)}\`
`;
}
