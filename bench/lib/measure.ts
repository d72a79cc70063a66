// One measured load run against an ingest endpoint that writes to `databaseUrl`:
// load generator + latency probe + process samplers + row counting.
//
// Throughput figures (all from exact row counts, never from the server's own claims):
// - sentPerS:     events the load generator handed to its sockets / sending time.
// - acceptedPerS: events the edge counted as accepted (its /metrics), else sent - rejected.
// - steadyLandedPerS: rows landed between 25% and 75% of the sending window / that time.
// - e2ePerS:      all rows landed / (first send -> last row visible, drain included).
import pg from 'pg';
import { startLoad, type LoadResult } from '../loadgen/index.js';
import { startProbe, splitAtStream, type LatencyStats } from './latency-probe.js';
import { sampleProcess, rssMb, type ProcStats, type ProcSampler } from './proc-stats.js';
import { countRows } from './stack.js';
import { startCpuWindow, type CpuPerEvent } from './cpu-per-event.js';
import { checkLoadgen, type LoadgenCheck } from './loadgen-check.js';
import { scrapeCounters, acceptedFromCounters, storedFromMetrics } from './metrics-scrape.js';
import { sleep } from '../../src/localstack/process.js';
import type { FrameShape } from '../loadgen/events.js';

/** The drain wait gives up when the row count has not moved for this long. */
const STALL_MS = 10000;

export interface MeasureOptions {
  label: string;
  url: string;
  headers?: Record<string, string>;
  databaseUrl: string;
  clients: number;
  procs: number;
  durationMs: number;
  rate: number;
  /** Flat out: unacked frames per client (ack mode); 0 = fire and forget. */
  ackWindow: number;
  probeRate: number;
  shape?: FrameShape;
  logDir: string;
  /** Processes to sample: role name -> pid (withChildren for PostgreSQL). */
  processes: Record<string, { pid: number; withChildren?: boolean; untilDrained?: boolean }>;
  /** Port of the edge's /metrics, if it has one. */
  metricsPort?: number;
  /** Longest wait for the rows after sending stops. */
  drainTimeoutMs: number;
  /** Node flags of load-generator worker `w` (--cpu-prof). */
  loadgenNodeFlags?: (w: number) => string[];
  /** Pipeline runs: JetStream's store time of a message, to split latency at the stream. */
  storedAt?: (seq: number) => Promise<number | undefined>;
}

export interface MeasureResult {
  label: string;
  clients: number;
  connected: number;
  rate: number;
  durationS: number;
  load: Omit<LoadResult, 'pids' | 'workerCpuMs'>;
  sentPerS: number;
  accepted: number;
  acceptedSource: string;
  acceptedPerS: number;
  landed: number;
  steadyLandedPerS: number;
  /** Events stored in JetStream per second between 25% and 75% of the window (edge gauges; pipeline only). */
  steadyStoredPerS?: number;
  e2ePerS: number;
  drainMs: number;
  /** Accepted events not in the database when the drain wait ended. */
  missing: number;
  latency: LatencyStats;
  processes: Record<string, ProcStats | undefined>;
  /** CPU µs per landed event of every process, load start to drain end (cpu-per-event.ts). */
  cpu: CpuPerEvent;
  /** Whether the load generator, not the server, may have set the pace (loadgen-check.ts). */
  loadgen: LoadgenCheck;
}

export async function measure(o: MeasureOptions): Promise<MeasureResult> {
  const runId = `${o.label}-${Date.now().toString(36)}`;
  const db = new pg.Client({ connectionString: o.databaseUrl, application_name: 'bench-counter' });
  await db.connect();
  try {
    const load = startLoad({
      url: o.url,
      headers: o.headers,
      clients: o.clients,
      procs: o.procs,
      durationMs: o.durationMs,
      rate: o.rate,
      ackWindow: o.ackWindow,
      shape: o.shape,
      namePrefix: `bench ${o.label}`,
      logDir: o.logDir,
      nodeFlags: o.loadgenNodeFlags,
    });
    const probe = await startProbe({
      url: o.url,
      headers: o.headers,
      databaseUrl: o.databaseUrl,
      ratePerS: o.probeRate,
      runId,
    });
    const probeCharacter = `bench probe ${runId}`;
    let ready: Awaited<typeof load.ready>;
    try {
      ready = await load.ready;
    } catch (err) {
      await load.kill();
      throw err;
    }
    const before = o.metricsPort ? await scrapeCounters(o.metricsPort) : {};
    // Memory of the connections alone: every client connected, nothing sent yet.
    const connectedRss: Record<string, number | undefined> = {};
    for (const [name, p] of Object.entries(o.processes)) connectedRss[name] = rssMb(p.pid, p.withChildren);
    const samplers: Record<string, ProcSampler> = {};
    for (const [name, p] of Object.entries(o.processes))
      samplers[name] = sampleProcess(p.pid, { withChildren: p.withChildren, intervalMs: p.withChildren ? 1000 : 250 });
    load.pids.forEach((pid, i) => {
      samplers[`loadgen${i}`] = sampleProcess(pid);
    });

    const cpuWindow = startCpuWindow(o.processes);
    const benchCpu0 = process.cpuUsage();
    const t0 = Date.now();
    load.go();
    probe.start();
    // Exact counts at 25% and 75% of the sending window give the steady landed rate.
    // The edge's gauges at the same moments give the rate stored in JetStream, so a
    // shortfall shows where it is: edge -> JetStream, or JetStream -> TimescaleDB.
    const marks: { t: number; n: number; stored?: number }[] = [];
    const marker = (async () => {
      for (const f of [0.25, 0.75]) {
        await sleep(Math.max(0, t0 + f * o.durationMs - Date.now()));
        const t = Date.now();
        const [n, m] = await Promise.all([
          countRows(db, probeCharacter),
          o.metricsPort ? scrapeCounters(o.metricsPort, true) : Promise.resolve({}),
        ]);
        marks.push({ t, n, stored: storedFromMetrics(m) });
      }
    })();
    const loadResult = await load.done;
    await marker;
    const after = o.metricsPort ? await scrapeCounters(o.metricsPort) : {};
    const stats: MeasureResult['processes'] = {};
    for (const [name, p] of Object.entries(o.processes)) if (!p.untilDrained) stats[name] = samplers[name].stop();
    for (const name of Object.keys(samplers)) if (name.startsWith('loadgen')) stats[name] = samplers[name].stop();

    const rejected = Object.entries(loadResult.errors).reduce((a, [, v]) => a + v, 0);
    const fromMetrics = acceptedFromCounters(after);
    // The server's counter also counts the probe events sent so far; rows exclude them.
    const probesSent = probe.sent();
    const accepted = fromMetrics
      ? fromMetrics.value - (acceptedFromCounters(before)?.value ?? 0) - probesSent
      : loadResult.sentEvents - rejected;
    const acceptedSource = fromMetrics
      ? `server metric ${fromMetrics.name} (minus ${probesSent} probe events)`
      : 'client: sent - error replies';

    // Drain: poll the exact count until every accepted event landed, or it stalls.
    const sendEnd = t0 + loadResult.elapsedMs;
    let landed = 0;
    let landedAt = Date.now();
    let lastChange = Date.now();
    const deadline = Date.now() + o.drainTimeoutMs;
    for (;;) {
      const n = await countRows(db, probeCharacter);
      const now = Date.now();
      if (n !== landed) {
        landed = n;
        landedAt = now;
        lastChange = now;
      }
      if (landed >= accepted || now > deadline || now - lastChange > STALL_MS) break;
      await sleep(200);
    }
    const latency = await probe.finish(2000);
    if (o.storedAt) await splitAtStream(latency, probe.samples(), o.storedAt);
    for (const [name, p] of Object.entries(o.processes)) if (p.untilDrained) stats[name] = samplers[name].stop();
    const benchCpu = process.cpuUsage(benchCpu0);
    const cpu = cpuWindow.stop(landed, {
      ...Object.fromEntries(loadResult.workerCpuMs.map((ms, i) => [`loadgen${i}`, ms / 1000])),
      'bench (probe, row counts)': (benchCpu.user + benchCpu.system) / 1e6,
    });

    for (const [name, st] of Object.entries(stats))
      if (st && connectedRss[name] !== undefined) st.connectedRssMb = connectedRss[name];
    const sendS = loadResult.elapsedMs / 1000;
    const span = marks.length === 2 && marks[1].t > marks[0].t ? (marks[1].t - marks[0].t) / 1000 : 0;
    const steady = span ? (marks[1].n - marks[0].n) / span : 0;
    const steadyStored =
      span && marks[0].stored !== undefined && marks[1].stored !== undefined
        ? Math.round((marks[1].stored - marks[0].stored) / span)
        : undefined;
    const { pids: _pids, workerCpuMs: _cpu, ...loadOut } = loadResult;
    return {
      label: o.label,
      clients: o.clients,
      connected: ready.connected,
      rate: o.rate,
      durationS: sendS,
      load: loadOut,
      sentPerS: Math.round(loadResult.sentEvents / sendS),
      accepted,
      acceptedSource,
      acceptedPerS: Math.round(accepted / sendS),
      landed,
      steadyLandedPerS: Math.round(steady),
      steadyStoredPerS: steadyStored,
      e2ePerS: Math.round(landed / ((landedAt - t0) / 1000)),
      drainMs: Math.max(0, landedAt - sendEnd),
      missing: Math.max(0, accepted - landed),
      latency,
      processes: stats,
      cpu,
      loadgen: checkLoadgen({ ...loadResult, rate: o.rate, clients: o.clients }),
    };
  } finally {
    await db.end().catch(() => {});
  }
}
