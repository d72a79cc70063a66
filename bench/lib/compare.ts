// `--compare <git-ref>`: that commit built in a temporary git worktree, so the bench can
// run it and this checkout alternately on the same services (docs/benchmarks.md "A/B
// against any commit"). The other build is driven only through `node dist/src/main.js
// start|migrate` and environment variables: this checkout's load generator, probes and
// counting measure both, so commits older than --compare itself work too.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/shared/project-root.js';
import type { AppBuild } from './children.js';
import { commitOf, type CommitInfo } from './commit.js';

const run = promisify(execFile);

export interface OtherBuild {
  ref: string;
  commit: CommitInfo;
  dir: string;
  /** How its node_modules came about: this checkout's, linked, or `npm ci`. */
  nodeModules: 'linked' | 'npm ci';
  app: AppBuild;
  /** Removes the worktree (idempotent; safe on the Ctrl-C path: synchronous). */
  remove(): void;
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();

/** The full sha of ref, or an Error naming it. */
export function resolveRef(root: string, ref: string): string {
  try {
    return git(root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`--compare: "${ref}" is not a commit in ${root}`);
  }
}

type Pins = Record<string, string>;
const pinsOf = (pkg: { dependencies?: Pins; devDependencies?: Pins }): Pins => ({
  ...pkg.dependencies,
  ...pkg.devDependencies,
});

/**
 * Can the other commit use this checkout's node_modules? Yes when the lock files are
 * identical, or when every package it names is pinned here at the same version (the
 * project pins exact versions, so the same pins resolve to the same packages; extra
 * packages here do no harm to a build that never imports them).
 */
export function canReuseNodeModules(root: string, other: string): boolean {
  const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
  if (read(root, 'package-lock.json') === read(other, 'package-lock.json')) return true;
  const mine = pinsOf(JSON.parse(read(root, 'package.json')));
  const theirs = pinsOf(JSON.parse(read(other, 'package.json')));
  return Object.entries(theirs).every(([name, version]) => mine[name] === version);
}

async function step(
  what: string,
  cmd: string,
  args: string[],
  cwd: string,
  log: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, maxBuffer: 64 * 2 ** 20, env });
    writeFileSync(log, `${stdout}${stderr}`, { flag: 'a' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    writeFileSync(log, `${e.stdout ?? ''}${e.stderr ?? ''}`, { flag: 'a' });
    throw new Error(`--compare: ${what} failed (${e.message.split('\n')[0]}); see ${log}`);
  }
}

/** Checks out ref under os.tmpdir(), provides node_modules, runs `npm run build` there. */
export async function prepareOtherBuild(
  ref: string,
  natsUrl: string,
  logDir: string,
  say: (m: string) => void,
): Promise<OtherBuild> {
  const root = projectRoot();
  const sha = resolveRef(root, ref);
  const dir = join(mkdtempSync(join(tmpdir(), 'tracker-bench-compare-')), 'tree');
  git(root, 'worktree', 'add', '--detach', dir, sha);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      git(root, 'worktree', 'remove', '--force', dir);
    } catch {
      git(root, 'worktree', 'prune');
    }
    rmSync(dirname(dir), { recursive: true, force: true });
  };
  try {
    const log = join(logDir, 'compare-build.log');
    const reuse = canReuseNodeModules(root, dir);
    if (reuse) symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'), 'dir');
    else {
      say(`--compare: ${ref} pins other packages: npm ci in ${dir}`);
      await step('npm ci', 'npm', ['ci', '--no-audit', '--no-fund'], dir, log);
    }
    say(`--compare: building ${ref} (${sha.slice(0, 10)}) in ${dir}`);
    await step('npm run build', 'npm', ['run', 'build'], dir, log);
    const entry = join(dir, 'dist', 'src', 'main.js');
    if (!existsSync(entry)) throw new Error(`--compare: ${ref} built no dist/src/main.js; see ${log}`);
    // Its own migrations: a fresh database gets that commit's schema. NATS_URL too, or
    // a `migrate` without it would start a private NATS of its own (src/localstack).
    const migrate = (databaseUrl: string) =>
      step('migrate', process.execPath, [entry, 'migrate'], dir, log, {
        ...process.env,
        DATABASE_URL: databaseUrl,
        NATS_URL: natsUrl,
        LOG_LEVEL: 'warn',
      });
    return {
      ref,
      commit: commitOf(dir)!,
      dir,
      nodeModules: reuse ? 'linked' : 'npm ci',
      app: { entry, cwd: dir, migrate },
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}
