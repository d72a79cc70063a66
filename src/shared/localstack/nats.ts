// A private nats-server with JetStream, for `npm start` without NATS_URL and for tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from './provision.js';
import { canConnect, spawnService, stopPid, stopLeftover, waitFor, freePort, type ServiceProcess } from './process.js';

export interface NatsOptions {
  /** Directory for the JetStream store and the log. */
  dir: string;
  /** 0 = a free port. */
  port: number;
  detached?: boolean;
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
  const args = ['-js', '-sd', join(opts.dir, 'jetstream'), '-a', '127.0.0.1', '-p', String(port), '-n', `tracker-local-${port}`, '-P', pidFile];
  const child = spawnService(natsServer, args, logFile, { detached: opts.detached });
  let exit: string | undefined;
  child.once('exit', (code, sig) => { exit = `nats-server exited (${code ?? sig}); see ${logFile}`; });
  await waitFor(`nats-server on port ${port}`, () => canConnect('127.0.0.1', port), 15000, () => exit);
  const pid = child.pid!;
  return {
    pid, port, logFile,
    url: `nats://127.0.0.1:${port}`,
    stop: (timeoutMs = 10000) => stopPid(pid, 'SIGTERM', timeoutMs),
  };
}
