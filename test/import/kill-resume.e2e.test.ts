// An import SIGKILLed in the middle, then run again, ends with every row stored exactly
// once (real processes: the importer, nats-server, ingest, PostgreSQL).
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { createOldDb, writeTelemetry } from '../../bench/import/old-db.js';
import { checkpointNames } from '../../src/import/checkpoint.js';
import { importEnv, runImport, startImport, byTable } from './helpers.js';

// Small messages, one in flight, a checkpoint per chunk: slow enough to kill mid-way.
const SLOW_IMPORT = [
  '--chunk-rows',
  '500',
  '--events-per-message',
  '20',
  '--max-inflight',
  '1',
  '--checkpoint-interval-ms',
  '0',
  '--no-progress',
];

const ROWS = 60_000;
const CHARACTERS = 20;

t.test('SIGKILL mid-import, re-run: complete, each row once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'import-kill-'));
  const file = join(dir, 'tracker.db');
  const db = createOldDb(file);
  writeTelemetry(db, ROWS, CHARACTERS);
  db.close();

  const cfg = await testConfig({ ROLES: 'ingest,api', API_RETENTION_INTERVAL_MS: '0' });
  const env = importEnv(cfg);
  const nc = await connect({ servers: cfg.NATS_URL! });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const names = checkpointNames(cfg.STREAM_NAME, cfg.SUBJECT_PREFIX);

  const slow = SLOW_IMPORT;
  const doomed = startImport(env, [file, ...slow]);
  const cp = await whenCaughtUp(
    async () => {
      const m = await jsm.streams
        .getMessage(names.stream, { last_by_subj: `${names.subjectPrefix}.>` })
        .catch(() => null);
      return m && m.json<{ rowid: number; done: boolean }>().rowid >= 2000
        ? m.json<{ rowid: number; done: boolean }>()
        : undefined;
    },
    { what: 'a checkpoint past rowid 2000', timeoutMs: 120000 },
  );
  doomed.child.kill('SIGKILL');
  const { signal } = await doomed.exited;
  t.equal(signal, 'SIGKILL', 'the importer was killed');
  t.notOk(cp.done, `it was killed mid-way (checkpoint at rowid ${cp.rowid} of ${ROWS})`);
  const storedBefore = (await jsm.streams.info(cfg.STREAM_NAME)).state.messages;
  t.ok(storedBefore > 0, `some messages were in the stream before the kill (${storedBefore})`);

  const resumed = await runImport(env, [file, ...slow]);
  t.equal(resumed.code, 0, `the re-run exits 0 (${resumed.stderr})`);
  const r = byTable(resumed.report, 'telemetry_log');
  t.ok(r.alreadyImported >= cp.rowid, `it resumed after the checkpoint (${r.alreadyImported} rows already imported)`);
  t.equal(r.alreadyImported + r.read, ROWS, 'already imported + read now = every row');
  t.ok(r.complete);
  t.ok(
    r.alreadyInStream > 0,
    `what was sent after the checkpoint came back as JetStream duplicates (${r.alreadyInStream} events)`,
  );
  const clean = await runImport(env, [file, ...slow, '--dry-run']);
  t.equal(
    (await jsm.streams.info(cfg.STREAM_NAME)).state.messages,
    byTable(clean.report, 'telemetry_log').messages,
    'the stream holds exactly the messages of one uninterrupted import',
  );

  const app = await startApp(cfg, createLogger(cfg.LOG_LEVEL));
  t.teardown(() => app.stop());
  const pgc = new pg.Client({ connectionString: cfg.DATABASE_URL });
  await pgc.connect();
  t.teardown(() => pgc.end());
  const count = async () => (await pgc.query<{ n: number }>('select count(*)::int as n from telemetry')).rows[0].n;
  await whenCaughtUp(async () => (await count()) >= ROWS, { what: `${ROWS} telemetry rows`, timeoutMs: 120000 });
  await whenCaughtUp(
    async () => {
      const i = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      return i.num_pending === 0 && i.num_ack_pending === 0;
    },
    { what: 'ingest caught up', timeoutMs: 60000 },
  );
  t.equal(await count(), ROWS, 'exactly one row per imported row');
  const {
    rows: [dl],
  } = await pgc.query<{ n: number }>('select count(*)::int as n from dead_letters');
  t.equal(dl.n, 0, 'nothing dead-lettered');
  const res = await fetch(
    `http://127.0.0.1:${app.port}/history?character=${encodeURIComponent('Bench Char 3')}&from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z&bucket=raw`,
  );
  const body = (await res.json()) as { points: { timestamp: string }[] };
  t.equal(body.points.length, ROWS / CHARACTERS, '/history of one character: every sample once');
  t.equal(new Set(body.points.map((p) => p.timestamp)).size, ROWS / CHARACTERS, 'no timestamp twice');
});

t.test('SIGTERM: stops after the acks in flight, exit 1, keeps its checkpoint; a re-run completes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'import-term-'));
  const file = join(dir, 'tracker.db');
  const db = createOldDb(file);
  writeTelemetry(db, 20_000, 10);
  db.close();
  const cfg = await testConfig();
  const env = importEnv(cfg);
  const nc = await connect({ servers: cfg.NATS_URL! });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const names = checkpointNames(cfg.STREAM_NAME, cfg.SUBJECT_PREFIX);
  const slow = [...SLOW_IMPORT, '--json'];
  const run = startImport(env, [file, ...slow]);
  await whenCaughtUp(
    async () =>
      (await jsm.streams.getMessage(names.stream, { last_by_subj: `${names.subjectPrefix}.>` }).catch(() => null)) !==
      null,
    { what: 'a first checkpoint', timeoutMs: 120000 },
  );
  run.child.kill('SIGTERM');
  const { code } = await run.exited;
  t.equal(code, 1, 'an interrupted import exits 1');
  const report = JSON.parse(run.stdout().trim().split('\n').pop()!).import;
  t.match(report.error, /interrupted; run the same command again to resume/);
  const tr = byTable(report, 'telemetry_log');
  t.notOk(tr.complete, 'the table is reported incomplete');
  const cp = (await jsm.streams.getMessage(names.stream, { last_by_subj: `${names.subjectPrefix}.>` }))!.json<{
    rowid: number;
    done: boolean;
  }>();
  t.equal(cp.rowid, tr.read, 'the checkpoint covers every row it read (all of them acknowledged before it exited)');
  const again = await runImport(env, [file]);
  t.equal(again.code, 0);
  const r = byTable(again.report, 'telemetry_log');
  t.equal(r.alreadyImported, cp.rowid, 'the re-run resumed at the checkpoint');
  t.equal(r.alreadyImported + r.read, 20_000);
  t.equal(r.alreadyInStream, 0, 'nothing was sent twice: the interrupted run had no unacknowledged message left');
});
