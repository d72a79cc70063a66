// A private nats-server with JetStream, for `npm start` without NATS_URL and for tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from './provision.js';
import { ServiceError } from '../shared/errors.js';
import { canConnect, spawnService, stopPid, stopLeftover, waitFor, freePort, type ServiceProcess } from './process.js';

export interface NatsOptions {
  /** Directory for the JetStream store and the log. */
  dir: string;
  /** 0 = a free port. */
  port: number;
  detached?: boolean;
  /**
   * JetStream fsync interval (NATS_SYNC_INTERVAL): `default` leaves the server's own
   * (2 minutes), `always` syncs each write before its ack; needs nats-server 2.10+,
   * which scripts/provision.sh installs (docs/ingest.md "Durability").
   */
  syncInterval?: string;
  /** Port of the HTTP monitoring endpoints (`/varz`, `/jsz`) on 127.0.0.1; unset: none. */
  monitorPort?: number;
}

/** `nats-server --version` as [major, minor, patch]. */
function serverVersion(bin: string): number[] {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  return (/v?(\d+)\.(\d+)\.(\d+)/.exec(out) ?? []).slice(1).map(Number);
}

/**
 * The config file for a non-default sync interval (the option has no command-line flag).
 * A server older than 2.10 has no such option, so an old binary (an operator's own that
 * comes first on PATH; provisioning installs 2.10+) is refused here, in one line, rather
 * than run with a durability setting it does not honour.
 */
export function syncIntervalArgs(bin: string, dir: string, syncInterval: string): string[] {
  const [major = 0, minor = 0] = serverVersion(bin);
  if (major < 2 || (major === 2 && minor < 10)) {
    throw new ServiceError(
      `NATS_SYNC_INTERVAL=${syncInterval} needs nats-server 2.10 or newer (this one is ${major}.${minor}, ${bin}); ` +
        `unset it to keep the server's default (fsync every 2 minutes), install 2.10+ (scripts/provision.sh does ` +
        `as root on Debian), or point NATS_URL at a newer server`,
    );
  }
  // Only the interval: the store dir stays on the command line (`-sd`), since 2.10 refuses
  // a store_dir given in both ("Duplicate 'store_dir' configuration").
  const file = join(dir, 'nats-server.conf');
  writeFileSync(file, `jetstream { sync_interval: ${JSON.stringify(syncInterval)} }\n`);
  return ['-c', file];
}

export interface LocalNats extends ServiceProcess {
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
}

export async function startNats(opts: NatsOptions): Promise<LocalNats> {
  const { natsServer } = ensureBinaries();
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port || (await freePort());
  const logFile = join(opts.dir, 'nats-server.log');
  const pidFile = join(opts.dir, 'nats-server.pid');
  await stopLeftover(pidFile, 'nats-server', 'SIGTERM');
  const sync =
    opts.syncInterval && opts.syncInterval !== 'default'
      ? syncIntervalArgs(natsServer, opts.dir, opts.syncInterval)
      : [];
  const args = [
    ...sync,
    ...(opts.monitorPort ? ['-m', String(opts.monitorPort)] : []),
    '-js',
    '-sd',
    join(opts.dir, 'jetstream'),
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-n',
    `tracker-local-${port}`,
    '-P',
    pidFile,
  ];
  const child = spawnService(natsServer, args, logFile, { detached: opts.detached });
  let exit: string | undefined;
  child.once('exit', (code, sig) => {
    exit = `nats-server exited (${code ?? sig}); see ${logFile}`;
  });
  await waitFor(
    `nats-server on port ${port}`,
    () => canConnect('127.0.0.1', port),
    15000,
    () => exit,
  );
  const pid = child.pid!;
  return {
    pid,
    port,
    logFile,
    url: `nats://127.0.0.1:${port}`,
    stop: (timeoutMs = 10000) => stopPid(pid, 'SIGTERM', timeoutMs),
  };
}
