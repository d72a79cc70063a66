// Child processes of a bench run: app roles (`node dist/src/main.js start`), the naive
// baseline server and load-generator workers. Works from the compiled tree (dist/bench,
// `npm run bench`) and from sources under tsx (the smoke test).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../src/shared/project-root.js';
import { sleep } from '../../src/localstack/process.js';

const here = dirname(fileURLToPath(import.meta.url));
const underTsx = fileURLToPath(import.meta.url).endsWith('.ts');
const ext = underTsx ? '.ts' : '.js';

/** Absolute path of a bench module given relative to bench/ (without extension). */
export const benchModule = (rel: string) => join(here, '..', `${rel}${ext}`);

/** The app entry: dist/src/main.js when compiled, src/main.ts under tsx. */
export const appEntry = () =>
  underTsx ? join(projectRoot(), 'src', 'main.ts') : join(here, '..', '..', 'src', 'main.js');

/**
 * The app a pipeline scenario runs: this checkout's (the default) or another commit's
 * build (`--compare`, bench/lib/compare.ts), driven only through `node dist/src/main.js
 * start|migrate` and its environment, so commits older than the bench work too.
 */
export interface AppBuild {
  /** `dist/src/main.js` of that build. */
  entry: string;
  /** Its checkout (the app's working directory). */
  cwd: string;
  /** Applies that build's migrations to a fresh database (default: this checkout's, in process). */
  migrate?: (databaseUrl: string) => Promise<void>;
}

/** `node --cpu-prof` flags writing `<name>.cpuprofile` into dir; none without a dir. */
export const cpuProfFlags = (dir: string | undefined, name: string): string[] =>
  dir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`, `--cpu-prof-name=${name}.cpuprofile`] : [];

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Why it exited, when it did. */
  exited(): string | undefined;
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnNodeOptions {
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** File receiving stdout+stderr. */
  logFile: string;
  ipc?: boolean;
  /** Working directory (default: this checkout). */
  cwd?: string;
}

const live = new Set<Child>();

/** Stops every child still running (the bench's crash and Ctrl-C path). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(5000)));
}

/**
 * V8 flags the app runs with, as in package.json "start" and the Dockerfile (a test
 * keeps them equal). Memory under load, measured with 1,000 clients at 20k ev/s (edge
 * heap snapshot: ~29 MB live of ~126 MB committed): 8 MiB semi-spaces instead of 16
 * (young generation ~17 MB smaller) and the old generation allowed to grow to 2x its
 * live size before a full GC instead of V8's adaptive factor of up to 4x. Edge peak RSS
 * ~195-204 -> ~150 MB; no throughput or latency change measured (docs/benchmarks.md).
 */
export const APP_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=100'];

export function spawnNode(name: string, script: string, opts: SpawnNodeOptions): Child {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const flags = [...(underTsx ? ['--import', 'tsx'] : []), ...(opts.nodeFlags ?? [])];
  const proc = spawn(process.execPath, [...flags, script, ...(opts.args ?? [])], {
    cwd: opts.cwd ?? projectRoot(),
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc ? ['ipc' as const] : [])],
  });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  let exit: string | undefined;
  proc.once('exit', (code, sig) => {
    exit = `${name} exited (${code ?? sig}); see ${opts.logFile}`;
    live.delete(child);
  });
  const child: Child = {
    name,
    proc,
    pid: proc.pid!,
    exited: () => exit,
    async stop(timeoutMs = 15000) {
      if (exit) return;
      // SIGTERM = graceful: --cpu-prof writes its profile only on a clean exit.
      proc.kill('SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (!exit && Date.now() < deadline) await sleep(25);
      if (!exit) proc.kill('SIGKILL');
      while (!exit) await sleep(10);
    },
  };
  live.add(child);
  return child;
}

/** Waits until GET http://127.0.0.1:port/path answers 2xx (or the child died). */
export async function waitHttp(child: Child, port: number, path: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = child.exited();
    if (why) throw new Error(why);
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${child.name} not ready on :${port}${path} after ${timeoutMs} ms`);
    await sleep(100);
  }
}
