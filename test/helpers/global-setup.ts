// tap `before`: start the shared NATS + PostgreSQL for this run (detached, so they
// outlive this script) and record them in .data/test-stack/run-<tap pid>.json.
import { mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, stateDir, stateFile, removeStackDir, type StackState } from './stack.js';
import { isAlive, stopPid } from '../../src/localstack/process.js';

// Stacks of earlier runs whose tap runner is gone (interrupted runs): stop and remove.
mkdirSync(stateDir(), { recursive: true });
for (const f of readdirSync(stateDir())) {
  const m = /^run-(\d+)\.json$/.exec(f);
  if (!m || isAlive(Number(m[1]))) continue;
  const old = JSON.parse(readFileSync(join(stateDir(), f), 'utf8')) as StackState;
  await Promise.all([stopPid(old.natsPid, 'SIGTERM', 5000), stopPid(old.pgPid, 'SIGINT', 10000)]);
  removeStackDir(old.dir);
  rmSync(join(stateDir(), f), { force: true });
}
const t0 = Date.now();
const s = await startStack(true);
const state: StackState = { natsUrl: s.natsUrl, natsPid: s.natsPid, pgUrl: s.pgUrl, pgPid: s.pgPid, dir: s.dir };
writeFileSync(stateFile(), JSON.stringify(state, null, 2));
console.log(`# test stack up in ${Date.now() - t0} ms: nats ${s.natsUrl}, postgres 127.0.0.1:${s.pg.port} (${s.dir})`);
