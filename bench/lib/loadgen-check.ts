// Was the load generator the bottleneck of a run? A flat-out run measures the server
// only if the server pushed back (its sockets stopped taking data, or it refused frames)
// for most of the clients' time; a paced run only if the generator kept its schedule.
// Either way a worker near a full core is suspect. docs/benchmarks.md "The load generator".
import type { Stalls } from '../loadgen/protocol.js';

/** A worker busier than this share of one core may be what limits the run. */
export const LOADGEN_CPU_LIMIT_PCT = 85;
/** Flat out: the server should hold the clients back at least this share of their time. */
export const MIN_PUSHBACK_SHARE = 0.5;
/** Paced: sent below this share of what was due means the generator fell behind. */
export const MIN_SCHEDULE_SHARE = 0.98;

export interface LoadgenCheck {
  /** Each worker's CPU over its sending window, in % of one core. */
  workerCpuPct: number[];
  /** Flat out: share of client time spent waiting on the socket or the ack window, or paused by a refusal. */
  pushbackShare?: number;
  /** Paced: events sent / events due. */
  scheduleShare?: number;
  /** Why the generator may have been the bottleneck (empty: it did its job). */
  flags: string[];
}

export interface LoadFigures {
  clients: number;
  rate: number;
  elapsedMs: number;
  sentEvents: number;
  stalls: Stalls;
  workerCpuMs: number[];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function checkLoadgen(l: LoadFigures): LoadgenCheck {
  const workerCpuPct = l.workerCpuMs.map((ms) => (l.elapsedMs > 0 ? Math.round((ms / l.elapsedMs) * 1000) / 10 : 0));
  const flags: string[] = [];
  workerCpuPct.forEach((c, i) => {
    if (c >= LOADGEN_CPU_LIMIT_PCT) flags.push(`loadgen-${i} at ${c}% of a core`);
  });
  const out: LoadgenCheck = { workerCpuPct, flags };
  const clientMs = l.clients * l.elapsedMs;
  if (l.rate === 0 && clientMs > 0) {
    // Waiting on a full ack window is waiting for the server too: it had not stored them yet.
    const share = (l.stalls.backpressureMs + l.stalls.windowMs + l.stalls.refusalPausedMs) / clientMs;
    out.pushbackShare = Math.round(share * 1000) / 1000;
    if (share < MIN_PUSHBACK_SHARE)
      flags.push(`server pushed back only ${pct(share)} of client time: the generator set the pace`);
  }
  if (l.rate > 0 && l.stalls.dueEvents > 0) {
    const share = l.sentEvents / l.stalls.dueEvents;
    out.scheduleShare = Math.round(share * 1000) / 1000;
    if (share < MIN_SCHEDULE_SHARE) flags.push(`sent ${pct(share)} of the events due: the generator fell behind`);
  }
  return out;
}
