// The composition root (src/app.ts, src/config.ts with src/config/, src/main.ts and its
// helper src/localstack) is the only place that knows every role: shared/ imports no
// role and nothing above it and runs no scripts, roles import no other role and not the
// root, and environment variables are read only there: each role is handed camelCase
// options (docs/contributing.md "Layout").
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  alertsOptions,
  allVars,
  apiOptions,
  edgeOptions,
  ingestOptions,
  loadConfig,
  resolveServices,
} from '../../src/config.js';
import { SRC, tsFiles } from '../helpers/source-files.js';

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

const ROLES = ['edge', 'ingest', 'api', 'alerts'];
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

/** Any configured variable's name (constants such as EVENT_TYPES are not variables). */
const ENV_NAME = `(${Object.keys(allVars).join('|')})`;
/**
 * Where code reads a variable rather than naming it in a message: a property access
 * (`cfg.EDGE_X`), an object key or destructured name (`{ EDGE_X }`, `EDGE_X: …`), a
 * string that is only a name (`'EDGE_X'`, as in a `Pick<>` or a pick list), or
 * `process.env`. An error message that tells the operator which variable to change
 * ("… (WS_MAX_PAYLOAD_BYTES)") is text, and allowed.
 */
const READS = [
  new RegExp(`\\.${ENV_NAME}\\b`),
  new RegExp(`(^|[{,])\\s*${ENV_NAME}\\s*[,}:?]`, 'm'),
  new RegExp(`['"\`]${ENV_NAME}['"\`]`),
  /process\.env/,
];
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
const readsOf = (text: string) =>
  withoutComments(text)
    .split('\n')
    .filter((line) => READS.some((re) => re.test(line)))
    .map((line) => line.trim());

t.test('the variable-read check finds reads and lets messages through', async (t) => {
  for (const read of [
    'const n = cfg.EDGE_MAX_EVENTS_PER_FRAME;',
    'const { EDGE_MAX_EVENTS_PER_FRAME } = cfg;',
    "pick(cfg, ['WS_MAX_PAYLOAD_BYTES', 'WS_IDLE_TIMEOUT_SECONDS']);",
    "type L = Pick<EdgeConfig, 'WS_MAX_PAYLOAD_BYTES'>;",
    'const limits = {\n  WS_MAX_PAYLOAD_BYTES: 1024,\n};',
    'const url = process.env.NATS_URL;',
  ])
    t.not(readsOf(read).length, 0, read);
  for (const text of [
    "const why = 'at most ' + limits.maxPayloadBytes + ' bytes are allowed (WS_MAX_PAYLOAD_BYTES)';",
    "return reject(res, 'send ?token=<API_TOKEN> (or Authorization: Bearer)', 401);",
    '// Bounded by EDGE_MAX_BUFFERED_EVENTS (docs/edge.md).',
    'const SUBJECT_CACHE_MAX = 10_000;',
    "import { EVENT_TYPES, type EventType } from '../shared/subjects.js';",
  ])
    t.same(readsOf(text), [], text);
});

t.test('no module of a role reads an environment variable: roles get camelCase options', async (t) => {
  for (const role of ROLES) {
    for (const file of tsFiles(join(SRC, role))) {
      t.same(readsOf(readFileSync(file, 'utf8')), [], relative(SRC, file));
    }
  }
});

/** Every key of an options object, nested ones included, with its path. */
function keysDeep(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}${k}`, ...keysDeep(v, `${path}${k}.`)]);
}

t.test("each role's options are camelCase; only the API is given a database URL, no role NATS's", async (t) => {
  const cfg = resolveServices(loadConfig({}), { natsUrl: 'nats://127.0.0.1:4222', databaseUrl: 'postgres://x@h/db' });
  for (const [role, given] of [
    ['edge', edgeOptions(cfg)],
    ['ingest', ingestOptions(cfg)],
    ['api', apiOptions(cfg)],
    ['alerts', alertsOptions(cfg)],
  ] as const) {
    const keys = keysDeep(given);
    t.not(keys.length, 0, `${role} has options`);
    t.same(
      keys.filter((k) => !/^[a-z][A-Za-z0-9]*$/.test(k.split('.').pop()!)),
      [],
      `${role}'s options are camelCase`,
    );
    t.notMatch(JSON.stringify(given), /nats:\/\//, `${role} is not given the NATS URL (the root connects)`);
    if (role !== 'api') t.notMatch(JSON.stringify(given), /postgres:\/\//, `${role} is not given the database URL`);
  }
  t.equal(apiOptions(cfg).database.url, 'postgres://x@h/db', 'the API reads the resolved DATABASE_URL');
  t.equal(
    apiOptions({ ...cfg, API_DATABASE_URL: 'postgres://r@replica/db' }).database.url,
    'postgres://r@replica/db',
    'or API_DATABASE_URL when set',
  );
});
