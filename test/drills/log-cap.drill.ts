// Drill (issue 23, item 1): the log's byte cap is reached while PostgreSQL is down.
// With `discard: new` JetStream refuses publishes at the cap: ack-mode clients get
// `unavailable` naming the cap, /health says the log is full, and nothing acked is
// dropped. PostgreSQL comes back, ingest stores everything, the oldest messages age out
// (STREAM_MAX_AGE_SECONDS, short here) and publishing resumes with no restart.
// Every acked event is then stored exactly once. Run with `npm run drills`
// (docs/operations.md "Limits" and "Drills").
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type LocalPostgres } from '../../src/localstack/postgres.js';
import { sleep } from '../../src/localstack/process.js';
import { stopCluster } from '../helpers/pg-cluster.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import {
  layoutEnv,
  QUICK_OUTAGE_ENV,
  QUICK_INGEST_RETRY_ENV,
  startLayout,
  storedRows,
  telemetryRows,
  wsUrl,
} from './layout.js';
import { report, since } from './figures.js';

const CAP_BYTES = 1024 * 1024;
/** Short, so the drill sees room come back; PostgreSQL is down for much less than this. */
const MAX_AGE_S = 40;

t.test('log cap reached with PostgreSQL down: refused, not dropped; every acked event stored once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-log-cap-'));
  let pgc: LocalPostgres = await startPostgres({ dir, port: 0, fast: true });
  t.teardown(async () => {
    await stopCluster(pgc.dataDir);
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = await testConfig({ DATABASE_URL: pgc.url, INGEST_ACK_WAIT_SECONDS: '5' });
  const layout = await startLayout(
    layoutEnv(cfg, {
      STREAM_MAX_BYTES: String(CAP_BYTES),
      STREAM_MAX_AGE_SECONDS: String(MAX_AGE_S),
      // JetStream refuses a duplicate window longer than max_age.
      STREAM_DUPLICATE_WINDOW_SECONDS: '30',
      ...QUICK_OUTAGE_ENV,
      ...QUICK_INGEST_RETRY_ENV,
    }),
    { edges: 1, ingests: 1, api: false },
  );
  t.teardown(() => layout.stop('log-cap'));
  const [edge] = layout.edges;
  const [ingest] = layout.ingests;

  await pgc.stop();
  const t0 = performance.now();
  const load = new Load({
    edges: [wsUrl(edge)],
    clients: 4,
    ack: true,
    eventsPerFrame: 50,
    frameIntervalMs: 5,
    tag: 'LogCap',
    replyTimeoutMs: 5000,
  });
  t.teardown(() => load.abort());

  // The cap is reached while nothing can be stored.
  const fullReason = await whenCaughtUp(
    async () => {
      const h = await edge.health().catch(() => undefined);
      const r = h?.checks.edge?.reason;
      return r && /log is full|maximum bytes/.test(r) ? r : undefined;
    },
    { timeoutMs: 30000, what: 'edge /health saying the log is full' },
  ).catch(() => undefined);
  const capReachedMs = since(t0);
  await sleep(3000);
  const ackedAtCap = load.accepted;
  const unavailableAtCap = load.errors.unavailable ?? 0;

  pgc = await startPostgres({ dir, port: pgc.port, fast: true });
  const pgBackMs = since(t0);
  // Room comes back when the oldest messages age out; then acks flow again.
  const resumed = await whenCaughtUp(() => load.accepted > ackedAtCap + 1000, {
    timeoutMs: (MAX_AGE_S + 40) * 1000,
    what: 'acks flowing again',
  }).then(
    () => since(t0),
    () => -1,
  );
  await load.stop(60000).catch(() => load.abort());
  const acked = load.acceptedKeys;
  const stored = await whenCaughtUp(
    async () => {
      const s = await storedRows(cfg.DATABASE_URL!, acked);
      return s.missing === 0 ? s : undefined;
    },
    { timeoutMs: 30000, what: 'every acked event in telemetry' },
  ).catch(() => storedRows(cfg.DATABASE_URL!, acked));
  const storeFull = await edge.metric('tracker_edge_publish_store_full_total{reason="log_full"}');

  t.ok(fullReason, `edge /health said the log is full after ${capReachedMs} ms: ${fullReason}`);
  t.ok(unavailableAtCap > 0, `ack-mode clients got unavailable at the cap (${unavailableAtCap} replies)`);
  t.ok(storeFull > 0, `refusals counted: tracker_edge_publish_store_full_total{reason="log_full"} ${storeFull}`);
  t.ok(resumed > 0, `acks resumed with no restart after ${resumed} ms`);
  t.equal(stored.missing, 0, `every acked event stored (${stored.missing} of ${acked.size} missing)`);
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'nothing stored that was not acked');
  t.ok(
    layout.all().every((p) => p.child.child.exitCode === null),
    'no role process died',
  );

  report(t, 'log-cap', {
    stream_max_bytes: CAP_BYTES,
    stream_max_age_s: MAX_AGE_S,
    events_sent: load.sent,
    events_acked: acked.size,
    acked_when_pg_returned: ackedAtCap,
    rows_stored: stored.rows,
    acked_events_lost: stored.missing,
    duplicate_rows: stored.rows - stored.distinct,
    unavailable_replies: load.errors.unavailable ?? 0,
    client_errors: load.errors,
    store_full_refusals: storeFull,
    cap_reached_after_ms: capReachedMs,
    pg_back_after_ms: pgBackMs,
    acks_resumed_after_ms: resumed,
    health_reason: fullReason ?? '',
    ingest_rows_total: await telemetryRows(cfg.DATABASE_URL!),
    ingest_peak_rss_mb: ingest.peakRssMb(),
  });
});
