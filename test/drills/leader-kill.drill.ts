// Drill: a 3-node NATS cluster (STREAM_REPLICAS=3), two edges, two ingest processes
// and one api, each its own process; ack-mode clients spread over both edges. SIGKILL
// the stream leader mid-stream and bring it back, then SIGKILL a non-leader, then the
// durable consumer's own leader. Every
// acknowledged event is stored exactly once and ingest resumes by itself.
// Run with `npm run drills` (docs/operations.md "Drills").
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster, streamCluster } from '../helpers/nats-cluster.js';
import { testConfig, whenCaughtUp } from '../helpers/stack.js';
import { Load } from './load.js';
import { layoutEnv, startLayout, whenAllStored, telemetryRows, wsUrl } from './layout.js';
import { report, since } from './figures.js';

const STEP_EVENTS = 800;

t.test('stream leader SIGKILLed and back, then a non-leader: every acked event stored once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-leader-'));
  const cluster = await startNatsCluster(dir);
  t.teardown(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = await testConfig({ NATS_URL: cluster.urls, STREAM_REPLICAS: '3', INGEST_ACK_WAIT_SECONDS: '5' });
  const layout = await startLayout(
    layoutEnv(cfg, { EDGE_PUBLISH_TIMEOUT_MS: '2000', EDGE_UNAVAILABLE_CLOSE_AFTER_SECONDS: '100000' }),
    { edges: 2, ingests: 2, api: true },
  );
  t.teardown(() => layout.stop('leader-kill'));
  // Right after a restart the Raft groups may still be electing: ask until both answer.
  const leaders = () =>
    whenCaughtUp(
      async () => {
        const c = await streamCluster(cluster, cfg.STREAM_NAME, cfg.CONSUMER_NAME).catch(() => undefined);
        return c?.leader && c.consumerLeader ? c : undefined;
      },
      { timeoutMs: 60000, what: 'stream and consumer leaders known' },
    );
  const info = await leaders();
  t.equal(
    info.replicas.length,
    2,
    `stream has 3 replicas (leader ${info.leader}, followers ${info.replicas.map((r) => r.name).join(', ')})`,
  );

  const load = new Load({
    edges: layout.edges.map(wsUrl),
    clients: 4,
    ack: true,
    eventsPerFrame: 10,
    frameIntervalMs: 20,
    tag: 'Leader',
  });
  t.teardown(() => load.abort());
  const acceptedBy = (n: number, what: string) =>
    whenCaughtUp(() => load.accepted >= n, { timeoutMs: 120000, what: `${n} events acked (${what})` });
  await acceptedBy(STEP_EVENTS, 'before the kill');

  // 1. The stream leader dies mid-stream.
  const leader = cluster.node(info.leader!);
  const atKill = load.accepted;
  const t0 = performance.now();
  await leader.kill();
  const elected = await whenCaughtUp(
    async () => {
      const c = await streamCluster(cluster, cfg.STREAM_NAME).catch(() => undefined);
      return c?.leader && c.leader !== leader.name ? c.leader : undefined;
    },
    { timeoutMs: 60000, what: 'a new stream leader' },
  );
  const electedMs = since(t0);
  await acceptedBy(atKill + 40, 'acks resume after the leader kill');
  const acksResumedMs = since(t0);
  await acceptedBy(atKill + STEP_EVENTS, 'after the leader kill');
  await leader.start();
  await whenCaughtUp(
    async () => (await streamCluster(cluster, cfg.STREAM_NAME)).replicas.find((r) => r.name === leader.name)?.current,
    { timeoutMs: 60000, what: `${leader.name} current again` },
  );
  const rejoinedMs = since(t0);

  // 2. A non-leader dies: the durable's leader when that is not the stream leader (the
  // harder case: pending pulls and in-flight acks die with it), else any follower.
  const now = await leaders();
  const follower = cluster.node(now.replicas.find((r) => r.name === now.consumerLeader)?.name ?? now.replicas[0].name);
  const atKill2 = load.accepted;
  const t1 = performance.now();
  await follower.kill();
  await acceptedBy(atKill2 + STEP_EVENTS, 'after the non-leader kill');
  const followerStepMs = since(t1);
  await follower.start();
  await whenCaughtUp(async () => (await streamCluster(cluster, cfg.STREAM_NAME)).replicas.every((r) => r.current), {
    timeoutMs: 60000,
    what: 'all replicas current again',
  });

  // 3. The durable's own leader dies (it may also lead the stream): the ingest
  // processes' pending pulls die with it, and must be noticed and renewed.
  const c3 = await leaders();
  const consumerLeader = cluster.node(c3.consumerLeader!);
  const rowsAtKill3 = await telemetryRows(cfg.DATABASE_URL!);
  const writtenAtKill3 = await Promise.all(layout.ingests.map((p) => p.metric('tracker_ingest_events_total')));
  const t3 = performance.now();
  await consumerLeader.kill();
  await whenCaughtUp(async () => (await telemetryRows(cfg.DATABASE_URL!)) > rowsAtKill3 + 200, {
    timeoutMs: 120000,
    what: 'rows landing again after the consumer leader kill',
  });
  const ingestResumedMs = since(t3);
  // Each process must resume by itself, not just the pipeline as a whole.
  const eachResumedMs = await Promise.all(
    layout.ingests.map(async (p, i) => {
      await whenCaughtUp(async () => (await p.metric('tracker_ingest_events_total')) > writtenAtKill3[i], {
        timeoutMs: 120000,
        what: `${p.name} writing again after the consumer leader kill`,
      });
      return since(t3);
    }),
  );
  await load.stop();
  await consumerLeader.start();

  // 3. Everything acknowledged is in PostgreSQL, once.
  const t2 = performance.now();
  const stored = await whenAllStored(cfg.DATABASE_URL!, load.acceptedKeys);
  const drainMs = since(t2);
  t.equal(load.accepted, load.sentKeys.size, 'every event sent was eventually acked (clients resend on unavailable)');
  t.equal(stored.rows, load.accepted, 'rows == acked events');
  t.equal(stored.distinct, stored.rows, 'no event stored twice');
  t.equal(stored.unexpected, 0, 'nothing stored that was not sent');
  for (const p of layout.ingests) {
    await whenCaughtUp(async () => (await p.health()).checks.ingest?.ok, {
      timeoutMs: 60000,
      what: `${p.name} healthy`,
    });
  }
  const written = await Promise.all(layout.ingests.map((p) => p.metric('tracker_ingest_events_total')));
  const dupSkipped = await Promise.all(layout.ingests.map((p) => p.metric('tracker_ingest_duplicates_total')));
  t.ok(
    written.every((n) => n > 0),
    `both ingest processes wrote rows (${written.join(' / ')})`,
  );
  t.ok(
    layout.all().every((p) => p.child.child.exitCode === null),
    'no role process died',
  );

  report(t, 'leader-kill', {
    events_sent: load.sent,
    events_acked: load.accepted,
    rows_stored: stored.rows,
    duplicate_rows: stored.rows - stored.distinct,
    frames_written: load.frames,
    client_errors: load.errors,
    reconnects: load.reconnects,
    redelivered_duplicates_skipped: dupSkipped.reduce((a, b) => a + b, 0),
    rows_per_ingest: written.join(' / '),
    killed_leader: leader.name,
    consumer_leader_at_first_kill: info.consumerLeader ?? '',
    consumer_leader_at_second_kill: now.consumerLeader ?? '',
    new_leader: elected,
    leader_elected_ms: electedMs,
    acks_resumed_ms: acksResumedMs,
    old_leader_current_again_ms: rejoinedMs,
    killed_follower: follower.name,
    step_after_follower_kill_ms: followerStepMs,
    killed_consumer_leader: consumerLeader.name,
    consumer_leader_was_stream_leader: c3.leader === consumerLeader.name,
    rows_resumed_after_consumer_leader_kill_ms: ingestResumedMs,
    each_ingest_resumed_ms: eachResumedMs.join(' / '),
    last_row_after_load_ms: drainMs,
    edge_peak_rss_mb: layout.edges.map((e) => e.peakRssMb()).join(' / '),
  });
});
