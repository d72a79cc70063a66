// Orchestrator side of the load generator: splits clients over worker processes,
// starts them together, and sums their counts.
import { join } from 'node:path';
import { benchModule, spawnNode, type Child } from '../lib/children.js';
import { DEFAULT_SHAPE, type FrameShape } from './events.js';
import { zeroCounts, type FromWorker, type ToWorker, type WorkerResult } from './protocol.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  clients: number;
  procs: number;
  durationMs: number;
  /** Total events/s over all clients; 0 = flat out. */
  rate: number;
  shape?: FrameShape;
  namePrefix: string;
  logDir: string;
  /**
   * Closed loop: how many events the load may run ahead of what the server reports as
   * accepted (`accepted()`), polled every PACE_MS. Without it, flat-out clients fill
   * kernel socket buffers (megabytes per connection) with events nobody has read yet.
   */
  pacing?: { aheadEvents: number; accepted: () => Promise<number | undefined> };
}

// Each poll renders the server's whole /metrics (prom-client default metrics read /proc):
// at 100 ms that was ~4% of the edge's busy time in the latency profile.
const PACE_MS = 250;
const AHEAD_S = 1;
const INITIAL_AHEAD = 50000;

export interface LoadResult extends Omit<WorkerResult, 'workerId'> {
  clients: number;
  /** Worker PIDs (for CPU accounting of the load generator itself). */
  pids: number[];
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
  const initialAhead = o.pacing ? Math.min(o.pacing.aheadEvents, INITIAL_AHEAD) : 0;
  const workers: Child[] = [];
  const shares: number[] = [];
  const readies: Promise<{ clients: number; failures: number }>[] = [];
  const results: Promise<WorkerResult>[] = [];
  for (let w = 0; w < procs; w++) {
    const clients = Math.floor(o.clients / procs) + (w < o.clients % procs ? 1 : 0);
    shares.push(clients);
    const child = spawnNode(`loadgen-${w}`, benchModule('loadgen/worker'), {
      ipc: true,
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
        shape: o.shape ?? DEFAULT_SHAPE,
        namePrefix: o.namePrefix,
        initialCap: o.pacing ? Math.ceil((initialAhead * clients) / o.clients) : Number.MAX_SAFE_INTEGER,
      },
    };
    child.proc.send(job);
  }
  const ready = Promise.all(readies).then((rs) => ({
    connected: rs.reduce((a, r) => a + r.clients, 0),
    failures: rs.reduce((a, r) => a + r.failures, 0),
  }));
  let pacing = false;
  // The allowance follows the server: about AHEAD_S of its measured accept rate, within
  // [INITIAL_AHEAD, aheadEvents], so a slow server (the naive baseline) is not buried.
  const pace = async () => {
    let last: { t: number; n: number } | undefined;
    let ratePerS = 0;
    while (pacing) {
      const accepted = await o.pacing!.accepted().catch(() => undefined);
      if (accepted !== undefined) {
        const t = Date.now();
        if (last && t > last.t) ratePerS = 0.7 * ratePerS + 0.3 * (((accepted - last.n) * 1000) / (t - last.t));
        last = { t, n: accepted };
        // Never below the initial allowance: that would stall clients until the server
        // caught up with a burst it is not even measuring yet.
        const ahead = Math.max(initialAhead, Math.min(o.pacing!.aheadEvents, ratePerS * AHEAD_S));
        if (process.env.BENCH_DEBUG)
          process.stderr.write(`[pace] accepted ${accepted} rate ${Math.round(ratePerS)} ahead ${Math.round(ahead)}\n`);
        workers.forEach((w, i) => {
          tell(w, { kind: 'cap', cap: Math.ceil(((accepted + ahead) * shares[i]) / o.clients) });
        });
      }
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
  };
  const done = Promise.all(results)
    .then((rs) =>
      sumResults(
        rs,
        o.clients,
        workers.map((w) => w.pid),
      ),
    )
    .finally(() => {
      pacing = false;
    });
  return {
    ready,
    done,
    pids: workers.map((w) => w.pid),
    go: () => {
      for (const w of workers) tell(w, { kind: 'go' });
      if (o.pacing) {
        pacing = true;
        void pace();
      }
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
      /* worker gone: nothing to pace */
    }
  });
}

function sumResults(rs: WorkerResult[], clients: number, pids: number[]): LoadResult {
  const out: LoadResult = { clients, pids, ...zeroCounts() };
  for (const r of rs) {
    out.sentEvents += r.sentEvents;
    out.sentFrames += r.sentFrames;
    out.sentBytes += r.sentBytes;
    out.connectFailures += r.connectFailures;
    out.elapsedMs = Math.max(out.elapsedMs, r.elapsedMs);
    for (const [k, v] of Object.entries(r.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.closes)) out.closes[k] = (out.closes[k] ?? 0) + v;
  }
  return out;
}
