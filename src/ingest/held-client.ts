// A pool client held for one batch: its transactions and its dead letters go over one
// connection (docs/ingest.md "How it works": one connection per writer).
// A checked-out client whose connection dies ALSO emits 'error' (besides failing its
// query); the pool listens only to idle clients, so without the listener here the
// process would crash. A client that failed for a transient reason is discarded on
// release rather than handed to the next batch.
import type pg from 'pg';
import { classify } from '../shared/errors.js';

export class HeldClient {
  private broken: Error | undefined;
  private readonly onError = (err: Error) => {
    this.broken = err;
  };

  private constructor(readonly client: pg.PoolClient) {
    client.on('error', this.onError);
  }

  static async checkOut(pool: pg.Pool): Promise<HeldClient> {
    return new HeldClient(await pool.connect());
  }

  /** Notes a failure of work on the client: a transient one leaves the connection unusable. */
  failed(err: unknown): void {
    if (classify(err) === 'transient') this.broken ??= err as Error;
  }

  release(): void {
    this.client.off('error', this.onError);
    this.client.release(this.broken);
  }
}
