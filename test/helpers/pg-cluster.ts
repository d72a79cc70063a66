// PostgreSQL operations the drills and the replica test need on a PRIVATE cluster
// (src/localstack/postgres.ts starts it): `pg_ctl` as the cluster's owner
// (PostgreSQL refuses to run as root), and a streaming replica made with
// `pg_basebackup -R` (docs/operations.md "Read replica").
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensureBinaries } from '../../src/localstack/provision.js';
import { freePort } from '../../src/localstack/process.js';
import type { LocalPostgres } from '../../src/localstack/postgres.js';
import { whenCaughtUp } from './stack.js';

const run = promisify(execFile);

function owner(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no `postgres` user');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a PostgreSQL client program (pg_ctl, pg_basebackup, …) as the cluster's owner. */
export async function pgTool(tool: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { pgBinDir } = ensureBinaries();
  const { stdout } = await run(join(pgBinDir, tool), args, {
    ...owner(),
    env: { ...process.env, ...env },
    timeout: 120000,
  });
  return stdout;
}

/**
 * `pg_ctl restart -m immediate`: every backend is killed without a checkpoint and the
 * server restarts with the same options (from postmaster.opts), replaying its WAL —
 * what a crash of the database process looks like to its clients.
 */
export async function restartImmediate(pgc: LocalPostgres): Promise<void> {
  await pgTool('pg_ctl', ['restart', '-D', pgc.dataDir, '-m', 'immediate', '-w', '-t', '120', '-l', pgc.logFile]);
}

/** Stops a cluster whatever process started it last (pg_ctl restart forks a new postmaster). */
export async function stopCluster(dataDir: string): Promise<void> {
  await pgTool('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']).catch(() => {});
}

const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);

export interface Replica {
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * A hot standby of `primary` on its own port: `pg_basebackup -R -X stream` (which
 * writes primary_conninfo and standby.signal), then started with pg_ctl. Its
 * postgresql.conf is the primary's, so TimescaleDB is preloaded there too.
 */
export async function startReplica(primary: LocalPostgres, dir: string, database: string): Promise<Replica> {
  const user = owner();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  writeFileSync(logFile, '');
  if (user.uid !== undefined) chownSync(logFile, user.uid, user.gid!);
  const password = passwordOf(primary.url);
  await pgTool(
    'pg_basebackup',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ],
    { PGPASSWORD: password },
  );
  const port = await freePort();
  await pgTool('pg_ctl', [
    'start',
    '-D',
    dataDir,
    '-w',
    '-t',
    '120',
    '-l',
    logFile,
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c hot_standby=on`,
  ]);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await whenCaughtUp(
    async () => {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        return (await c.query('select pg_is_in_recovery() as r')).rows[0].r === true;
      } finally {
        await c.end().catch(() => {});
      }
    },
    { timeoutMs: 60000, what: 'replica accepting read-only connections' },
  );
  return { url, port, dataDir, logFile, stop: () => stopCluster(dataDir) };
}
