// `src/main.ts` as a real child process (the way users run it), its output collected.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Config } from '../../src/config.js';

export interface MainProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved as they arrived. */
  output(): string;
}

/** The test entry that starts the app with test seams (faults) from its arguments. */
export const SEAMED_MAIN = 'test/helpers/seamed-main.ts';

/**
 * `entry`: the script to run (src/main.ts, or SEAMED_MAIN); `as`: run it as another user
 * (uid/gid; the tests run as root where permissions are to be tested).
 */
export function spawnMain(
  env: NodeJS.ProcessEnv,
  args: string[],
  opts: { entry?: string; as?: Pick<SpawnOptions, 'uid' | 'gid'> } = {},
): MainProcess {
  const as = opts.as ?? {};
  const node = [process.execPath, '--import', 'tsx', opts.entry ?? 'src/main.ts', ...args];
  // As another user: without tap's process-info hook, which adds itself to NODE_OPTIONS
  // of every child and writes into the checkout's .tap/ at exit, where that user may not.
  const [cmd, ...argv] = as.uid === undefined ? node : ['env', '-u', 'NODE_OPTIONS', ...node];
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], ...as });
  let out = '';
  let err = '';
  let both = '';
  child.stdout!.on('data', (d) => {
    out += d;
    both += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    both += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return { child, exited, stdout: () => out, stderr: () => err, output: () => both };
}

/** The environment of a child of src/main.ts that uses the services and names of `cfg` (test/helpers/stack.ts). */
export function mainEnv(
  cfg: Pick<Config, 'NATS_URL' | 'DATABASE_URL' | 'STREAM_NAME' | 'SUBJECT_PREFIX'>,
  vars: Record<string, string | undefined>,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NATS_URL: cfg.NATS_URL,
    DATABASE_URL: cfg.DATABASE_URL,
    STREAM_NAME: cfg.STREAM_NAME,
    SUBJECT_PREFIX: cfg.SUBJECT_PREFIX,
    ...vars,
  };
}
