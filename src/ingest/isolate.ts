// One bad row fails a whole COPY (docs/dependencies.md "pg-copy-streams"). When the database refuses a
// batch for a DATA reason, split it in halves and apply each half on its own, down to
// single messages: the good ones are applied, the refused ones are returned with the
// database's reason. Transient errors (connection lost, …) are not data: they are
// thrown unchanged so the caller keeps the whole batch and retries later.
// Cost: about 2·log2(n) extra transactions per bad message; none when all is well.
import type pg from 'pg';
import { applyBatch, type ApplyCounts, type ApplyOptions } from './apply.js';
import type { DecodedMessage } from './decode.js';
import { classify, errorMessage, isDataError } from '../shared/errors.js';
import { bisect } from './bisect.js';

export interface Isolated<T> {
  applied: T[];
  refused: { item: T; reason: string }[];
  /** Sum over the transactions that committed. */
  counts: ApplyCounts;
}

export type Applier = (items: readonly DecodedMessage[]) => Promise<ApplyCounts>;

/** Runs applyBatch on a pool client; a client that failed for a transient reason is discarded. */
export function poolApplier(pool: pg.Pool, opts: ApplyOptions): Applier {
  return async (items) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client whose connection dies ALSO emits 'error' (besides failing its
    // query); the pool listens only to idle clients, so without this the process crashes.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await applyBatch(client, items, opts);
    } catch (err) {
      if (classify(err) === 'transient') broken ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  };
}

export async function applyIsolating<T extends { decoded: DecodedMessage }>(
  apply: Applier,
  items: readonly T[],
): Promise<Isolated<T>> {
  const { applied, results, refused } = await bisect(items, (batch) => apply(batch.map((i) => i.decoded)), isDataError);
  const counts: ApplyCounts = { events: {}, inserted: {} };
  for (const c of results) {
    add(counts.events, c.events);
    add(counts.inserted, c.inserted);
  }
  return {
    applied,
    refused: refused.map(({ item, error }) => ({
      item,
      reason: `database refused the message: ${errorMessage(error)}`,
    })),
    counts,
  };
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
