// The benchmark tool itself works: the load generator drives the naive baseline server
// for ~2 s and every event the server reports accepted is a row in PostgreSQL, unique
// and well-formed. Correctness of the tool only; speed is never asserted in tests.
import t from 'tap';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freshDatabase, whenCaughtUp } from '../helpers/stack.js';
import { migrate } from '../../src/shared/migrate.js';
import { freePort } from '../../src/localstack/process.js';
import { benchModule, spawnNode, waitHttp } from '../../bench/lib/children.js';
import { startLoad } from '../../bench/loadgen/index.js';
import { scrapeCounters, acceptedFromCounters } from '../../bench/lib/metrics-scrape.js';

t.test('load generator against the naive baseline lands every accepted event exactly once', async (t) => {
  const url = await freshDatabase();
  await migrate(url);
  const port = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  const server = spawnNode('naive', benchModule('naive/server'), {
    env: { NAIVE_PORT: String(port), DATABASE_URL: url },
    logFile: join(logDir, 'naive.log'),
  });
  t.teardown(() => server.stop());
  await waitHttp(server, port, '/health');
  const accepted = async () => acceptedFromCounters(await scrapeCounters(port))?.value;

  const load = startLoad({
    url: `ws://127.0.0.1:${port}/ws/position`,
    clients: 8,
    procs: 1,
    durationMs: 2000,
    rate: 0,
    ackWindow: 0,
    namePrefix: 'smoke',
    logDir,
  });
  t.teardown(() => load.kill());
  const ready = await load.ready;
  t.equal(ready.connected, 8, 'every client connected');
  load.go();
  const result = await load.done;
  t.ok(result.sentEvents > 0, `sent ${result.sentEvents} events in ${result.sentFrames} frames`);
  t.same(result.errors, {}, 'no error replies');
  t.ok(result.sentFrames < result.sentEvents, 'some frames were arrays');

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  t.teardown(() => db.end());
  const count = async () =>
    Number(
      (await db.query('select (select count(*) from telemetry) + (select count(*) from spawn_events) as n')).rows[0].n,
    );
  // Everything sent is eventually inserted (the server reads every frame the clients wrote).
  await whenCaughtUp(async () => (await count()) === result.sentEvents, {
    what: 'all sent events are rows',
    timeoutMs: 60000,
  });
  t.equal(await accepted(), result.sentEvents, 'server accepted counter matches the rows');
  const {
    rows: [mix],
  } =
    await db.query(`select (select count(*) from spawn_events)::int as spawns, (select count(*) from telemetry)::int as telemetry,
    (select count(distinct character_name) from telemetry)::int as characters, (select count(*) from telemetry where kills_per_hour is null)::int as null_kph`);
  t.ok(
    mix.spawns > 0 && mix.telemetry > 3 * mix.spawns,
    `about 1 spawn per 5 telemetry (${mix.spawns} : ${mix.telemetry})`,
  );
  t.equal(mix.characters, 8, 'one character per client');
  t.equal(mix.null_kph, 0, 'kills_per_hour stored whether sent as a number or a numeric string');
});
