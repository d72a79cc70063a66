#!/usr/bin/env node
// postinstall: makes better-sqlite3 (the SQLite reader of `import-sqlite`,
// docs/import.md) load. Its own install script is denied in package.json
// `allowScripts`: it first downloads a prebuilt binary from GitHub (prebuild-install),
// and node-gyp then downloads Node's headers from nodejs.org; neither is reachable on
// closed networks. This builds it from source with the headers of the running Node
// (<prefix>/include/node, shipped by Debian's and the official Node packages).
// Idempotent: does nothing when the module already loads.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const say = (s) => process.stderr.write(`[build-native-sqlite] ${s}\n`);

function loads() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').prepare('select 1').get();
    return true;
  } catch (err) {
    return err;
  }
}

let pkgDir;
try {
  pkgDir = path.dirname(require.resolve('better-sqlite3/package.json'));
} catch {
  say('better-sqlite3 is not installed (npm ci --omit=optional?); nothing to build');
  process.exit(0);
}
if (loads() === true) process.exit(0);

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const TOOLS = [
  ['python3', 'python3'],
  ['make', 'make'],
  ['g++', 'g++'],
];
let missing = TOOLS.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
if (missing.length && process.getuid?.() === 0 && has('apt-get')) {
  // Same policy as scripts/provision.sh: as root with apt, install what is missing.
  say(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  missing = TOOLS.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
}
if (missing.length) {
  say(
    `cannot build better-sqlite3: missing ${missing.join(', ')} (Debian/Ubuntu: apt-get install ${missing.join(' ')})`,
  );
  process.exit(1);
}

// node-gyp: the copy npm hands to lifecycle scripts, else the one bundled with npm.
const npmDir = process.env.npm_execpath ? path.resolve(path.dirname(process.env.npm_execpath), '..') : undefined;
const gyp =
  process.env.npm_config_node_gyp ??
  [npmDir && path.join(npmDir, 'node_modules/node-gyp/bin/node-gyp.js')].find((p) => p && existsSync(p));
if (!gyp) {
  say('node-gyp not found (it ships with npm); run this from `npm ci`');
  process.exit(1);
}

const args = [gyp, 'rebuild', '--release', '--jobs=max'];
// Headers of THIS Node's major version (the ABI): the running Node's own prefix first,
// then npm's `nodedir`. Debian's npm sets nodedir=/usr (its own Node), which would build
// for the wrong ABI when another Node runs npm (scripts/ci-node22.sh does).
const headersMajor = (dir) => {
  const h = path.join(dir, 'include/node/node_version.h');
  if (!existsSync(h)) return undefined;
  return /#define NODE_MAJOR_VERSION (\d+)/.exec(readFileSync(h, 'utf8'))?.[1];
};
const major = process.versions.node.split('.')[0];
const nodeDir = [path.resolve(path.dirname(process.execPath), '..'), process.env.npm_config_nodedir]
  .filter(Boolean)
  .find((dir) => headersMajor(dir) === major);
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
else say(`no Node ${major} headers beside ${process.execPath} or in npm's nodedir: node-gyp will try to download them`);

say(`building better-sqlite3 from source (${args.slice(1).join(' ')}), about a minute`);
// node-gyp lets npm_config_nodedir win over --nodedir: hand it the same directory.
const env = { ...process.env };
if (nodeDir) env.npm_config_nodedir = nodeDir;
else delete env.npm_config_nodedir;
const r = spawnSync(process.execPath, args, { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'], env });
// A fresh process: this one already tried to load the old binary, and a native module
// that failed to load once cannot be loaded again in the same process.
const check = spawnSync(
  process.execPath,
  ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"],
  {
    cwd: process.cwd(),
    encoding: 'utf8',
  },
);
const after = check.status === 0 ? true : new Error(check.stderr.trim().split('\n').slice(0, 4).join(' '));
if (r.status !== 0 || after !== true) {
  say(`build failed (exit ${r.status}): ${after === true ? '' : (after?.message ?? '')}`);
  process.exit(1);
}
say('better-sqlite3 built and loads');
