// A private PostgreSQL cluster with TimescaleDB preloaded, for `npm start` without
// DATABASE_URL and for tests. PostgreSQL refuses to run as root, so as root the
// server runs as the `postgres` user (from the Debian package) and owns its data dir.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  chmodSync,
  statSync,
  rmSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { ensureBinaries } from './provision.js';
import { canConnect, spawnService, stopPid, stopLeftover, waitFor, freePort, type ServiceProcess } from './process.js';

export interface PostgresOptions {
  /** Cluster directory: holds `data/`, the password file and the log. */
  dir: string;
  /** 0 = a free port. */
  port: number;
  database?: string;
  detached?: boolean;
  /** Trade durability for speed (tests): fsync off, synchronous_commit off. */
  fast?: boolean;
}

export interface LocalPostgres extends ServiceProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
}

function serviceUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new Error(
      'running as root but there is no `postgres` user to run PostgreSQL as (install the postgresql package)',
    );
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every directory from / down to dir must be traversable by the service user. */
function makeReachable(dir: string, user: { uid: number; gid: number }): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, user.uid, user.gid);
  for (let d = dirname(resolve(dir)); d !== '/'; d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
  }
}

function initCluster(
  pgBin: string,
  dataDir: string,
  password: string,
  user: { uid: number; gid: number } | undefined,
): void {
  const pwfile = join(dirname(dataDir), '.pwfile');
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    execFileSync(
      join(pgBin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8'],
      { stdio: ['ignore', 'ignore', 'pipe'], uid: user?.uid, gid: user?.gid },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** A new cluster with its own random password, TimescaleDB preloaded, reachable only over TCP. */
function createCluster(pgBinDir: string, dataDir: string, pwPath: string, user: ReturnType<typeof serviceUser>): void {
  const password = randomBytes(18).toString('base64url');
  writeFileSync(pwPath, password, { mode: 0o600 });
  initCluster(pgBinDir, dataDir, password, user);
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      '# added by telemetry-tracker localstack',
      "shared_preload_libraries = 'timescaledb'",
      'timescaledb.telemetry_level = off',
      "unix_socket_directories = ''",
      'max_connections = 200',
      'shared_buffers = 256MB',
      'max_wal_size = 2GB',
      '',
    ].join('\n'),
  );
}

export async function startPostgres(opts: PostgresOptions): Promise<LocalPostgres> {
  const { pgBinDir } = ensureBinaries();
  const user = serviceUser();
  const dir = resolve(opts.dir);
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  if (user) makeReachable(dir, user);
  const pwPath = join(dir, 'password');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) createCluster(pgBinDir, dataDir, pwPath, user);
  // A cluster left running by a process that was killed: stop it cleanly first.
  await stopLeftover(join(dataDir, 'postmaster.pid'), 'postgres', 'SIGINT');
  const password = readFileSync(pwPath, 'utf8').trim();
  const port = opts.port || (await freePort());
  const logFile = join(dir, 'postgres.log');
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  if (user) chownSync(logFile, user.uid, user.gid);
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  if (opts.fast) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawnService(join(pgBinDir, 'postgres'), args, logFile, {
    detached: opts.detached,
    uid: user?.uid,
    gid: user?.gid,
  });
  let exit: string | undefined;
  child.once('exit', (code, sig) => {
    exit = `postgres exited (${code ?? sig}); see ${logFile}`;
  });
  const database = opts.database ?? 'tracker';
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitFor(
    `PostgreSQL on port ${port}`,
    async () => (await canConnect('127.0.0.1', port)) && (await tryQuery(adminUrl)),
    60000,
    () => exit,
  );
  await createDatabase(adminUrl, database);
  const pid = child.pid!;
  return {
    pid,
    port,
    dataDir,
    logFile,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    // SIGINT = PostgreSQL "fast" shutdown: aborts sessions, checkpoints, exits cleanly.
    stop: (timeoutMs = 15000) => stopPid(pid, 'SIGINT', timeoutMs),
  };
}

async function tryQuery(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function createDatabase(adminUrl: string, database: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await c.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await c.end();
  }
}
