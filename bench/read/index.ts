// `npm run bench -- --read [--rows N] [--calls N] [--fast-pg]`: the read benchmark
// (docs/benchmarks.md "Read benchmark"). Loads N telemetry rows (default 10M) plus N/10
// spawns and N/10 rares with SQL, runs the materializer once (timed), starts the API
// role, and times every read endpoint over HTTP (p50/p95 of warm calls) against its
// raw-SQL baseline measured in the same run, in the aggregate mode of the database.
// Writes bench/results/read-latest.{json,md}.
import { writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startBenchStack, benchDatabase } from '../lib/stack.js';
import { tmpdir } from 'node:os';
import { spawnNode, appEntry, waitHttp, APP_NODE_FLAGS } from '../lib/children.js';
import { freePort } from '../../src/localstack/process.js';
import { loadReadData, CHARACTERS, DAYS, GROUNDS } from './load.js';
import { readCases } from './cases.js';
import {
  helpText,
  parseCommandLine,
  UsageError,
  type OptionSpecs,
  type OptionValues,
} from '../../src/shared/command-line.js';

const say = (msg: string) => process.stderr.write(`[bench --read] ${msg}\n`);

export interface ReadOptions {
  rows: number;
  calls: number;
  warmup: number;
  fastPg: boolean;
  outDir: string;
  databaseUrl?: string;
  natsUrl?: string;
}

const READ_USAGE = 'usage: npm run bench -- --read [--rows N] [--calls N] [--warmup N] [--fast-pg] [--out DIR]';
const READ_OPTIONS = {
  read: { type: 'boolean', help: 'The read benchmark (this one).' },
  rows: {
    type: 'string',
    arg: 'N',
    help: 'Telemetry rows loaded, plus N/10 spawns and N/10 rares (10000000; >= 1000).',
  },
  calls: { type: 'string', arg: 'N', help: 'Timed calls per case (15; >= 2).' },
  warmup: { type: 'string', arg: 'N', help: 'Untimed calls per case before them (3).' },
  'fast-pg': { type: 'boolean', help: "PostgreSQL with fsync off (the tests' setting) instead of durable." },
  out: { type: 'string', arg: 'DIR', help: 'Where results are written (bench/results).' },
} as const satisfies OptionSpecs;
export const READ_HELP = helpText(READ_USAGE, READ_OPTIONS);

export function parseReadArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ReadOptions {
  let v: OptionValues<typeof READ_OPTIONS>;
  try {
    v = parseCommandLine(argv, READ_OPTIONS).values;
  } catch (err) {
    throw err instanceof UsageError ? new Error(`${err.message} with --read\n${READ_USAGE}`) : err;
  }
  const num = (option: 'rows' | 'calls' | 'warmup', fallback: number, min: number) => {
    const raw = v[option];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${option} must be an integer >= ${min}\n${READ_USAGE}`);
    return n;
  };
  return {
    rows: num('rows', 10_000_000, 1000),
    calls: num('calls', 15, 2),
    warmup: num('warmup', 3, 0),
    fastPg: v['fast-pg'] === true,
    outDir: v.out ?? 'bench/results',
    databaseUrl: env.DATABASE_URL || undefined,
    natsUrl: env.NATS_URL || undefined,
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const r1 = (x: number) => Math.round(x * 10) / 10;

async function timeIt(n: number, warm: number, f: () => Promise<void>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warm; i++) await f();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return { p50: r1(pct(ms, 50)), p95: r1(pct(ms, 95)) };
}

export interface CaseResult {
  name: string;
  api: { p50: number; p95: number };
  raw: { p50: number; p95: number };
  ratio: number;
  p95TargetMs?: number;
  minRatio?: number;
  met?: boolean;
  answerRows: number;
  rawRows: number;
}

export async function runReadBench(o: ReadOptions): Promise<void> {
  const started = Date.now();
  const stack = await startBenchStack({ databaseUrl: o.databaseUrl, natsUrl: o.natsUrl, fastPg: o.fastPg });
  const db = await benchDatabase(stack, 'read');
  const c = new pg.Client({ connectionString: db.url });
  try {
    await c.connect();
    const mode = (await c.query<{ m: string }>('select tracker_aggregate_mode() as m')).rows[0].m;
    const version = (await c.query<{ v: string }>('select version() as v')).rows[0];
    const tsdb = (
      await c.query<{ v: string }>("select extversion as v from pg_extension where extname = 'timescaledb'")
    ).rows[0].v;
    say(
      `loading ${o.rows.toLocaleString('en-US')} telemetry rows + ${Math.ceil(o.rows / 10).toLocaleString('en-US')} spawns and rares (${mode} mode)`,
    );
    const data = await loadReadData(db.url, o.rows);
    say(`loaded in ${r1(data.seconds)} s: ${JSON.stringify(data)}`);
    const t0 = performance.now();
    if (mode === 'continuous') {
      // Community: refresh the continuous aggregates over the load, as after an import.
      for (const v of ['telemetry_1m', 'telemetry_1h', 'telemetry_1d', 'spawn_cells_1h', 'rare_cells_1h'])
        await c.query(`call refresh_continuous_aggregate('${v}', null, now())`);
    }
    const written = (await c.query<{ w: Record<string, number> }>('select tracker_refresh_rollups() as w')).rows[0].w;
    const refreshS = r1((performance.now() - t0) / 1000);
    say(`materialized in ${refreshS} s: ${JSON.stringify(written)}`);
    const t1 = performance.now();
    const sessions = (await c.query<{ s: unknown }>('select tracker_refresh_sessions() as s')).rows[0].s;
    const sessionsS = r1((performance.now() - t1) / 1000);
    say(`sessions materialized in ${sessionsS} s: ${JSON.stringify(sessions)}`);
    await c.query('vacuum analyze');

    // The API runs as its own process (ROLES=api, as deployed): the bench's HTTP client
    // does not share its event loop.
    const port = await freePort();
    const logFile = join(mkdtempSync(join(tmpdir(), 'tracker-bench-read-')), 'api.log');
    const app = spawnNode('api', appEntry(), {
      args: ['start'],
      nodeFlags: APP_NODE_FLAGS,
      logFile,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        NATS_URL: stack.natsUrl,
        STREAM_NAME: `BENCH_READ_${Date.now()}`,
        SUBJECT_PREFIX: `benchread${Date.now()}`,
        ROLES: 'api',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        MIGRATE_ON_START: 'false',
        API_RETENTION_INTERVAL_MS: '0',
      },
    });
    await waitHttp(app, port, '/health');
    // The baseline runs with the API pool's settings (src/api/db.ts: jit off), so the
    // ratio compares the work, not JIT compilation.
    const baseline = new pg.Client({ connectionString: db.url, options: '-c jit=off' });
    await baseline.connect();
    const base = `http://127.0.0.1:${port}`;
    const results: CaseResult[] = [];
    try {
      for (const rc of readCases(data.endMs)) {
        let answerRows = 0;
        const api = await timeIt(o.calls, o.warmup, async () => {
          const res = await fetch(base + rc.path);
          const body = (await res.json()) as Record<string, unknown>;
          if (res.status !== 200) throw new Error(`${rc.path}: HTTP ${res.status} ${JSON.stringify(body)}`);
          const list = Object.values(body).find(Array.isArray) as unknown[] | undefined;
          answerRows = list?.length ?? 1; // an answer without a list (/characters/{name}/stats) is one row
        });
        let rawRows = 0;
        const raw = await timeIt(o.calls, o.warmup, async () => {
          rawRows = (await baseline.query(rc.sql, rc.params)).rowCount ?? 0;
        });
        const ratio = r1(raw.p50 / api.p50);
        const met = rc.p95TargetMs === undefined ? undefined : api.p95 <= rc.p95TargetMs && ratio >= (rc.minRatio ?? 0);
        results.push({
          name: rc.name,
          api,
          raw,
          ratio,
          p95TargetMs: rc.p95TargetMs,
          minRatio: rc.minRatio,
          met,
          answerRows,
          rawRows,
        });
        say(
          `${rc.name}: API ${api.p50} / ${api.p95} ms, raw SQL ${raw.p50} / ${raw.p95} ms (${ratio}×), ${answerRows} rows`,
        );
      }
    } finally {
      await app.stop();
      await baseline.end();
    }
    const sizes = (
      await c.query<{ rel: string; n: number }>(`select rel, n from (values
      ('telemetry', (select count(*) from telemetry)), ('telemetry_rollup_1m', (select count(*) from telemetry_rollup_1m)),
      ('telemetry_rollup_1h', (select count(*) from telemetry_rollup_1h)), ('telemetry_rollup_1d', (select count(*) from telemetry_rollup_1d)),
      ('spawn_events', (select count(*) from spawn_events)), ('spawn_heat_1h', (select count(*) from spawn_heat_1h)), ('spawn_heat_1d', (select count(*) from spawn_heat_1d)),
      ('spawn_heat_all_1d', (select count(*) from spawn_heat_all_1d)),
      ('rare_events', (select count(*) from rare_events)), ('rare_heat_1h', (select count(*) from rare_heat_1h)), ('rare_heat_1d', (select count(*) from rare_heat_1d)),
      ('rare_heat_all_1d', (select count(*) from rare_heat_all_1d)),
      ('character_session_rollup', (select count(*) from character_session_rollup))) v(rel, n)`)
    ).rows;
    const out = {
      startedAt: new Date(started).toISOString(),
      wallS: r1((Date.now() - started) / 1000),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
      mode,
      postgres: version.v.split(' on ')[0],
      timescaledb: tsdb,
      durablePostgres: !o.fastPg,
      data,
      characters: CHARACTERS,
      days: DAYS,
      refreshS,
      sessionsS,
      calls: o.calls,
      warmup: o.warmup,
      sizes: Object.fromEntries(sizes.map((s) => [s.rel, Number(s.n)])),
      results,
    };
    mkdirSync(o.outDir, { recursive: true });
    writeFileSync(join(o.outDir, 'read-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
    const md = readMarkdown(out);
    writeFileSync(join(o.outDir, 'read-latest.md'), md);
    process.stdout.write(`\n${md}`);
  } finally {
    await c.end().catch(() => {});
    await db.drop().catch(() => {});
    await stack.stop();
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

function readMarkdown(r: {
  startedAt: string;
  command: string;
  mode: string;
  postgres: string;
  timescaledb: string;
  durablePostgres: boolean;
  data: { telemetry: number; spawns: number; rares: number; seconds: number };
  refreshS: number;
  sessionsS: number;
  calls: number;
  warmup: number;
  sizes: Record<string, number>;
  results: CaseResult[];
}): string {
  const lines = [
    `Run: \`${r.command}\`, ${r.startedAt}; ${r.postgres}, TimescaleDB ${r.timescaledb}, aggregate mode **${r.mode}**${r.durablePostgres ? '' : ', fsync off'}.`,
    `Data: ${fmt(r.data.telemetry)} telemetry rows (${CHARACTERS} characters, ${DAYS} days), ${fmt(r.data.spawns)} spawns (clustered: each character hunts a day at one of ${GROUNDS} shared grounds, spawns within ±3 units), ${fmt(r.data.rares)} rares (uniform over the map); loaded in ${r1(r.data.seconds)} s; first materialization ${r.refreshS} s (rollups) + ${r.sessionsS} s (sessions).`,
    `p50 / p95 of ${r.calls} warm calls each (after ${r.warmup} warm-up calls); API = HTTP round trip including JSON; raw SQL = the same aggregation as one statement over the raw rows on a warm connection; × = raw p50 / API p50.`,
    '',
    '| read | API p50 / p95 ms | raw SQL p50 / p95 ms | × raw | target (p95, ×) | met | rows |',
    '|---|---|---|---|---|---|---|',
    ...r.results.map(
      (x) =>
        `| \`${x.name}\` | ${x.api.p50} / ${x.api.p95} | ${x.raw.p50} / ${x.raw.p95} | ${x.ratio}× | ${x.p95TargetMs ? `≤ ${x.p95TargetMs} ms, ≥ ${x.minRatio}×` : '–'} | ${x.met === undefined ? '–' : x.met ? 'yes' : 'NO'} | ${fmt(x.answerRows)} |`,
    ),
    '',
    `Rollup sizes: ${Object.entries(r.sizes)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}
