// Drill (issue 23, item 2): the NATS store on a small tmpfs fills up mid-stream.
// nats-server sizes its JetStream store from the free disk when it starts (75% of it),
// so a full store answers "insufficient resources" (10023) long before a write hits
// ENOSPC: ack-mode clients get `unavailable` naming it, /health names it from the
// server's reply, and nothing acked is lost. Enlarging the disk alone does not help
// that server (its limit was fixed at start); the operator's step is to restart
// nats-server, and the app recovers with no restart of its own.
// Run with `npm run drills` (docs/operations.md "A full disk").
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../../src/localstack/nats.js';
import { sleep } from '../../src/localstack/process.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, QUICK_OUTAGE_ENV, startLayout, whenAllStored, wsUrl } from './layout.js';
import { report, since } from './figures.js';
import { mountTmpfs, resizeTmpfs, unmountTmpfs } from './tmpfs.js';

t.test('NATS disk full, then enlarged: unavailable naming it, every acked event stored once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-nats-disk-'));
  mountTmpfs(dir, '16m');
  let nats = await startNats({ dir, port: 0 });
  t.teardown(async () => {
    await nats.stop();
    unmountTmpfs(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  // No quarantine cap: a capped stream reserves its bytes in this small store.
  const cfg = await testConfig({ NATS_URL: nats.url, QUARANTINE_MAX_BYTES: '-1', INGEST_ACK_WAIT_SECONDS: '5' });
  const layout = await startLayout(
    layoutEnv(cfg, {
      QUARANTINE_MAX_BYTES: '-1',
      ...QUICK_OUTAGE_ENV,
    }),
    { edges: 1, ingests: 1, api: false },
  );
  t.teardown(() => layout.stop('nats-disk-full'));
  const [edge] = layout.edges;
  const load = new Load({
    edges: [wsUrl(edge)],
    clients: 4,
    ack: true,
    eventsPerFrame: 50,
    frameIntervalMs: 5,
    tag: 'NatsDisk',
    replyTimeoutMs: 5000,
  });
  t.teardown(() => load.abort());
  const t0 = performance.now();
  const reason = await whenCaughtUp(
    async () => {
      const h = await edge.health().catch(() => undefined);
      const r = h?.checks.edge?.reason;
      return r && /insufficient|no space|no room/i.test(r) ? r : undefined;
    },
    { timeoutMs: 90000, what: "edge /health naming NATS's full store" },
  ).catch(() => undefined);
  const fullMs = since(t0);
  await sleep(3000);
  const ackedAtFull = load.accepted;
  const unavailableAtFull = load.errors.unavailable ?? 0;

  // More disk: the running server keeps the limit it computed at start.
  resizeTmpfs(dir, '96m');
  await sleep(5000);
  const resumedWithoutNatsRestart = load.accepted > ackedAtFull + 500;
  const t1 = performance.now();
  await nats.stop();
  const stopMs = since(t1);
  nats = await startNats({ dir, port: nats.port });
  await whenCaughtUp(() => load.accepted > ackedAtFull + 1000, { timeoutMs: 60000, what: 'acks flowing again' });
  const resumedMs = since(t1);
  await load.stop(60000);
  const stored = await whenAllStored(cfg.DATABASE_URL!, load.acceptedKeys);
  const storeFull = await edge.metric('tracker_edge_publish_store_full_total{reason="disk_full"}');

  t.ok(reason, `edge /health named the full NATS store after ${fullMs} ms: ${reason}`);
  t.ok(unavailableAtFull > 0, `ack-mode clients got unavailable (${unavailableAtFull} replies)`);
  t.ok(storeFull > 0, `refusals counted: tracker_edge_publish_store_full_total{reason="disk_full"} ${storeFull}`);
  t.equal(stored.missing, 0, 'every acked event stored');
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'nothing stored that was not acked');
  t.ok(
    layout.all().every((p) => p.child.child.exitCode === null),
    'no role process died (the app was not restarted)',
  );

  report(t, 'nats-disk-full', {
    events_sent: load.sent,
    events_acked: load.accepted,
    acked_when_full: ackedAtFull,
    rows_stored: stored.rows,
    acked_events_lost: stored.missing,
    duplicate_rows: stored.rows - stored.distinct,
    unavailable_replies: load.errors.unavailable ?? 0,
    client_errors: load.errors,
    store_full_refusals: storeFull,
    health_named_it_after_ms: fullMs,
    health_reason: reason ?? '',
    resumed_on_bigger_disk_without_nats_restart: resumedWithoutNatsRestart,
    nats_stop_took_ms: stopMs,
    acks_resumed_after_nats_restart_ms: resumedMs,
  });
});
