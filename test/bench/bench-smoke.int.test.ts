// The benchmark tool itself works: the load generator drives the naive baseline server
// and every event the server reports accepted is a row in PostgreSQL, unique and
// well-formed. Flat out it is bounded by its window of unacked frames (the server's
// acks), never by a pace derived from the server's accept rate; paced, it keeps its
// schedule. Correctness of the tool only; speed is never asserted in tests.
import t, { type Test } from 'tap';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freshDatabase, whenCaughtUp } from '../helpers/stack.js';
import { migrate } from '../../src/shared/migrate.js';
import { freePort } from '../../src/localstack/process.js';
import { benchModule, spawnNode, waitHttp } from '../../bench/lib/children.js';
import { startLoad } from '../../bench/loadgen/index.js';
import { checkLoadgen } from '../../bench/lib/loadgen-check.js';
import { scrapeCounters, acceptedFromCounters } from '../../bench/lib/metrics-scrape.js';

async function naiveServer(t: Test) {
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
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  t.teardown(() => db.end());
  const count = async () =>
    Number(
      (await db.query('select (select count(*) from telemetry) + (select count(*) from spawn_events) as n')).rows[0].n,
    );
  const accepted = async () => acceptedFromCounters(await scrapeCounters(port))?.value;
  return { db, count, accepted, logDir, wsUrl: `ws://127.0.0.1:${port}/ws/position` };
}

t.test('flat out: bounded by the ack window, every accepted event lands exactly once', async (t) => {
  const s = await naiveServer(t);
  const window = 4;
  const clients = 8;
  const load = startLoad({
    url: s.wsUrl,
    clients,
    procs: 1,
    durationMs: 2000,
    rate: 0,
    ackWindow: window,
    namePrefix: 'smoke',
    logDir: s.logDir,
  });
  t.teardown(() => load.kill());
  const ready = await load.ready;
  t.equal(ready.connected, clients, 'every client connected');
  load.go();
  const result = await load.done;
  t.ok(result.sentEvents > 0, `sent ${result.sentEvents} events in ${result.sentFrames} frames`);
  t.same(result.errors, {}, 'no error replies');
  t.ok(result.sentFrames < result.sentEvents, 'some frames were arrays');
  // The only bound is the window: at the end at most `window` frames per client await their ack.
  t.ok(result.sentFrames - result.finalReplies <= clients * window, 'never more than the window unacked');
  t.ok(result.stalls.windowWaits > 0, 'the one-INSERT-per-event server filled the window');
  const check = checkLoadgen({ ...result, rate: 0 });
  t.ok(check.pushbackShare! > 0.5, `the server held the clients ${check.pushbackShare} of their time`);
  t.same(check.flags, [], 'the generator did not set the pace');

  // Everything sent is eventually inserted (the server reads every frame the clients wrote).
  await whenCaughtUp(async () => (await s.count()) === result.sentEvents, {
    what: 'all sent events are rows',
    timeoutMs: 60000,
  });
  t.equal(await s.accepted(), result.sentEvents, 'server accepted counter matches the rows');
  const {
    rows: [mix],
  } =
    await s.db.query(`select (select count(*) from spawn_events)::int as spawns, (select count(*) from telemetry)::int as telemetry,
    (select count(distinct character_name) from telemetry)::int as characters, (select count(*) from telemetry where kills_per_hour is null)::int as null_kph`);
  t.ok(
    mix.spawns > 0 && mix.telemetry > 3 * mix.spawns,
    `about 1 spawn per 5 telemetry (${mix.spawns} : ${mix.telemetry})`,
  );
  t.equal(mix.characters, clients, 'one character per client');
  t.equal(mix.null_kph, 0, 'kills_per_hour stored whether sent as a number or a numeric string');
});

t.test('paced: open loop on schedule, whatever the server accepts meanwhile', async (t) => {
  const s = await naiveServer(t);
  const rate = 400;
  const load = startLoad({
    url: s.wsUrl,
    clients: 4,
    procs: 1,
    durationMs: 2000,
    rate,
    ackWindow: 0,
    namePrefix: 'paced',
    logDir: s.logDir,
  });
  t.teardown(() => load.kill());
  await load.ready;
  load.go();
  const result = await load.done;
  const due = result.stalls.dueEvents;
  // Due at the last tick, which is at most a tick or two before the end of the window.
  const byTime = (rate * result.elapsedMs) / 1000;
  t.ok(due <= byTime && due >= byTime - rate * 0.1, `due = rate × time (${due} of ${byTime})`);
  // Credit below one event per client stays unsent at the end; nothing more.
  t.ok(result.sentEvents >= due - 4 && result.sentEvents <= due + 1, `sent ${result.sentEvents} of ${due} due`);
  t.same(checkLoadgen({ ...result, rate }).flags, [], 'kept its schedule');
  await whenCaughtUp(async () => (await s.count()) === result.sentEvents, {
    what: 'all paced events are rows',
    timeoutMs: 30000,
  });
});
