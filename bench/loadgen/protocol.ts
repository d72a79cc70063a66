// Messages between the bench orchestrator and a load-generator worker process (IPC).
import type { FrameShape } from './events.js';

export interface WorkerJob {
  workerId: number;
  /** ws:// URL of the ingest endpoint. */
  url: string;
  headers: Record<string, string>;
  clients: number;
  durationMs: number;
  /** Events/s per client; 0 = flat out (each client keeps its socket buffer topped up). */
  ratePerClient: number;
  shape: FrameShape;
  /** Prefix of character names; each client is one character. */
  namePrefix: string;
  /** Most events this worker may send until a `cap` message raises it (see index.ts). */
  initialCap: number;
}

export interface WorkerResult {
  workerId: number;
  /** Events handed to the socket. */
  sentEvents: number;
  sentFrames: number;
  sentBytes: number;
  /** Error replies by code (each names one rejected event or frame). */
  errors: Record<string, number>;
  /** Connections closed by the server while running, by close code. */
  closes: Record<string, number>;
  connectFailures: number;
  /** Wall time of the sending phase. */
  elapsedMs: number;
}

/** A result before anything was sent: what a worker starts from and the totals sum onto. */
export const zeroCounts = (): Omit<WorkerResult, 'workerId'> => ({
  sentEvents: 0,
  sentFrames: 0,
  sentBytes: 0,
  errors: {},
  closes: {},
  connectFailures: 0,
  elapsedMs: 0,
});

export type ToWorker = { kind: 'job'; job: WorkerJob } | { kind: 'go' } | { kind: 'cap'; cap: number };
export type FromWorker =
  | { kind: 'connected'; clients: number; failures: number }
  | { kind: 'result'; result: WorkerResult }
  | { kind: 'fatal'; message: string };
