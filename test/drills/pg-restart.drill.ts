// Drill: PostgreSQL restarted mid-stream with `pg_ctl restart -m immediate` (every
// backend killed, crash recovery on start) on a private cluster, fsync on. Ingest
// retries and resumes by itself; /health shows the outage; nothing is lost or
// duplicated. Run with `npm run drills` (docs/operations.md "Drills").
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../src/localstack/postgres.js';
import { sleep } from '../../src/localstack/process.js';
import { restartImmediate, stopCluster } from '../helpers/pg-cluster.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, startLayout, storedRows, whenAllStored, wsUrl, type RoleProcess } from './layout.js';
import { report, since } from './figures.js';

/** Polls /health of `procs` until stopped; records the first failing `database` check of each. */
function watchDatabaseCheck(procs: RoleProcess[]) {
  const seen = new Map<string, string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        procs.map(async (p) => {
          const h = await p.health().catch(() => undefined);
          const db = h?.checks.database;
          if (db && !db.ok && !seen.has(p.name)) seen.set(p.name, db.reason ?? 'not ok');
        }),
      );
      await sleep(100);
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

t.test('PostgreSQL restarted -m immediate mid-stream: retried, nothing lost or duplicated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-pg-restart-'));
  const pgc = await startPostgres({ dir, port: 0 });
  t.teardown(async () => {
    await stopCluster(pgc.dataDir);
    await pgc.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = await testConfig({ DATABASE_URL: pgc.url, INGEST_ACK_WAIT_SECONDS: '5' });
  const layout = await startLayout(
    layoutEnv(cfg, { INGEST_RETRY_MIN_MS: '50', INGEST_RETRY_MAX_MS: '1000', INGEST_BATCH_MAX_WAIT_MS: '20' }),
    { edges: 1, ingests: 1, api: true },
  );
  t.teardown(() => layout.stop('pg-restart'));
  const [ingest] = layout.ingests;
  const load = new Load({
    edges: layout.edges.map(wsUrl),
    clients: 3,
    ack: true,
    eventsPerFrame: 10,
    frameIntervalMs: 20,
    tag: 'PgRestart',
  });
  t.teardown(() => load.abort());
  await whenCaughtUp(async () => load.accepted >= 600 && (await storedRows(cfg.DATABASE_URL!, new Set())).rows >= 300, {
    timeoutMs: 60000,
    what: 'rows landing before the restart',
  });

  const watch = watchDatabaseCheck([ingest, layout.api!]);
  const t0 = performance.now();
  await restartImmediate(pgc);
  const restartMs = since(t0);
  const atRestart = load.accepted;
  await whenCaughtUp(
    async () =>
      (await storedRows(cfg.DATABASE_URL!, new Set())).rows > 0 &&
      (await ingest.metric('tracker_ingest_events_total')) > 0 &&
      load.accepted > atRestart + 300,
    { timeoutMs: 60000, what: 'load going on after the restart' },
  );
  await load.stop();
  const stored = await whenAllStored(cfg.DATABASE_URL!, load.acceptedKeys);
  const landedMs = since(t0);
  await whenCaughtUp(async () => (await ingest.health()).ok && (await layout.api!.health()).ok, {
    timeoutMs: 60000,
    what: 'ingest and api healthy again',
  });
  const healthyMs = since(t0);
  await watch.stop();

  const transient = await ingest.metric('tracker_ingest_errors_total{kind="transient"}');
  t.ok(watch.seen.size > 0, `/health showed the database outage: ${JSON.stringify(Object.fromEntries(watch.seen))}`);
  t.equal(load.accepted, load.sentKeys.size, 'every event sent was acked (the edge does not need PostgreSQL)');
  t.equal(stored.rows, load.accepted, 'rows == acked events');
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'nothing stored that was not sent');
  t.ok(
    layout.all().every((p) => p.child.child.exitCode === null),
    'no role process died',
  );

  report(t, 'pg-restart', {
    events_sent: load.sent,
    events_acked: load.accepted,
    rows_stored: stored.rows,
    duplicate_rows: stored.rows - stored.distinct,
    client_errors: load.errors,
    ingest_transient_errors: transient,
    health_saw_outage: [...watch.seen.keys()].join(', '),
    pg_ctl_restart_took_ms: restartMs,
    all_landed_after_restart_ms: landedMs,
    healthy_after_restart_ms: healthyMs,
    ingest_peak_rss_mb: ingest.peakRssMb(),
  });
});
