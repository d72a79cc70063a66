// `replay` rebuilds the projections from the log: into emptied tables it reproduces
// the same rows; a second run adds none; --since replays only the newer messages.
import t from 'tap';
import { jetstreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import { replayCommandOptions, startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { runReplay, parseReplayArgs } from '../../src/ingest/replay-command.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import {
  childEnv,
  counts,
  dbFor,
  natsFor,
  publish,
  rareEv,
  spawnEv,
  startChild,
  telemetry,
  waitForCounts,
  whenConsumerIdle,
} from './fixtures.js';

const TABLES = ['telemetry', 'spawn_events', 'rare_events', 'player_latest'];
async function snapshot(db: pg.Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES)
    out[table] = (await db.query(`select * from ${table} order by character_name, ts, event_key`)).rows;
  return out;
}

t.test('replay arguments', async (t) => {
  t.same(parseReplayArgs([]), {});
  t.same(parseReplayArgs(['--since', '2026-01-01T00:00:00Z']), { since: new Date('2026-01-01T00:00:00Z') });
  t.same(
    parseReplayArgs(['--since=2026-01-01T00:00:00Z', '--truncate']),
    '--truncate cannot be combined with --since (it would drop the rows before TIME)',
  );
  t.match(parseReplayArgs(['--since', 'yesterday-ish']), /--since needs a date-time/);
  t.match(parseReplayArgs(['--bogus']), /unknown argument/);
});

t.test('replay into emptied tables, twice, and --since', async (t) => {
  const cfg = await testConfig({ ROLES: 'ingest', INGEST_BATCH_MAX_EVENTS: '50' });
  const { nc, js, close } = await natsFor(cfg);
  t.teardown(close);
  const db = await dbFor(cfg);
  t.teardown(() => db.end());
  const P = cfg.SUBJECT_PREFIX;
  for (let c = 0; c < 5; c++) {
    for (let i = 0; i < 30; i += 3)
      await publish(
        js,
        P,
        [0, 1, 2].map((k) => telemetry(`Char ${c}`, i + k, { session_id: `s\t${c}` })),
      );
    await publish(js, P, [spawnEv(`Char ${c}`, c), spawnEv(`Char ${c}`, c + 1)]);
    await publish(js, P, [rareEv(`Char ${c}`, c)]);
  }
  await publish(js, P, [telemetry('Char 0', 0, { session_id: 's\t0' })], { msgID: 'a resend' });
  const want = { telemetry: 150, spawn_events: 10, rare_events: 5 };

  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  await waitForCounts(db, want);
  await whenConsumerIdle(nc, cfg);
  await app.stop();
  const live = await snapshot(db);
  t.equal(live.player_latest.length, 5);
  // The sessions (sql/180_sessions.sql), stored by a refresh: replay --truncate forgets and rebuilds them.
  const sessionsNow = async () =>
    (await db.query(`select * from tracker_sessions_page(null, '-infinity', 'infinity', 1000)`)).rows;
  await db.query('select tracker_refresh_sessions()');
  const liveSessions = await sessionsNow();
  t.equal(liveSessions.length, 5, 'one session per character');

  const first = startChild(childEnv(cfg), ['replay', '--truncate']);
  const exit = await first.exited;
  t.equal(exit.code, 0, 'replay --truncate exits 0 once caught up');
  const summary = JSON.parse(
    first
      .output()
      .split('\n')
      .find((l) => l.startsWith('{"replay"'))!,
  ).replay;
  t.match(
    summary,
    { messages: 61, events: 166, inserted: 165, duplicates: 1, deadLettered: 0, truncated: true },
    'every message of the log read once; the resent event is a duplicate, stored once',
  );
  t.same(await snapshot(db), live, 'replay into emptied tables reproduces exactly the same rows');
  t.same(await sessionsNow(), liveSessions, 'replay --truncate: the same sessions');
  const stored = await db.query('select count(*)::int as n from character_session_rollup');
  t.equal(stored.rows[0].n, 5, "replay's closing refresh stored them again");

  const log = createLogger('silent');
  t.equal(await runReplay(replayCommandOptions(cfg, log), log, []), 0);
  t.same(await snapshot(db), live, 'a second replay changes nothing');
  t.same(await counts(db), want);
  // Replay ends with a rollup refresh (sql/150_maintained_rollups.sql): rebuilt, each event once.
  const {
    rows: [r],
  } = await db.query(`select (select sum(samples) from telemetry_rollup_1d)::int as t,
    (select sum(events) from spawn_heat_1d)::int as s, (select sum(events) from rare_heat_1d)::int as r`);
  t.same(r, { t: 150, s: 10, r: 5 }, 'replay rebuilt the rollups');

  // --since: only messages stored from TIME on.
  const jsm = await jetstreamManager(nc);
  const lastOld = (await jsm.streams.info(cfg.STREAM_NAME)).state.last_seq;
  const oldTime = (await jsm.streams.getMessage(cfg.STREAM_NAME, { seq: lastOld }))!.time.getTime();
  await whenCaughtUp(() => Date.now() > oldTime + 5, { what: 'clock past the last old message' });
  const since = new Date().toISOString();
  await publish(js, P, [telemetry('Late', 1), telemetry('Late', 2)]);
  await db.query('truncate telemetry, spawn_events, rare_events, player_latest');
  t.equal(await runReplay(replayCommandOptions(cfg, log), log, ['--since', since]), 0);
  t.same(
    await counts(db),
    { telemetry: 2, spawn_events: 0, rare_events: 0 },
    '--since replays only the newer messages',
  );
  const { rows } = await db.query('select character_name from player_latest');
  t.same(rows, [{ character_name: 'Late' }]);

  // Nothing after TIME: exits at once.
  t.equal(
    await runReplay(replayCommandOptions(cfg, log), log, ['--since', new Date(Date.now() + 3_600_000).toISOString()]),
    0,
    'nothing to replay: exit 0',
  );
});
