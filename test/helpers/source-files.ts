// The repository's own TypeScript sources, for tests that read the code itself
// (test/foundation: layers, error classes).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** src/ of this checkout, with a trailing slash. */
export const SRC = new URL('../../src/', import.meta.url).pathname;

/** Every .ts file below `dir`, recursively. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
