// `src/main.ts` as a real child process (the way users run it), its output collected.
import { spawn, type ChildProcess } from 'node:child_process';
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

export function spawnMain(env: NodeJS.ProcessEnv, args: string[], entry = 'src/main.ts'): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
