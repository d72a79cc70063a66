// What the ingest role knows about itself, for /health and logs.
export interface LastBatch {
  events: number;
  ms: number;
  at: string;
}

export class IngestState {
  lastBatch: LastBatch | undefined;
  lastError: { message: string; at: string } | undefined;
  /** Start of the current streak of failed batch writes (undefined when the last write succeeded). */
  failingSince: number | undefined;
  private readonly startedAt = Date.now();
  /** Last batch settled (written and acked, dead letters included). */
  private lastProgressAt = 0;
  /** Last time the consumer was seen with nothing pending. */
  private idleAt = 0;

  batchWritten(events: number, ms: number): void {
    this.lastBatch = { events, ms: Math.round(ms * 10) / 10, at: new Date().toISOString() };
    this.failingSince = undefined;
    this.lastProgressAt = Date.now();
  }

  /** Notes what the consumer reports: a consumer with nothing pending is idle, not stalled. */
  observeLag(pending: number, ackPending: number): void {
    if (pending + ackPending === 0) this.idleAt = Date.now();
  }

  /** How long messages have waited with no batch settled (0 when none wait). */
  stalledForMs(pending: number, now = Date.now()): number {
    return pending === 0 ? 0 : now - Math.max(this.startedAt, this.lastProgressAt, this.idleAt);
  }

  writeFailed(message: string): void {
    this.lastError = { message, at: new Date().toISOString() };
    this.failingSince ??= Date.now();
  }

  consumerError(message: string): void {
    this.lastError = { message: `consumer: ${message}`, at: new Date().toISOString() };
  }
}
