import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (holds package.json), from src/ under tsx or dist/src/ after a build. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'telemetry-tracker') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the telemetry-tracker package root');
    dir = up;
  }
}
