// Drill: the (single) nats-server stops mid-stream for 10 s and comes back on the same
// port and store. Ack-mode clients get `unavailable` and resend; fire-and-forget events
// are buffered up to EDGE_MAX_BUFFERED_EVENTS (frames beyond it are refused); the
// edge's memory stays bounded (peak RSS reported); /health shows the outage and the
// recovery; every acknowledged and every accepted event lands, once.
// Run with `npm run drills` (docs/operations.md "Drills").
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../../src/localstack/nats.js';
import { sleep } from '../../src/localstack/process.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, startLayout, storedRows, wsUrl, type RoleProcess } from './layout.js';
import { report, since } from './figures.js';

const DOWN_MS = 10_000;
const MAX_BUFFERED = 3000;
const FF_EVENTS_PER_FRAME = 20;

const unhealthy = async (p: RoleProcess, check: string) => {
  const h = await p.health().catch(() => undefined);
  return h && !h.ok && h.checks[check] && !h.checks[check].ok ? (h.checks[check].reason ?? 'not ok') : undefined;
};

t.test('NATS down 10 s: unavailable to ack clients, bounded buffer, everything accepted lands once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-nats-down-'));
  let nats = await startNats({ dir, port: 0 });
  t.teardown(async () => {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = await testConfig({ NATS_URL: nats.url, INGEST_ACK_WAIT_SECONDS: '5' });
  const layout = await startLayout(
    layoutEnv(cfg, {
      EDGE_MAX_BUFFERED_EVENTS: String(MAX_BUFFERED),
      EDGE_PUBLISH_TIMEOUT_MS: '1000',
      EDGE_ACK_TIMEOUT_MS: '3000',
      EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS: '100000',
      INGEST_UNHEALTHY_AFTER_SECONDS: '3',
    }),
    { edges: 1, ingests: 1, api: false },
  );
  t.teardown(() => layout.stop('nats-outage'));
  const [edge] = layout.edges;
  const [ingest] = layout.ingests;
  const acked = new Load({
    edges: [wsUrl(edge)],
    clients: 2,
    ack: true,
    eventsPerFrame: 10,
    frameIntervalMs: 20,
    tag: 'Acked',
  });
  t.teardown(() => acked.abort());
  const plain = new Load({
    edges: [wsUrl(edge)],
    clients: 2,
    ack: false,
    eventsPerFrame: FF_EVENTS_PER_FRAME,
    frameIntervalMs: 20,
    tag: 'Plain',
  });
  t.teardown(() => plain.abort());
  await whenCaughtUp(() => acked.accepted >= 400 && plain.accepted >= 400, {
    timeoutMs: 60000,
    what: 'load flowing before the outage',
  });
  const rssBefore = edge.peakRssMb();

  // Down for 10 s, watching /health and the edge's buffer meanwhile.
  const before = { acked: acked.accepted, plain: plain.accepted, unavailable: acked.errors.unavailable ?? 0 };
  const t0 = performance.now();
  const stoppedAt = Date.now();
  await nats.stop();
  const stopMs = since(t0);
  let maxBuffered = 0;
  let edgeReason: string | undefined;
  let ingestReason: string | undefined;
  let natsReason: string | undefined;
  let edgeUnhealthyMs = -1;
  let ackedWhenUnhealthy = 0;
  while (performance.now() - t0 < DOWN_MS) {
    // In parallel: each /health answer takes up to 2 s while the `stream` check times out.
    const [h, ingestNow] = await Promise.all([
      edge.health().catch(() => undefined),
      ingestReason ? undefined : unhealthy(ingest, 'stream'),
    ]);
    ingestReason ??= ingestNow;
    maxBuffered = Math.max(maxBuffered, Number(h?.checks.edge?.detail?.buffered_events ?? 0));
    if (h && !h.checks.edge.ok && edgeUnhealthyMs < 0) {
      edgeUnhealthyMs = since(t0);
      edgeReason = h.checks.edge.reason;
      ackedWhenUnhealthy = acked.accepted;
    }
    natsReason ??= h && !h.checks.nats.ok ? h.checks.nats.reason : undefined;
    await sleep(250);
  }
  // Frames whose PubAck was on its way when the server stopped may still be acked
  // just after; once the edge reports the failure, nothing is.
  const ackedWhileFailing = acked.accepted - ackedWhenUnhealthy;
  const during = {
    acked: acked.accepted - before.acked,
    plain: plain.accepted - before.plain,
    unavailable: (acked.errors.unavailable ?? 0) - before.unavailable,
  };
  const plainRefused = plain.errors.unavailable ?? 0;
  // When the edge's first publish failed, from the reason's own timestamp.
  const failingSince = Date.parse(/since (\S+):/.exec(edgeReason ?? '')?.[1] ?? '');
  const disconnectedSince = Date.parse(/since (\S+);/.exec(natsReason ?? '')?.[1] ?? '');
  t.ok(edgeReason, `edge /health failed during the outage after ${edgeUnhealthyMs} ms: ${edgeReason}`);
  t.ok(ingestReason, `ingest /health failed during the outage: ${ingestReason}`);
  t.ok(natsReason, `the edge's nats check failed during the outage: ${natsReason}`);
  t.equal(
    ackedWhileFailing,
    0,
    `no ack-mode frame acked once the edge reported the outage (${during.acked} acked in its first ${edgeUnhealthyMs} ms)`,
  );
  t.ok(during.unavailable > 0, `ack-mode clients got unavailable (${during.unavailable} times)`);
  t.ok(
    maxBuffered <= MAX_BUFFERED,
    `edge buffer peaked at ${maxBuffered} events, within EDGE_MAX_BUFFERED_EVENTS=${MAX_BUFFERED}`,
  );
  t.ok(plainRefused > 0, `fire-and-forget frames beyond the buffer were refused (${plainRefused} frames)`);

  // Back on the same port and store.
  nats = await startNats({ dir, port: nats.port });
  const t1 = performance.now();
  await whenCaughtUp(async () => (await edge.health()).ok, {
    timeoutMs: 60000,
    what: 'edge /health ok again (nats, stream, edge)',
  });
  const edgeHealthyMs = since(t1);
  await whenCaughtUp(() => acked.accepted > before.acked + 20, { timeoutMs: 60000, what: 'ack-mode acks again' });
  const acksResumedMs = since(t1);
  await Promise.all([acked.stop(), plain.stop()]);
  const wanted = new Set([...acked.acceptedKeys, ...plain.acceptedKeys]);
  const stored = await whenCaughtUp(
    async () => {
      const s = await storedRows(cfg.DATABASE_URL!, wanted);
      return s.missing === 0 ? s : undefined;
    },
    { timeoutMs: 120000, what: 'every accepted event in telemetry' },
  );
  const landedMs = since(t1);
  await whenCaughtUp(async () => (await ingest.health()).ok, { timeoutMs: 60000, what: 'ingest /health ok again' });
  const ingestHealthyMs = since(t1);
  const peakRss = edge.peakRssMb();

  t.equal(acked.accepted, acked.sentKeys.size, 'every ack-mode event was eventually acked (resent after unavailable)');
  t.equal(stored.rows, wanted.size, 'rows == acked + accepted fire-and-forget events');
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'no refused event was stored');
  t.equal(
    plain.accepted + (plain.errors.unavailable ?? 0) * FF_EVENTS_PER_FRAME,
    plain.sent,
    'every fire-and-forget frame was either accepted or refused as a whole',
  );
  t.ok(
    layout.all().every((p) => p.child.child.exitCode === null),
    'no role process died',
  );

  report(t, 'nats-outage', {
    down_ms: DOWN_MS,
    nats_stop_took_ms: stopMs,
    max_buffered_events: MAX_BUFFERED,
    ack_events_sent: acked.sent,
    ack_events_acked: acked.accepted,
    ack_unavailable_replies: acked.errors.unavailable ?? 0,
    ack_frames_written: acked.frames,
    ff_events_sent: plain.sent,
    ff_events_accepted: plain.accepted,
    ff_frames_refused_during_outage: plainRefused,
    ff_frames_refused: plain.errors.unavailable ?? 0,
    ff_frames_written: plain.frames,
    ff_client_errors: plain.errors,
    ff_reconnects: plain.reconnects,
    ack_client_errors: acked.errors,
    rows_stored: stored.rows,
    duplicate_rows: stored.rows - stored.distinct,
    edge_buffer_peak_events: maxBuffered,
    edge_nats_disconnected_after_ms: disconnectedSince - stoppedAt,
    edge_publishes_failing_after_ms: failingSince - stoppedAt,
    edge_health_probe_saw_it_after_ms: edgeUnhealthyMs,
    edge_healthy_after_restart_ms: edgeHealthyMs,
    acks_resumed_after_restart_ms: acksResumedMs,
    all_landed_after_restart_ms: landedMs,
    ingest_healthy_after_restart_ms: ingestHealthyMs,
    edge_peak_rss_mb_before_outage: rssBefore,
    edge_peak_rss_mb: peakRss,
  });
});
