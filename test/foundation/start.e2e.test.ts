// `npm start` without URLs: private NATS + PostgreSQL under DATA_DIR, the app, clean
// stop on SIGTERM, data kept across restarts.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, isAlive } from '../../src/localstack/process.js';
import { whenCaughtUp } from '../helpers/stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tracker-start-'));

async function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

const stop = async (child: ChildProcess, exited: Promise<number | null>) => {
  child.kill('SIGTERM');
  return exited;
};

t.test('start, serve, stop, restart with the same data', async (t) => {
  const [port, natsPort, pgPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOCAL_NATS_PORT: String(natsPort),
    LOCAL_PG_PORT: String(pgPort),
    NATS_URL: '',
    DATABASE_URL: '',
  };

  const first = await startMain(env);
  const health = await whenCaughtUp(
    async () => {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      return r.status === 200 ? ((await r.json()) as { status: string }) : undefined;
    },
    { timeoutMs: 90000, what: 'health 200' },
  );
  t.equal(health.status, 'ok');
  t.match(first.output(), new RegExp(`ingest: +ws://127\\.0\\.0\\.1:${port}/ws/position`), 'prints the ingest URL');
  t.match(first.output(), new RegExp(`NATS: +nats://127\\.0\\.0\\.1:${natsPort} \\(private\\)`));
  const natsPid = Number(readFileSync(join(dataDir, 'nats', 'nats-server.pid'), 'utf8'));
  const pgPid = Number(readFileSync(join(dataDir, 'pg', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  t.ok(isAlive(natsPid) && isAlive(pgPid), 'private services running');

  const password = readFileSync(join(dataDir, 'pg', 'password'), 'utf8').trim();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/tracker`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('create table if not exists start_test_marker (x int); insert into start_test_marker values (42)');
  await c.end();

  t.equal(await stop(first.child, first.exited), 0, 'exit code 0 on SIGTERM');
  t.notOk(isAlive(natsPid), 'nats-server stopped');
  t.notOk(isAlive(pgPid), 'postgres stopped');

  const second = await startMain(env);
  await whenCaughtUp(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, {
    timeoutMs: 60000,
    what: 'restart health',
  });
  const c2 = new pg.Client({ connectionString: url });
  await c2.connect();
  const { rows } = await c2.query('select x from start_test_marker');
  await c2.end();
  t.same(rows, [{ x: 42 }], 'data persisted across restarts');
  t.notMatch(second.output(), /migration applied/, 'no migration re-applied');
  t.equal(await stop(second.child, second.exited), 0);
});
