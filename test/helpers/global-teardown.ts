// tap `after`: stop the shared stack started by global-setup.ts and remove its files.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { stateFile, removeStackDir, type StackState } from './stack.js';
import { stopPid } from '../../src/localstack/process.js';

const file = stateFile();
if (existsSync(file)) {
  const s = JSON.parse(readFileSync(file, 'utf8')) as StackState;
  await Promise.all([stopPid(s.natsPid, 'SIGTERM', 5000), stopPid(s.pgPid, 'SIGINT', 15000)]);
  removeStackDir(s.dir);
  rmSync(file, { force: true });
}
