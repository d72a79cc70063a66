// Drill (issue 23, item 3): PostgreSQL's data directory on a small tmpfs fills up
// mid-stream. The edge keeps acking into the log; ingest retries with backoff (SQLSTATE
// 53100 and its cousins heal, they are never poison: nothing is dead-lettered); /health
// says it is PostgreSQL's disk. Space is freed (and PostgreSQL restarted if it had to
// stop), and every acked event lands exactly once with no app restart.
// Run with `npm run drills` (docs/operations.md "A full disk").
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type LocalPostgres } from '../../src/localstack/postgres.js';
import { canConnect, sleep } from '../../src/localstack/process.js';
import { stopCluster } from '../helpers/pg-cluster.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, QUICK_INGEST_RETRY_ENV, startLayout, storedRows, whenAllStored, wsUrl } from './layout.js';
import { report, since } from './figures.js';
import { fillUntilFree, mountTmpfs, unmountTmpfs } from './tmpfs.js';

/** What is left free once the filler is written: a few MB of rows, then ENOSPC. */
const LEFT_FREE = 2 * 1024 * 1024;

async function deadLetters(url: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<{ n: number }>('select count(*)::int as n from dead_letters')).rows[0].n;
  } finally {
    await db.end();
  }
}

t.test('PostgreSQL disk full, then freed: acked into the log, retried, every acked event stored once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-pg-disk-'));
  mountTmpfs(dir, '256m');
  let pgc: LocalPostgres = await startPostgres({ dir, port: 0, fast: true });
  t.teardown(async () => {
    await stopCluster(pgc.dataDir);
    unmountTmpfs(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = await testConfig({ DATABASE_URL: pgc.url, INGEST_ACK_WAIT_SECONDS: '5' });
  const layout = await startLayout(
    layoutEnv(cfg, {
      ...QUICK_INGEST_RETRY_ENV,
      INGEST_UNHEALTHY_AFTER_SECONDS: '3',
    }),
    { edges: 1, ingests: 1, api: false },
  );
  t.teardown(() => layout.stop('pg-disk-full'));
  const [edge] = layout.edges;
  const [ingest] = layout.ingests;
  const load = new Load({
    edges: [wsUrl(edge)],
    clients: 3,
    ack: true,
    eventsPerFrame: 50,
    frameIntervalMs: 10,
    tag: 'PgDisk',
  });
  t.teardown(() => load.abort());
  await whenCaughtUp(async () => (await storedRows(cfg.DATABASE_URL!, new Set())).rows >= 1000, {
    timeoutMs: 60000,
    what: 'rows landing before the disk fills',
  });

  const filler = join(dir, 'filler');
  fillUntilFree(filler, LEFT_FREE);
  const t0 = performance.now();
  const reason = await whenCaughtUp(
    async () => {
      const h = await ingest.health().catch(() => undefined);
      const r = h?.checks.ingest?.reason;
      return r && /no space left/i.test(r) ? r : undefined;
    },
    { timeoutMs: 60000, what: 'ingest /health naming PostgreSQL disk' },
  ).catch(() => undefined);
  const fullMs = since(t0);
  const ackedAtFull = load.accepted;
  await sleep(3000);
  const ackedWhileFull = load.accepted - ackedAtFull;

  rmSync(filler);
  const t1 = performance.now();
  // A WAL write that hit ENOSPC stops PostgreSQL (PANIC); the operator starts it again.
  await sleep(3000);
  const pgRestarted = !(await canConnect('127.0.0.1', pgc.port));
  if (pgRestarted) pgc = await startPostgres({ dir, port: pgc.port, fast: true });
  await whenCaughtUp(() => load.accepted > ackedAtFull + ackedWhileFull + 1000, {
    timeoutMs: 60000,
    what: 'acks going on after space is freed',
  });
  await load.stop();
  const stored = await whenAllStored(cfg.DATABASE_URL!, load.acceptedKeys);
  const landedMs = since(t1);
  const dead = await deadLetters(cfg.DATABASE_URL!);
  const transient = await ingest.metric('tracker_ingest_errors_total{kind="transient"}');

  t.ok(reason, `ingest /health named PostgreSQL's disk after ${fullMs} ms: ${reason}`);
  t.ok(ackedWhileFull > 0, `the edge kept acking into the log while PostgreSQL's disk was full (${ackedWhileFull})`);
  t.equal(dead, 0, 'nothing dead-lettered for a full disk');
  t.equal(stored.missing, 0, 'every acked event stored');
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'nothing stored that was not acked');
  t.ok(
    layout.all().every((p) => p.child.child.exitCode === null),
    'no role process died',
  );

  report(t, 'pg-disk-full', {
    events_sent: load.sent,
    events_acked: load.accepted,
    rows_stored: stored.rows,
    acked_events_lost: stored.missing,
    duplicate_rows: stored.rows - stored.distinct,
    dead_letters: dead,
    client_errors: load.errors,
    acked_while_full_3s: ackedWhileFull,
    ingest_transient_errors: transient,
    health_named_disk_after_ms: fullMs,
    health_reason: reason ?? '',
    pg_restarted: pgRestarted,
    all_landed_after_free_ms: landedMs,
  });
});
