// tap `before`: start the shared NATS + PostgreSQL for this run (detached, so they
// outlive this script) and record them in .data/test-stack/state.json.
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startStack, stateFile, removeStackDir, type StackState } from './stack.js';
import { stopPid } from '../../src/shared/localstack/process.js';

const file = stateFile();
if (existsSync(file)) {
  // A previous run that was interrupted: stop what it left behind.
  const old = JSON.parse(readFileSync(file, 'utf8')) as StackState;
  await Promise.all([stopPid(old.natsPid, 'SIGTERM', 5000), stopPid(old.pgPid, 'SIGINT', 10000)]);
  removeStackDir(old.dir);
}
const t0 = Date.now();
const s = await startStack(true);
mkdirSync(dirname(file), { recursive: true });
const state: StackState = { natsUrl: s.natsUrl, natsPid: s.natsPid, pgUrl: s.pgUrl, pgPid: s.pgPid, dir: s.dir };
writeFileSync(file, JSON.stringify(state, null, 2));
console.log(`# test stack up in ${Date.now() - t0} ms: nats ${s.natsUrl}, postgres 127.0.0.1:${s.pg.port} (${s.dir})`);
