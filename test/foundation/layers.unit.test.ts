// The composition root (src/app.ts, src/config.ts, src/main.ts and its helper
// src/localstack) is the only place that knows every role: shared/ imports no role and
// nothing above it and runs no scripts, roles import no other role and not the root, and
// each role is handed only its own variables (docs/contributing.md "Layout").
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { apiConfig, edgeConfig, ingestConfig, loadConfig, resolveServices } from '../../src/config.js';
import { edgeVars } from '../../src/edge/config.js';
import { ingestVars } from '../../src/ingest/config.js';
import { apiVars } from '../../src/api/config.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Where each relative import of `file` lands: the folder under src/ ('' = the root),
 * or the top folder outside src/ with a slash (`schemas/`, `scripts/`).
 */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => join(file, '..', m[1]));
  return targets.map((p) => {
    const rel = relative(SRC, p);
    if (rel.startsWith('..')) return `${relative(join(SRC, '..'), p).split('/')[0]}/`;
    return rel.includes('/') ? rel.split('/')[0] : '';
  });
}

const ROLES = ['edge', 'ingest', 'api'];
// schemas/ is the wire format every part shares; nothing else outside src/ is imported.
const SCHEMAS = 'schemas/';

t.test('shared/ imports no role, not the composition root and not src/localstack', async (t) => {
  for (const file of tsFiles(join(SRC, 'shared'))) {
    const bad = importedFolders(file).filter((f) => f !== 'shared' && f !== SCHEMAS);
    t.same(bad, [], relative(SRC, file));
  }
});

// The ground floor starts no processes: provisioning (scripts/provision.sh) belongs to
// src/localstack, the composition root's helper (docs/contributing.md "Layout").
t.test('shared/ runs nothing under scripts/ and starts no child process', async (t) => {
  for (const file of tsFiles(join(SRC, 'shared'))) {
    const text = readFileSync(file, 'utf8');
    t.notMatch(text, /['"]node:child_process['"]/, `${relative(SRC, file)} imports no child_process`);
    t.notMatch(text, /['"`]scripts['"`/]|provision\.sh/, `${relative(SRC, file)} names no script`);
  }
});

t.test('a role imports no other role, not the composition root and not src/localstack', async (t) => {
  for (const role of ROLES) {
    for (const file of tsFiles(join(SRC, role))) {
      const bad = importedFolders(file).filter((f) => f !== role && f !== 'shared' && f !== SCHEMAS);
      t.same(bad, [], relative(SRC, file));
    }
  }
});

t.test('no non-null assertion on a configured URL anywhere in src/', async (t) => {
  for (const file of tsFiles(SRC)) {
    t.notMatch(readFileSync(file, 'utf8'), /cfg\.[A-Z_]+!/, relative(SRC, file));
  }
});

t.test('each role is given its own variables and the shared ones it names, nothing else', async (t) => {
  const cfg = resolveServices(loadConfig({}), { natsUrl: 'nats://127.0.0.1:4222', databaseUrl: 'postgres://x@h/db' });
  const cases = [
    ['edge', edgeConfig(cfg), edgeVars, ['PLUGIN_SECRET', 'PLUGIN_SECRETS', 'SUBJECT_PREFIX']],
    ['ingest', ingestConfig(cfg), ingestVars, ['STREAM_NAME', 'SUBJECT_PREFIX']],
    ['api', apiConfig(cfg), apiVars, ['DATABASE_URL']],
  ] as const;
  for (const [role, given, own, shared] of cases) {
    const keys = Object.keys(given);
    for (const k of Object.keys(own)) t.ok(keys.includes(k), `${role} gets ${k}`);
    for (const k of shared) t.ok(keys.includes(k), `${role} gets shared ${k}`);
    const foreign = keys.filter((k) => !(k in own) && /^(EDGE|WS|INGEST|CONSUMER|API)_/.test(k));
    t.same(foreign, [], `${role} gets no other role's variables`);
    t.notOk('NATS_URL' in given, `${role} is not given NATS_URL (the root connects)`);
    t.ok(Object.isFrozen(given), `${role}'s config is frozen`);
  }
  t.equal(apiConfig(cfg).DATABASE_URL, 'postgres://x@h/db', 'the API gets the resolved DATABASE_URL');
});
