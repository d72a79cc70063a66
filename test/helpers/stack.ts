// Test harness: real nats-server and real PostgreSQL + TimescaleDB, started once per
// `npm test` run by global-setup.ts (detached, on free ports, in a temp dir) and shared
// by every test file; each test gets its own database and its own stream/subject names.
// Run a file alone (`npx tsx test/x.test.ts`) and it starts a private stack itself.
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { projectRoot } from '../../src/shared/project-root.js';
import { startNats, type LocalNats } from '../../src/localstack/nats.js';
import { startPostgres, createDatabase, type LocalPostgres } from '../../src/localstack/postgres.js';
import { isAlive, sleep } from '../../src/localstack/process.js';
import { loadConfig, resolveServices, type ResolvedConfig } from '../../src/config.js';

export interface StackState {
  natsUrl: string;
  natsPid: number;
  pgUrl: string;
  pgPid: number;
  dir: string;
}

export const stateDir = () => join(projectRoot(), '.data', 'test-stack');
/**
 * One state file per tap run, named after the tap runner's pid: the global setup and
 * every test file are children of that runner, so `process.ppid` finds the right one,
 * and two runs at once (developers working in parallel) never touch each other.
 */
export const stateFile = (runnerPid = process.ppid) => join(stateDir(), `run-${runnerPid}.json`);

let own: Promise<StackState> | undefined;

/** Starts a NATS + PostgreSQL pair in a new temp dir. */
export async function startStack(detached: boolean): Promise<StackState & { nats: LocalNats; pg: LocalPostgres }> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-test-'));
  const [nats, pg] = await Promise.all([
    startNats({ dir: join(dir, 'nats'), port: 0, detached }),
    startPostgres({ dir: join(dir, 'pg'), port: 0, detached, fast: true, database: 'postgres' }),
  ]);
  return { natsUrl: nats.url, natsPid: nats.pid, pgUrl: pg.url, pgPid: pg.pid, dir, nats, pg };
}

/** The shared stack of this test run. */
export function getStack(): Promise<StackState> {
  if (existsSync(stateFile())) {
    const s = JSON.parse(readFileSync(stateFile(), 'utf8')) as StackState;
    if (isAlive(s.natsPid) && isAlive(s.pgPid)) return Promise.resolve(s);
  }
  own ??= startStack(false).then((s) => {
    process.once('exit', () => {
      try {
        process.kill(s.natsPid, 'SIGTERM');
        process.kill(s.pgPid, 'SIGINT');
      } catch {
        /* already gone */
      }
    });
    return s;
  });
  return own;
}

export const uniqueName = (prefix = 't') => `${prefix}${randomBytes(5).toString('hex')}`;

/** A new, empty database in the shared cluster; returns its URL. */
export async function freshDatabase(stack?: StackState): Promise<string> {
  const s = stack ?? (await getStack());
  const name = uniqueName('db_');
  await createDatabase(s.pgUrl, name);
  return s.pgUrl.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * A Config for one test: shared NATS, a fresh database, and a unique stream, subject
 * prefix and consumer, so test files running in parallel never see each other.
 */
export async function testConfig(overrides: Record<string, string> = {}): Promise<ResolvedConfig> {
  const stack = await getStack();
  const id = uniqueName();
  const cfg = loadConfig({
    NATS_URL: stack.natsUrl,
    DATABASE_URL: await freshDatabase(stack),
    STREAM_NAME: `S_${id}`,
    SUBJECT_PREFIX: id,
    CONSUMER_NAME: `c_${id}`,
    // Every test's quarantine stream reserves its byte cap in the shared server's store: keep it small.
    QUARANTINE_MAX_BYTES: String(4 * 1024 * 1024),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // `UWS_USE_FALLBACK=true npm test` runs every in-process app on the ws transport.
    UWS_USE_FALLBACK: process.env.UWS_USE_FALLBACK ?? 'auto',
    ...overrides,
  });
  return resolveServices(cfg, {});
}

/** Polls `check` until it returns a truthy value (returned), or fails after timeoutMs. Tests wait with this, never with fixed sleeps. */
export async function whenCaughtUp<T>(
  check: () => Promise<T> | T,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `not caught up after ${opts.timeoutMs ?? 30000} ms: ${opts.what ?? ''} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    await sleep(25);
  }
}

export function removeStackDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
