// Messages between the bench orchestrator and a load-generator worker process (IPC).
import type { FrameShape } from './events.js';

export interface WorkerJob {
  workerId: number;
  /** ws:// URL of the ingest endpoint. */
  url: string;
  headers: Record<string, string>;
  clients: number;
  durationMs: number;
  /**
   * Events/s per client, sent on schedule whatever the server does (open loop); 0 = flat
   * out: each client sends while its socket takes data (docs/benchmarks.md "The load generator").
   */
  ratePerClient: number;
  /**
   * Flat out: frames a client may have unacked (ack mode, `?ack=1`, docs/protocol.md
   * "Acks"); 0 = fire and forget, bounded by the socket alone. On loopback the kernel's
   * socket buffers take megabytes per connection before `bufferedAmount` grows, so
   * without a window "sent" means little and the backlog outlives the run.
   */
  ackWindow: number;
  shape: FrameShape;
  /** Prefix of character names; each client is one character. */
  namePrefix: string;
}

/**
 * Where the generator's clients waited, summed over clients (client-milliseconds), so
 * a report can tell a server that pushed back from a generator that was the bottleneck.
 */
export interface Stalls {
  /** Waits for the socket to flush (ws `bufferedAmount` over the high-water mark): the server's TCP back-pressure. */
  backpressureWaits: number;
  backpressureMs: number;
  /** Flat out in ack mode: waits with the window of unacked frames full (the generator's own bound; the server had not acked yet). */
  windowWaits: number;
  windowMs: number;
  /** Pauses honouring a refusal (`rate_limited` retry_after_ms, `unavailable`): the server's own limits. Flat out only. */
  refusalPauses: number;
  refusalPausedMs: number;
  /** Paced only: events due by the schedule at its last tick (rate × time). */
  dueEvents: number;
  /** Paced only: the most events the generator was ever behind its schedule (at a tick). */
  maxLagEvents: number;
  /** Paced only: ticks that fired more than one tick late (the generator's own event loop was busy or starved). */
  lateTicks: number;
  ticks: number;
}

export interface WorkerResult {
  workerId: number;
  /** Events handed to the socket. */
  sentEvents: number;
  sentFrames: number;
  sentBytes: number;
  /** Error replies by code (each names one rejected event or frame). */
  errors: Record<string, number>;
  /** Ack mode: frames that got their final reply (an ack, or a refusal of the whole frame). */
  finalReplies: number;
  /** Connections closed by the server while running, by close code. */
  closes: Record<string, number>;
  connectFailures: number;
  /** Wall time of the sending phase. */
  elapsedMs: number;
  /** The worker's own CPU (process.cpuUsage) over the sending phase, ms. */
  cpuMs: number;
  stalls: Stalls;
}

export const zeroStalls = (): Stalls => ({
  backpressureWaits: 0,
  backpressureMs: 0,
  windowWaits: 0,
  windowMs: 0,
  refusalPauses: 0,
  refusalPausedMs: 0,
  dueEvents: 0,
  maxLagEvents: 0,
  lateTicks: 0,
  ticks: 0,
});

/** A result before anything was sent: what a worker starts from and the totals sum onto. */
export const zeroCounts = (): Omit<WorkerResult, 'workerId'> => ({
  sentEvents: 0,
  sentFrames: 0,
  sentBytes: 0,
  errors: {},
  finalReplies: 0,
  closes: {},
  connectFailures: 0,
  elapsedMs: 0,
  cpuMs: 0,
  stalls: zeroStalls(),
});

export type ToWorker = { kind: 'job'; job: WorkerJob } | { kind: 'go' };
export type FromWorker =
  | { kind: 'connected'; clients: number; failures: number }
  | { kind: 'result'; result: WorkerResult }
  | { kind: 'fatal'; message: string };
