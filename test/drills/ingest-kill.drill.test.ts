// Drill: two ingest processes share the durable; one is SIGKILLed mid-stream while the
// other runs. The messages the dead one held (pulled, or written but not acked) are
// redelivered to the survivor once ack_wait expires; the outcome is exactly once.
// The one drill in `npm test` (short: one NATS, no cluster); also run by `npm run drills`.
import t from 'tap';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, startLayout, whenAllStored, wsUrl } from './layout.js';
import { report, since } from './figures.js';

const ACK_WAIT_S = 3;

t.test('one of two ingest processes SIGKILLed: the survivor takes over after ack_wait, exactly once', async (t) => {
  const cfg = await testConfig({ INGEST_ACK_WAIT_SECONDS: String(ACK_WAIT_S) });
  // Small batches and a slow-ish cut, so each process always holds messages it has not acked.
  const layout = await startLayout(
    layoutEnv(cfg, {
      INGEST_BATCH_MAX_EVENTS: '200',
      INGEST_BATCH_MAX_WAIT_MS: '100',
      INGEST_PULL_MAX_MESSAGES: '200',
    }),
    { edges: 1, ingests: 2, api: false },
  );
  t.teardown(() => layout.stop('ingest-kill'));
  const [victim, survivor] = layout.ingests;
  const nc = await connect({ servers: cfg.NATS_URL! });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const load = new Load({
    edges: layout.edges.map(wsUrl),
    clients: 4,
    ack: true,
    eventsPerFrame: 10,
    frameIntervalMs: 10,
    tag: 'IngestKill',
  });
  t.teardown(() => load.abort());
  await whenCaughtUp(async () => load.accepted >= 1000 && (await victim.metric('tracker_ingest_events_total')) > 0, {
    timeoutMs: 60000,
    what: 'both processes working before the kill',
  });

  const t0 = performance.now();
  await victim.kill();
  await whenCaughtUp(() => load.accepted >= 3000, { timeoutMs: 60000, what: 'load going on after the kill' });
  await load.stop();
  const stored = await whenAllStored(cfg.DATABASE_URL!, load.acceptedKeys);
  const landedMs = since(t0);
  await whenCaughtUp(
    async () => {
      const i = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
      return i.num_pending === 0 && i.num_ack_pending === 0;
    },
    { timeoutMs: 60000, what: 'consumer idle' },
  );
  const info = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);

  const redelivered = await survivor.metric('tracker_ingest_redelivered_total');
  t.ok(redelivered > 0, `the survivor received messages the dead process held (${redelivered} redeliveries)`);
  t.equal(info.num_ack_pending + info.num_pending, 0, 'nothing left unacked');
  t.ok(
    landedMs >= ACK_WAIT_S * 1000,
    `the last of them landed after ack_wait (${landedMs} ms >= ${ACK_WAIT_S * 1000} ms)`,
  );
  t.equal(stored.rows, load.accepted, 'rows == acked events');
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'nothing stored that was not sent');
  t.ok((await survivor.health()).ok, 'the survivor is healthy');

  report(t, 'ingest-kill', {
    events_sent: load.sent,
    events_acked: load.accepted,
    rows_stored: stored.rows,
    duplicate_rows: stored.rows - stored.distinct,
    ack_wait_s: ACK_WAIT_S,
    redelivered_to_survivor: redelivered,
    survivor_duplicates_skipped: await survivor.metric('tracker_ingest_duplicates_total'),
    all_landed_after_kill_ms: landedMs,
    survivor_peak_rss_mb: survivor.peakRssMb(),
  });
});
