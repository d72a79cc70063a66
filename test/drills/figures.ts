// Each drill ends with one line of figures (events sent, acknowledged, stored,
// duplicates, recovery time, peak RSS), printed as a tap comment and kept under
// .data/drills/<drill>.json for docs/operations.md "Drill figures".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/shared/project-root.js';

export type Figures = Record<string, number | string | boolean | Record<string, number>>;

export function report(t: { comment(...a: unknown[]): void }, drill: string, figures: Figures): void {
  t.comment(`drill ${drill} ${JSON.stringify(figures)}`);
  const dir = join(projectRoot(), '.data', 'drills');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${drill}.json`),
    `${JSON.stringify({ drill, at: new Date().toISOString(), ...figures }, null, 2)}\n`,
  );
}

/** Milliseconds since `t0`, rounded. */
export const since = (t0: number) => Math.round(performance.now() - t0);
