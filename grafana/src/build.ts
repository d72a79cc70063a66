// Generates grafana/dashboards/*.json (and the panel list in docs/dashboards.md) from the TypeScript dashboards.
//   npx tsx grafana/src/build.ts           prints the files that would change
//   npx tsx grafana/src/build.ts --write   writes them
// test/grafana/dashboards.unit.test.ts fails when the committed JSON differs.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { telemetryDashboard } from './telemetry.js';
import { eventsDashboard, SPAWNS, RARES } from './events.js';
import { pipelineDashboard } from './pipeline.js';
import type { Dashboard, Target } from './model.js';
import { dashboardsDoc } from './doc.js';
import { commandLineOrExit } from '../../src/shared/command-line.js';

export const DASHBOARD_DIR = fileURLToPath(new URL('../dashboards/', import.meta.url));
export const DOC_PATH = fileURLToPath(new URL('../../docs/dashboards.md', import.meta.url));

export const renderDoc = () => dashboardsDoc(Object.entries(dashboards()));

/** File name → dashboard. */
export function dashboards(): Record<string, Dashboard> {
  return {
    'telemetry-performance.json': telemetryDashboard(),
    'spawns.json': eventsDashboard(SPAWNS),
    'rares.json': eventsDashboard(RARES),
    'pipeline.json': pipelineDashboard(),
  };
}

/** The JSON Grafana reads: test-only fields (`shape`, `communityOnly`) are left out. */
export function render(d: Dashboard): string {
  return `${JSON.stringify(d, (key, value) => (key === 'shape' || key === 'communityOnly' ? undefined : value), 2)}\n`;
}

export type { Target };

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const write =
    commandLineOrExit('grafana build', 'usage: npx tsx grafana/src/build.ts [--write]', process.argv.slice(2), {
      write: { type: 'boolean', help: 'Rewrite grafana/dashboards and docs/dashboards.md (default: check them).' },
    }).values.write === true;
  const outputs: Array<[path: string, shown: string, text: string]> = Object.entries(dashboards()).map(([file, d]) => [
    DASHBOARD_DIR + file,
    `grafana/dashboards/${file}`,
    render(d),
  ]);
  outputs.push([DOC_PATH, 'docs/dashboards.md', renderDoc()]);
  for (const [path, shown, text] of outputs) {
    const same = existsSync(path) && readFileSync(path, 'utf8') === text;
    if (!same && write) writeFileSync(path, text);
    console.log(`${same ? 'unchanged' : write ? 'written  ' : 'differs  '} ${shown}`);
  }
}
