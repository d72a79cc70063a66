// Writes schemas/json/<type>.schema.json from the TypeBox source (schemas/*.ts), so
// clients in other languages can validate frames. `--check` only compares and exits 1
// when a committed file is stale (test/edge/schemas.unit.test.ts
// does the same). Usage: npm run schemas:export [-- --check]
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventSchemas, PROTOCOL_VERSION } from '../schemas/index.js';
import { ExtensionEvent } from '../schemas/extension.js';

export const jsonDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'json');

/** File name -> exact file text, generated from the TypeBox schemas. */
export function exportedSchemas(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [type, schema] of Object.entries({ ...eventSchemas, extension: ExtensionEvent })) {
    // JSON.stringify drops TypeBox's symbol keys, leaving plain JSON Schema.
    const doc = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      ...JSON.parse(JSON.stringify(schema)),
      $comment: `wire protocol v${PROTOCOL_VERSION}; generated from schemas/${type}.ts by npm run schemas:export, do not edit`,
    };
    doc.$id = `${type}.schema.json`;
    out.set(`${type}.schema.json`, `${JSON.stringify(doc, null, 2)}\n`);
  }
  return out;
}

function main(check: boolean): number {
  mkdirSync(jsonDir, { recursive: true });
  let stale = 0;
  for (const [file, text] of exportedSchemas()) {
    const path = join(jsonDir, file);
    const same = existsSync(path) && readFileSync(path, 'utf8') === text;
    if (same) continue;
    if (check) {
      stale++;
      console.error(`stale: schemas/json/${file} (run npm run schemas:export)`);
      continue;
    }
    writeFileSync(path, text);
    console.log(`wrote schemas/json/${file}`);
  }
  return stale ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.includes('--check'));
