// Orchestrator side of the load generator: splits clients over worker processes,
// starts them together, and sums their counts. It never paces them: what bounds the
// load is in the worker (worker.ts, docs/benchmarks.md "The load generator").
import { join } from 'node:path';
import { benchModule, spawnNode, type Child } from '../lib/children.js';
import { DEFAULT_SHAPE, type FrameShape } from './events.js';
import { zeroCounts, type Stalls, type FromWorker, type ToWorker, type WorkerResult } from './protocol.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  clients: number;
  procs: number;
  durationMs: number;
  /** Total events/s over all clients, sent on schedule (open loop); 0 = flat out. */
  rate: number;
  /** Flat out: unacked frames per client in ack mode (protocol.ts WorkerJob.ackWindow); 0 = fire and forget. */
  ackWindow: number;
  shape?: FrameShape;
  namePrefix: string;
  logDir: string;
  /** Node flags of worker `w` (e.g. --cpu-prof and its directory). */
  nodeFlags?: (w: number) => string[];
}

export interface LoadResult extends Omit<WorkerResult, 'workerId'> {
  clients: number;
  /** Worker PIDs (for CPU accounting of the load generator itself). */
  pids: number[];
  /** Each worker's own CPU over its sending phase, ms. */
  workerCpuMs: number[];
}

export interface RunningLoad {
  /** Resolves when every client is connected; call go() after. */
  ready: Promise<{ connected: number; failures: number }>;
  go(): void;
  done: Promise<LoadResult>;
  pids: number[];
  kill(): Promise<void>;
}

export function startLoad(o: LoadOptions): RunningLoad {
  const procs = Math.max(1, Math.min(o.procs, o.clients));
  const workers: Child[] = [];
  const readies: Promise<{ clients: number; failures: number }>[] = [];
  const results: Promise<WorkerResult>[] = [];
  for (let w = 0; w < procs; w++) {
    const clients = Math.floor(o.clients / procs) + (w < o.clients % procs ? 1 : 0);
    const child = spawnNode(`loadgen-${w}`, benchModule('loadgen/worker'), {
      ipc: true,
      nodeFlags: o.nodeFlags?.(w),
      logFile: join(o.logDir, `loadgen-${w}.log`),
    });
    workers.push(child);
    const msgs = new Map<string, (m: FromWorker) => void>();
    const failed = new Promise<never>((_, reject) => {
      child.proc.on('exit', () => setTimeout(() => reject(new Error(child.exited() ?? 'load generator exited')), 50));
      child.proc.on('message', (m: FromWorker) => {
        if (m.kind === 'fatal') reject(new Error(`loadgen-${w}: ${m.message}`));
        msgs.get(m.kind)?.(m);
      });
    });
    failed.catch(() => {});
    readies.push(
      Promise.race([
        failed,
        new Promise<{ clients: number; failures: number }>((r) =>
          msgs.set('connected', (m) => m.kind === 'connected' && r(m)),
        ),
      ]),
    );
    results.push(
      Promise.race([
        failed,
        new Promise<WorkerResult>((r) => msgs.set('result', (m) => m.kind === 'result' && r(m.result))),
      ]),
    );
    const job: ToWorker = {
      kind: 'job',
      job: {
        workerId: w,
        url: o.url,
        headers: o.headers ?? {},
        clients,
        durationMs: o.durationMs,
        ratePerClient: o.rate > 0 ? o.rate / o.clients : 0,
        ackWindow: o.ackWindow,
        shape: o.shape ?? DEFAULT_SHAPE,
        namePrefix: o.namePrefix,
      },
    };
    child.proc.send(job);
  }
  const ready = Promise.all(readies).then((rs) => ({
    connected: rs.reduce((a, r) => a + r.clients, 0),
    failures: rs.reduce((a, r) => a + r.failures, 0),
  }));
  const done = Promise.all(results).then((rs) =>
    sumResults(
      rs,
      o.clients,
      workers.map((w) => w.pid),
    ),
  );
  return {
    ready,
    done,
    pids: workers.map((w) => w.pid),
    go: () => {
      for (const w of workers) tell(w, { kind: 'go' });
    },
    kill: async () => {
      await Promise.all(workers.map((w) => w.stop(5000)));
    },
  };
}

/** IPC to a worker that may have finished (and disconnected) already. */
function tell(w: Child, m: ToWorker): void {
  if (w.exited() || !w.proc.connected) return;
  w.proc.send(m, (err) => {
    if (err) {
      /* worker gone: nothing to tell */
    }
  });
}

function sumResults(rs: WorkerResult[], clients: number, pids: number[]): LoadResult {
  const out: LoadResult = { clients, pids, workerCpuMs: rs.map((r) => r.cpuMs), ...zeroCounts() };
  for (const r of rs) {
    out.sentEvents += r.sentEvents;
    out.sentFrames += r.sentFrames;
    out.sentBytes += r.sentBytes;
    out.connectFailures += r.connectFailures;
    out.finalReplies += r.finalReplies;
    out.cpuMs += r.cpuMs;
    out.elapsedMs = Math.max(out.elapsedMs, r.elapsedMs);
    for (const [k, v] of Object.entries(r.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.closes)) out.closes[k] = (out.closes[k] ?? 0) + v;
    // Sums; maxLagEvents becomes an upper bound (the workers' worst ticks need not coincide).
    for (const k of Object.keys(out.stalls) as (keyof Stalls)[]) out.stalls[k] += r.stalls[k];
  }
  return out;
}
