// Baselines (b) and (c): this pipeline, edge and ingest each in its own process
// (`node dist/src/main.js start` with ROLES=edge / ROLES=ingest) so RSS and CPU are
// measured per role, with EDGE_PUBLISH_MODE=per-event or batched.
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from '../../src/shared/localstack/process.js';
import { APP_NODE_FLAGS, appEntry, spawnNode, waitHttp, type Child } from '../lib/children.js';
import { benchDatabase, type BenchStack } from '../lib/stack.js';
import { measure, type MeasureResult } from '../lib/measure.js';
import { scrapeCounters } from '../lib/metrics-scrape.js';
import { splitAtStream } from '../lib/latency-probe.js';
import type { ScenarioRun } from './naive.js';

export const BENCH_SECRET = 'bench-secret-0123456789';

export interface PipelineRun extends ScenarioRun {
  label: string;
  mode: 'batched' | 'per-event';
  cpuProfDir?: string;
  /** Extra environment for both roles (e.g. tuning knobs). */
  env?: Record<string, string>;
}

export async function runPipeline(stack: BenchStack, r: PipelineRun): Promise<MeasureResult & { streamMessages?: number; stages?: Record<string, number | undefined> }> {
  const db = await benchDatabase(stack, r.label);
  const id = randomBytes(4).toString('hex');
  const [edgePort, ingestPort] = [await freePort(), await freePort()];
  const common = {
    NATS_URL: stack.natsUrl, DATABASE_URL: db.url, HOST: '127.0.0.1', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false',
    STREAM_NAME: `BENCH_${id}`, SUBJECT_PREFIX: `bench${id}`, CONSUMER_NAME: `bench_${id}`, PLUGIN_SECRET: BENCH_SECRET,
    EDGE_PUBLISH_MODE: r.mode, ...r.env,
  };
  // One file per role and scenario (Node 20's --cpu-prof-name has no placeholders).
  const nodeFlags = (role: string) => [...APP_NODE_FLAGS, ...(r.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(r.cpuProfDir)}`, `--cpu-prof-name=${r.label}-${role}.cpuprofile`] : [])];
  const children: Child[] = [];
  try {
    // Ingest first: it creates the durable consumer; the stream exists before either
    // starts publishing because both roles ensure it at startup.
    const ingest = spawnNode('ingest', appEntry(), { args: ['start'], nodeFlags: nodeFlags('ingest'), env: { ...common, ROLES: 'ingest', PORT: String(ingestPort) }, logFile: join(r.logDir, `${r.label}-ingest.log`) });
    children.push(ingest);
    await waitHttp(ingest, ingestPort, '/health');
    const edge = spawnNode('edge', appEntry(), { args: ['start'], nodeFlags: nodeFlags('edge'), env: { ...common, ROLES: 'edge', PORT: String(edgePort) }, logFile: join(r.logDir, `${r.label}-edge.log`) });
    children.push(edge);
    await waitHttp(edge, edgePort, '/health');
    const result = await measure({
      label: r.label, url: `ws://127.0.0.1:${edgePort}/ws/position`, headers: { 'X-Plugin-Secret': BENCH_SECRET }, databaseUrl: db.url,
      clients: r.clients, procs: r.procs, durationMs: r.durationMs, rate: r.rate, probeRate: r.probeRate, logDir: r.logDir,
      drainTimeoutMs: r.drainTimeoutMs, aheadEvents: r.aheadEvents, metricsPort: edgePort,
      processes: {
        edge: { pid: edge.pid },
        ingest: { pid: ingest.pid, untilDrained: true },
        ...(stack.natsPid ? { nats: { pid: stack.natsPid, untilDrained: true } } : {}),
        ...(stack.pgPid ? { postgres: { pid: stack.pgPid, withChildren: true, untilDrained: true } } : {}),
      },
    });
    if (result.latency) {
      await splitAtStream(result.latency, (seq) => storedAt(stack.natsUrl, common.STREAM_NAME, seq));
      delete result.latency.detail;
    }
    const [e, i] = await Promise.all([scrapeCounters(edgePort, true), scrapeCounters(ingestPort, true)]);
    const mean = (m: Record<string, number>, name: string, scale = 1) => m[`${name}_count`] ? Math.round((m[`${name}_sum`] / m[`${name}_count`]) * scale * 10) / 10 : undefined;
    // Where an event's time goes, as seen by the roles themselves (run means).
    const stages = {
      edgeBatchWaitMs: mean(e, 'tracker_edge_batch_wait_seconds', 1000),
      edgePublishMs: mean(e, 'tracker_edge_publish_seconds', 1000),
      edgeMessages: e.tracker_edge_messages_published_total,
      ingestWriteMs: mean(i, 'tracker_ingest_copy_seconds', 1000),
      ingestBatchEvents: mean(i, 'tracker_ingest_batch_events'),
      ingestBatches: i.tracker_ingest_copy_seconds_count,
    };
    return { ...result, streamMessages: await streamMessages(stack.natsUrl, common.STREAM_NAME), stages };
  } finally {
    for (const c of children.reverse()) await c.stop();
    await deleteStream(stack.natsUrl, common.STREAM_NAME).catch(() => {});
    await db.drop().catch(() => {});
  }
}

async function streamMessages(url: string, name: string): Promise<number | undefined> {
  const nc = await connect({ servers: url });
  try { return (await (await jetstreamManager(nc)).streams.info(name)).state.messages; } catch { return undefined; } finally { await nc.close(); }
}

const storeConns = new Map<string, Promise<{ jsm: Awaited<ReturnType<typeof jetstreamManager>>; nc: Awaited<ReturnType<typeof connect>> }>>();
/** JetStream's store time of one message (ms); one connection per server, closed with the stream. */
async function storedAt(url: string, stream: string, seq: number): Promise<number | undefined> {
  let c = storeConns.get(url);
  if (!c) { c = connect({ servers: url }).then(async (nc) => ({ nc, jsm: await jetstreamManager(nc) })); storeConns.set(url, c); }
  const m = await (await c).jsm.streams.getMessage(stream, { seq });
  return m ? m.time.getTime() : undefined;
}

async function deleteStream(url: string, name: string): Promise<void> {
  const c = storeConns.get(url);
  storeConns.delete(url);
  if (c) await (await c).nc.close().catch(() => {});
  const nc = await connect({ servers: url });
  try { await (await jetstreamManager(nc)).streams.delete(name); } finally { await nc.close(); }
}
