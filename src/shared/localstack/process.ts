// Child-process plumbing shared by the private NATS and PostgreSQL launchers.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createConnection } from 'node:net';

export interface ServiceProcess {
  readonly pid: number;
  /** Stops the service and waits for it to exit (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Spawns a service with its output appended to logFile. `detached` puts it in its own
 * process group so it outlives the spawning process (the test runner's global setup).
 */
export function spawnService(cmd: string, args: string[], logFile: string, opts: SpawnOptions & { detached?: boolean } = {}): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (opts.detached) child.unref();
  return child;
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs = 10000): Promise<void> {
  try { process.kill(pid, signal); } catch { return; }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(25);
  if (isAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  while (isAlive(pid)) await sleep(10);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Polls `check` until it returns true, or throws after timeoutMs with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = exited?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A TCP port free right now on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ createServer }) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const port = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(port));
      });
    }, reject);
  });
}
