// `src/main.ts` as a real child process (the way users run it), its output collected.
import { spawn, type ChildProcess } from 'node:child_process';

export interface MainProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved as they arrived. */
  output(): string;
}

export function spawnMain(env: NodeJS.ProcessEnv, args: string[]): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
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
