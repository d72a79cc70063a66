// Startup refuses uWebSockets.js's ws-based fallback (issue: foundation).
import t from 'tap';
import { spawnSync } from 'node:child_process';

const load = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./src/shared/http/uws.ts'); console.log('native')"], {
  env: { ...process.env, ...env }, encoding: 'utf8',
});

t.test('the native binary loads', async (t) => {
  const r = load({ UWS_USE_FALLBACK: '' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /native/);
});

t.test('UWS_USE_FALLBACK is refused with a clear message', async (t) => {
  const r = load({ UWS_USE_FALLBACK: 'true' });
  t.not(r.status, 0);
  t.match(r.stderr, /UWS_USE_FALLBACK is set: refusing the ws-based fallback/);
});
