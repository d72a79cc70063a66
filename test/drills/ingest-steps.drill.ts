// Drill: an ingest process killed at the two steps that matter for exactly-once
// (fault seams, test/helpers/seamed-main.ts) while another ingest process keeps running and load flows
// through the edge: halfway through its first COPY (rolled back) and right after its
// first COMMIT, before any ack (committed, then redelivered to the survivor, which
// must skip it). test/ingest/crash.e2e.test.ts does the same with a restart instead of
// a survivor. Run with `npm run drills` (docs/operations.md "Drills").
import t from 'tap';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, startLayout, startRole, whenAllStored, wsUrl } from './layout.js';
import { report, since } from './figures.js';

const ACK_WAIT_S = 3;

for (const fault of ['exit-mid-copy', 'exit-after-commit'] as const) {
  t.test(`ingest SIGKILLed ${fault} while another runs: the survivor takes over, exactly once`, async (t) => {
    const cfg = await testConfig({ INGEST_ACK_WAIT_SECONDS: String(ACK_WAIT_S) });
    const env = layoutEnv(cfg, {
      INGEST_BATCH_MAX_EVENTS: '200',
      INGEST_BATCH_MAX_WAIT_MS: '100',
      INGEST_PULL_MAX_MESSAGES: '200',
    });
    const layout = await startLayout(env, { edges: 1, ingests: 1, api: false });
    t.teardown(() => layout.stop(`ingest-${fault}`));
    const [survivor] = layout.ingests;
    const load = new Load({
      edges: layout.edges.map(wsUrl),
      clients: 4,
      ack: true,
      eventsPerFrame: 10,
      frameIntervalMs: 10,
      tag: `Step ${fault}`,
    });
    t.teardown(() => load.abort());
    await whenCaughtUp(() => load.accepted >= 500, { timeoutMs: 60000, what: 'load flowing' });

    const t0 = performance.now();
    const victim = await startRole(
      'ingest',
      'victim',
      { ...env, MIGRATE_ON_START: 'false' },
      { waitReady: false, fault },
    );
    await whenCaughtUp(() => victim.child.child.signalCode ?? victim.child.child.exitCode ?? undefined, {
      timeoutMs: 60000,
      what: `the victim killing itself (${fault})`,
    });
    t.equal(
      victim.child.child.signalCode,
      'SIGKILL',
      `the victim was SIGKILLed by its fault hook: ${victim.child.output().match(/INGEST_FAULT=\S+/)?.[0]}`,
    );
    const atKill = load.accepted;
    await whenCaughtUp(() => load.accepted >= atKill + 1500, {
      timeoutMs: 60000,
      what: 'load going on after the kill',
    });
    await load.stop();
    const stored = await whenAllStored(cfg.DATABASE_URL!, load.acceptedKeys);
    const landedMs = since(t0);
    // After COMMIT the rows are there before the redelivery: wait for the consumer too.
    const nc = await connect({ servers: cfg.NATS_URL! });
    t.teardown(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await whenCaughtUp(
      async () => {
        const i = await jsm.consumers.info(cfg.STREAM_NAME, cfg.CONSUMER_NAME);
        return i.num_pending === 0 && i.num_ack_pending === 0;
      },
      { timeoutMs: 60000, what: 'consumer idle: every message acked' },
    );
    const idleMs = since(t0);

    const redelivered = await survivor.metric('tracker_ingest_redelivered_total');
    const skipped = await survivor.metric('tracker_ingest_duplicates_total');
    t.ok(redelivered > 0, `the survivor received the victim's messages again (${redelivered} redeliveries)`);
    if (fault === 'exit-after-commit')
      t.ok(skipped > 0, `the committed but unacked batch was skipped on redelivery (${skipped} events)`);
    t.equal(stored.rows, load.accepted, 'rows == acked events');
    t.equal(stored.distinct, stored.rows, 'no event stored twice');
    t.equal(stored.unexpected, 0, 'nothing stored that was not sent');
    t.ok((await survivor.health()).ok, 'the survivor is healthy');

    report(t, `ingest-${fault}`, {
      events_sent: load.sent,
      events_acked: load.accepted,
      rows_stored: stored.rows,
      duplicate_rows: stored.rows - stored.distinct,
      ack_wait_s: ACK_WAIT_S,
      redelivered_to_survivor: redelivered,
      survivor_duplicates_skipped: skipped,
      all_landed_after_victim_start_ms: landedMs,
      all_acked_after_victim_start_ms: idleMs,
      survivor_peak_rss_mb: survivor.peakRssMb(),
    });
  });
}
