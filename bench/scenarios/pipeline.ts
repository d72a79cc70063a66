// Baselines (b) and (c): this pipeline, edge and ingest each in its own process
// (`node dist/src/main.js start` with ROLES=edge / ROLES=ingest) so RSS and CPU are
// measured per role, with EDGE_PUBLISH_MODE=per-event or batched.
import { quarantineStreamName } from '../../src/shared/quarantine.js';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from '../../src/localstack/process.js';
import { APP_NODE_FLAGS, appEntry, cpuProfFlags, spawnNode, waitHttp, type Child } from '../lib/children.js';
import { benchDatabase, type BenchStack } from '../lib/stack.js';
import { measure, type MeasureResult } from '../lib/measure.js';
import { scrapeCounters } from '../lib/metrics-scrape.js';
import type { ScenarioRun } from './naive.js';

export const BENCH_SECRET = 'bench-secret-0123456789';

export interface PipelineRun extends ScenarioRun {
  label: string;
  mode: 'batched' | 'per-event';
  /** Extra environment for both roles (e.g. tuning knobs). */
  env?: Record<string, string>;
}

export async function runPipeline(
  stack: BenchStack,
  r: PipelineRun,
): Promise<MeasureResult & { streamMessages?: number; stages?: Record<string, number | undefined> }> {
  // One connection for the run's own look at the stream (store times, size, cleanup).
  const nc = await connect({ servers: stack.natsUrl });
  const jsm = await jetstreamManager(nc);
  const db = await benchDatabase(stack, r.label, r.app?.migrate);
  const entry = r.app?.entry ?? appEntry();
  const id = randomBytes(4).toString('hex');
  const [edgePort, ingestPort] = [await freePort(), await freePort()];
  const common = {
    NATS_URL: stack.natsUrl,
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    STREAM_NAME: `BENCH_${id}`,
    SUBJECT_PREFIX: `bench${id}`,
    CONSUMER_NAME: `bench_${id}`,
    PLUGIN_SECRET: BENCH_SECRET,
    // Edge and ingest share a key as a deployment does (docs/security.md "Signed messages");
    // `--app-env TRACKER_SIGNING_KEY=` runs them without one.
    TRACKER_SIGNING_KEY: randomBytes(32).toString('hex'),
    EDGE_PUBLISH_MODE: r.mode,
    ...r.env,
  };
  // One file per role and scenario (Node 20's --cpu-prof-name has no placeholders).
  const nodeFlags = (role: string) => [...APP_NODE_FLAGS, ...cpuProfFlags(r.cpuProfDir, `${r.label}-${role}`)];
  const children: Child[] = [];
  try {
    // Ingest first: it creates the durable consumer; the stream exists before either
    // starts publishing because both roles ensure it at startup.
    const ingest = spawnNode('ingest', entry, {
      cwd: r.app?.cwd,
      args: ['start'],
      nodeFlags: nodeFlags('ingest'),
      env: { ...common, ROLES: 'ingest', PORT: String(ingestPort) },
      logFile: join(r.logDir, `${r.label}-ingest.log`),
    });
    children.push(ingest);
    await waitHttp(ingest, ingestPort, '/health');
    const edge = spawnNode('edge', entry, {
      cwd: r.app?.cwd,
      args: ['start'],
      nodeFlags: nodeFlags('edge'),
      env: { ...common, ROLES: 'edge', PORT: String(edgePort) },
      logFile: join(r.logDir, `${r.label}-edge.log`),
    });
    children.push(edge);
    await waitHttp(edge, edgePort, '/health');
    const result = await measure({
      label: r.label,
      url: `ws://127.0.0.1:${edgePort}/ws/position`,
      headers: { 'X-Plugin-Secret': BENCH_SECRET },
      databaseUrl: db.url,
      clients: r.clients,
      procs: r.procs,
      durationMs: r.durationMs,
      rate: r.rate,
      ackWindow: r.ackWindow,
      probeRate: r.probeRate,
      logDir: r.logDir,
      drainTimeoutMs: r.drainTimeoutMs,
      loadgenNodeFlags: (w) => cpuProfFlags(r.cpuProfDir, `${r.label}-loadgen${w}`),
      metricsPort: edgePort,
      storedAt: async (seq) => (await jsm.streams.getMessage(common.STREAM_NAME, { seq }))?.time.getTime(),
      processes: {
        edge: { pid: edge.pid },
        ingest: { pid: ingest.pid, untilDrained: true },
        ...(stack.natsPid ? { nats: { pid: stack.natsPid, untilDrained: true } } : {}),
        ...(stack.pgPid ? { postgres: { pid: stack.pgPid, withChildren: true, untilDrained: true } } : {}),
      },
    });
    const [e, i] = await Promise.all([scrapeCounters(edgePort, true), scrapeCounters(ingestPort, true)]);
    const mean = (m: Record<string, number>, name: string, scale = 1) =>
      m[`${name}_count`] ? Math.round((m[`${name}_sum`] / m[`${name}_count`]) * scale * 10) / 10 : undefined;
    // Where an event's time goes, as seen by the roles themselves (run means).
    const stages = {
      edgeBatchWaitMs: mean(e, 'tracker_edge_batch_wait_seconds', 1000),
      edgePublishMs: mean(e, 'tracker_edge_publish_seconds', 1000),
      edgeMessages: e.tracker_edge_messages_published_total,
      ingestWriteMs: mean(i, 'tracker_ingest_copy_seconds', 1000),
      ingestBatchEvents: mean(i, 'tracker_ingest_batch_events'),
      ingestBatches: i.tracker_ingest_copy_seconds_count,
    };
    const streamMessages = await jsm.streams.info(common.STREAM_NAME).then(
      (i) => i.state.messages,
      () => undefined,
    );
    return { ...result, streamMessages, stages };
  } finally {
    for (const c of children.reverse()) await c.stop();
    await jsm.streams.delete(common.STREAM_NAME).catch(() => {});
    await jsm.streams.delete(quarantineStreamName(common.STREAM_NAME)).catch(() => {});
    await nc.close().catch(() => {});
    await db.drop().catch(() => {});
  }
}
