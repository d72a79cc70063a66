// Writes the /openapi.json the api role serves (same routes, same schemas) to a file,
// so `npm run lint:openapi` can lint it without a running server.
//   npx tsx scripts/export-openapi.ts [out.json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig, queryLimitOptions } from '../src/config.js';
import { apiRoutes } from '../src/api/routes.js';
import { openApiDocument } from '../src/api/openapi.js';
import { EXTRA_OPERATIONS, EXTRA_PATHS } from '../src/api/index.js';
import { commandLineOrExit } from '../src/shared/command-line.js';

const { positionals } = commandLineOrExit(
  'export-openapi',
  'usage: npx tsx scripts/export-openapi.ts [OUT.json]   (default .data/openapi.json)',
  process.argv.slice(2),
  {},
  { positionals: 1 },
);
const out = resolve(positionals[0] ?? '.data/openapi.json');
// Building the document never queries: a database that refuses proves it.
const db = { query: () => Promise.reject(new Error('export-openapi does not query')) };
const quarantine = { read: () => Promise.reject(new Error('export-openapi does not read')) };
const doc = openApiDocument(
  apiRoutes(queryLimitOptions(loadConfig({})), db, quarantine),
  EXTRA_PATHS,
  EXTRA_OPERATIONS,
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`${out}\n`);
