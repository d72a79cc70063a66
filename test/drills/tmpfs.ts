// Small real filesystems for the full-disk drills (issue 23): a tmpfs mounted on a
// directory, enlarged in place with `mount -o remount,size=…`. Needs root (CI runs as root).
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, statfsSync, writeSync } from 'node:fs';

export function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
}

export function resizeTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
}

export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir]);
  } catch {
    // not mounted (a failed start): nothing to undo
  }
}

/** Free bytes on the filesystem holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Writes `file` until only about `leaveFree` bytes are free on its filesystem (a filler to delete later). */
export function fillUntilFree(file: string, leaveFree: number): void {
  const chunk = Buffer.alloc(1024 * 1024);
  const fd = openSync(file, 'w');
  try {
    while (freeBytes(file) > leaveFree + chunk.length) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}
