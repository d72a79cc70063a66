// The drills' process layout: each role in its own child process running
// `src/main.ts start` (like production with ROLES=…), on its own loopback port, all
// sharing one stream, one durable consumer and one database. Plus what the drills
// read back: /health of a process, its peak RSS, and the rows in PostgreSQL.
import pg from 'pg';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/shared/project-root.js';
import type { Config } from '../../src/config.js';
import { freePort, stopPid } from '../../src/localstack/process.js';
import { startChild, startFaultyChild, stopChild, type Child } from '../ingest/fixtures.js';
import type { Fault } from '../helpers/seamed-main.js';
import { whenCaughtUp } from '../helpers/stack.js';

export type Role = 'edge' | 'ingest' | 'api';

export interface HealthBody {
  status: 'ok' | 'unhealthy';
  ok: boolean;
  checks: Record<string, { ok: boolean; reason?: string; detail?: Record<string, unknown> }>;
}

export interface RoleProcess {
  readonly name: string;
  readonly role: Role;
  readonly port: number;
  readonly url: string;
  readonly child: Child;
  pid(): number;
  health(): Promise<HealthBody>;
  /** VmHWM: the most resident memory the process ever had, in MB. */
  peakRssMb(): number;
  metric(name: string): Promise<number>;
  /** SIGKILL, no shutdown at all. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Environment shared by every role process of one drill. */
/**
 * Settings that make a drill's store outage show within seconds: short publish and ack
 * timeouts, and plugin clients that are never closed for retrying (they resend on
 * `unavailable` until the store is back).
 */
export const QUICK_OUTAGE_ENV = {
  EDGE_PUBLISH_TIMEOUT_MS: '1000',
  EDGE_PUBLISH_RETRY_MAX_MS: '500',
  EDGE_ACK_TIMEOUT_MS: '3000',
  EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS: '100000',
} as const;

/** Ingest retrying a failing database quickly, so a drill sees rows land soon after it heals. */
export const QUICK_INGEST_RETRY_ENV = { INGEST_RETRY_MIN_MS: '50', INGEST_RETRY_MAX_MS: '1000' } as const;

export function layoutEnv(cfg: Config, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NATS_URL: cfg.NATS_URL!,
    DATABASE_URL: cfg.DATABASE_URL!,
    STREAM_NAME: cfg.STREAM_NAME,
    SUBJECT_PREFIX: cfg.SUBJECT_PREFIX,
    CONSUMER_NAME: cfg.CONSUMER_NAME,
    STREAM_REPLICAS: String(cfg.STREAM_REPLICAS),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    INGEST_ACK_WAIT_SECONDS: String(cfg.INGEST_ACK_WAIT_SECONDS),
    ...extra,
  };
}

/**
 * `fault`: the process kills itself at that step (test/helpers/seamed-main.ts).
 * `waitReady: false` returns at once: for a process expected to die by itself (a fault).
 */
export async function startRole(
  role: Role,
  name: string,
  env: Record<string, string>,
  opts: { timeoutMs?: number; waitReady?: boolean; fault?: Fault } = {},
): Promise<RoleProcess> {
  const port = await freePort();
  const childEnv = { ...process.env, ...env, ROLES: role, PORT: String(port) };
  const child = opts.fault ? startFaultyChild(childEnv, opts.fault) : startChild(childEnv);
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string) => {
    const ctl = AbortSignal.timeout(5000);
    return fetch(`${url}${path}`, { signal: ctl });
  };
  const p: RoleProcess = {
    name,
    role,
    port,
    url,
    child,
    pid: () => child.child.pid!,
    health: async () => {
      const body = (await (await get('/health')).json()) as HealthBody;
      return { ...body, ok: body.status === 'ok' };
    },
    peakRssMb: () => {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.child.pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
    },
    metric: async (metric) => {
      const text = await (await get('/metrics')).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(metric))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
    kill: async () => {
      await stopPid(child.child.pid!, 'SIGKILL', 1000);
      await child.exited;
    },
    stop: () => stopChild(child),
  };
  if (opts.waitReady === false) return p;
  await whenCaughtUp(
    async () => {
      if (child.child.exitCode !== null || child.child.signalCode !== null)
        throw new Error(`${name} exited: ${child.output().slice(-2000)}`);
      return (await get('/health')).status > 0;
    },
    { timeoutMs: opts.timeoutMs ?? 90000, what: `${name} (${role}) answering /health on port ${port}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- ${name} output ---\n${child.output().slice(-3000)}`);
  });
  return p;
}

export interface Layout {
  edges: RoleProcess[];
  ingests: RoleProcess[];
  api?: RoleProcess;
  all(): RoleProcess[];
  /** Stops every process and keeps its output in .data/drills/<drill>.<process>.log. */
  stop(drill?: string): Promise<void>;
}

/**
 * Starts `ingests` ingest processes first (the first one applies the migrations and
 * creates the stream and the durable), then the edges and the api.
 */
export async function startLayout(
  env: Record<string, string>,
  counts: { edges: number; ingests: number; api: boolean },
): Promise<Layout> {
  const first = await startRole('ingest', 'ingest-1', env);
  const rest = { ...env, MIGRATE_ON_START: 'false' };
  const others = await Promise.all([
    ...Array.from({ length: counts.ingests - 1 }, (_, i) => startRole('ingest', `ingest-${i + 2}`, rest)),
    ...Array.from({ length: counts.edges }, (_, i) => startRole('edge', `edge-${i + 1}`, rest)),
    ...(counts.api ? [startRole('api', 'api', rest)] : []),
  ]);
  const all = [first, ...others];
  return {
    ingests: all.filter((p) => p.role === 'ingest'),
    edges: all.filter((p) => p.role === 'edge'),
    api: all.find((p) => p.role === 'api'),
    all: () => all,
    stop: async (drill) => {
      mkdirSync(join(projectRoot(), '.data', 'drills'), { recursive: true });
      await Promise.all(all.map((p) => p.stop()));
      if (drill)
        for (const p of all)
          writeFileSync(join(projectRoot(), '.data', 'drills', `${drill}.${p.name}.log`), p.child.output());
    },
  };
}

export const wsUrl = (p: RoleProcess) => `ws://127.0.0.1:${p.port}`;

/** Rows in `telemetry`: total, distinct event keys, and whether every wanted key is there. */
export async function storedRows(
  databaseUrl: string,
  wanted: Set<string>,
): Promise<{ rows: number; distinct: number; missing: number; unexpected: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ k: string; n: number }>(
      'select event_key::text as k, count(*)::int as n from telemetry group by event_key',
    );
    const have = new Set(rows.map((r) => r.k));
    return {
      rows: rows.reduce((s, r) => s + r.n, 0),
      distinct: rows.length,
      missing: [...wanted].filter((k) => !have.has(k)).length,
      unexpected: rows.filter((r) => !wanted.has(r.k)).length,
    };
  } finally {
    await db.end();
  }
}

/** Waits until every acknowledged event is in `telemetry`, then returns storedRows(). */
export function whenAllStored(databaseUrl: string, wanted: Set<string>) {
  return whenCaughtUp(
    async () => {
      const s = await storedRows(databaseUrl, wanted);
      return s.missing === 0 ? s : undefined;
    },
    { timeoutMs: 120000, what: 'every acked event in telemetry' },
  );
}

/** Rows in `telemetry` (a cheap progress probe). */
export async function telemetryRows(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query<{ n: number }>('select count(*)::int as n from telemetry')).rows[0].n;
  } finally {
    await db.end();
  }
}
