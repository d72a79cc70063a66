// The README's quickstart and configuration table stay true.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { withTable } from '../../scripts/config-doc.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');

t.ok(readme.includes('npm ci && npm start'), 'quickstart line');
t.ok(/^npm test$/m.test(readme), 'test command line');
t.match(ci, /^npm test$/m, '.ci/run calls the README test command');
t.equal(readme, withTable(readme), 'configuration table is current (run: npx tsx scripts/config-doc.ts --write)');
