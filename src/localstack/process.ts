// Child-process plumbing shared by the private NATS and PostgreSQL launchers.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

export interface ServiceProcess {
  readonly pid: number;
  /** Stops the service and waits for it to exit (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Spawns a service with its output appended to logFile, always in its own process
 * group: a Ctrl-C in the terminal then reaches only our process, which stops the
 * services after the app has drained (PostgreSQL must not vanish mid-commit).
 * `detached` also unrefs it so it outlives the spawner (the test runner's setup).
 */
export function spawnService(
  cmd: string,
  args: string[],
  logFile: string,
  opts: Omit<SpawnOptions, 'detached' | 'stdio'> & { detached?: boolean } = {},
): ChildProcess {
  const fd = openSync(logFile, 'a');
  const { detached, ...rest } = opts;
  const child = spawn(cmd, args, { ...rest, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (detached) child.unref();
  return child;
}

/**
 * Stops a service left running by an earlier process that died without cleaning up
 * (its pid file names a live process whose command line contains `name`).
 */
export async function stopLeftover(pidFile: string, name: string, signal: NodeJS.Signals): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!cmd.includes(name)) return false;
  await stopPid(pid, signal, 15000);
  return true;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs = 10000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(25);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  while (isAlive(pid)) await sleep(10);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Polls `check` until it returns true, or throws after timeoutMs with `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  exited?: () => string | undefined,
): Promise<void> {
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
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
