// The commit a run measured: `git rev-parse HEAD` and whether the tree had changes
// (untracked files aside from node_modules count: a new source file changes the build).
import { execFileSync } from 'node:child_process';

export interface CommitInfo {
  sha: string;
  subject: string;
  /** Uncommitted changes in the checkout that was built. */
  dirty: boolean;
}

export function commitOf(dir: string): CommitInfo | undefined {
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  try {
    const status = git('status', '--porcelain', '--', '.', ':!node_modules');
    return { sha: git('rev-parse', 'HEAD'), subject: git('log', '-1', '--format=%s'), dirty: status.length > 0 };
  } catch {
    return undefined;
  }
}

/** `abc1234 (dirty)` for a report line. */
export const commitLabel = (c: CommitInfo | undefined) =>
  c ? `${c.sha.slice(0, 10)}${c.dirty ? ' + uncommitted changes' : ''} ("${c.subject}")` : 'unknown commit';
