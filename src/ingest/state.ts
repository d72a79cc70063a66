// What the ingest role knows about itself, for /health and logs.
export interface LastBatch { events: number; ms: number; at: string }

export class IngestState {
  lastBatch: LastBatch | undefined;
  lastError: { message: string; at: string } | undefined;
  /** Start of the current streak of failed batch writes (undefined when the last write succeeded). */
  failingSince: number | undefined;
  lag: { pending: number; ackPending: number; at: string } | undefined;

  batchWritten(events: number, ms: number): void {
    this.lastBatch = { events, ms: Math.round(ms * 10) / 10, at: new Date().toISOString() };
    this.failingSince = undefined;
  }

  writeFailed(message: string): void {
    this.lastError = { message, at: new Date().toISOString() };
    this.failingSince ??= Date.now();
  }

  consumerError(message: string): void {
    this.lastError = { message: `consumer: ${message}`, at: new Date().toISOString() };
  }
}
