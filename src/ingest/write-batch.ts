// The transaction step of ingest (docs/ingest.md "How it works"), shared by the live
// loop and replay: apply the batch in one transaction (bisecting it when the database
// refuses its content) and record its dead letters, on one connection. Once this
// resolves all of that is committed, and only then may the caller settle the messages
// with JetStream (ack.ts). A transient database error throws before anything is
// settled: the caller retries the same batch, and because every write is idempotent the
// retry may safely redo what already committed ("Exactly-once effect").
import type pg from 'pg';
import { PoisonCodes, errorMessage, isDataError } from '../shared/errors.js';
import { applyBatch, type ApplyCounts, type ApplyOptions } from './apply.js';
import { bisect } from './bisect.js';
import { recordDeadLetters, type DeadMessage, type RecordedDeadLetter } from './dead-letters.js';
import { HeldClient } from './held-client.js';
import { isDecoded, type DecodedInFlight, type InFlight } from './in-flight.js';

export interface WriteOptions {
  readonly pool: pg.Pool;
  readonly stream: string;
  readonly apply: ApplyOptions;
  /** Deliveries after which a message the database refused is dead-lettered (1 = at once). */
  readonly maxDeliver: number;
}

/** A batch whose writes are committed, and what remains to tell JetStream. */
export interface WrittenBatch {
  /** Applied: to ack. */
  readonly applied: readonly InFlight[];
  /** Refused by the database with deliveries left: to nak (redelivered later). */
  readonly redeliver: readonly InFlight[];
  /** Recorded in dead_letters: to term. */
  readonly deadLetters: readonly RecordedDeadLetter[];
  /** Messages the database refused (redelivered or dead-lettered). */
  readonly refused: number;
  /** Per table, summed over the committed transactions. */
  readonly counts: ApplyCounts;
  /** How long writing took (transactions, bisecting, dead letters). */
  readonly ms: number;
}

export async function writeBatch(ctx: WriteOptions, items: readonly InFlight[]): Promise<WrittenBatch> {
  const started = performance.now();
  const db = await HeldClient.checkOut(ctx.pool);
  try {
    const { applied, results, refused } = await bisect(
      items.filter(isDecoded),
      (batch) =>
        applyBatch(
          db.client,
          batch.map((i) => i.decoded),
          ctx.apply,
        ),
      isDataError,
    );
    const { dead, redeliver } = verdicts(items, refused, ctx.maxDeliver);
    const deadLetters = await recordDeadLetters(db.client, ctx.stream, dead);
    const counts = sumCounts(results);
    return { applied, redeliver, deadLetters, refused: refused.length, counts, ms: performance.now() - started };
  } catch (err) {
    db.failed(err);
    throw err;
  } finally {
    db.release();
  }
}

/** Events and new rows of a written batch, over all tables. */
export function batchTotals(w: WrittenBatch): { events: number; inserted: number } {
  const sum = (byTable: Record<string, number>) => Object.values(byTable).reduce((a, b) => a + b, 0);
  return { events: sum(w.counts.events), inserted: sum(w.counts.inserted) };
}

/** Undecodable messages are dead-lettered at once; refused ones on their maxDeliver-th delivery. */
function verdicts(
  items: readonly InFlight[],
  refused: readonly { item: DecodedInFlight; error: unknown }[],
  maxDeliver: number,
): { dead: DeadMessage[]; redeliver: InFlight[] } {
  const dead: DeadMessage[] = items
    .filter((item) => item.poison !== undefined)
    .map((item) => ({ item, reason: item.poison!, code: item.poisonCode ?? PoisonCodes.decodeFailed }));
  const redeliver: InFlight[] = [];
  for (const { item, error } of refused) {
    if (item.msg.info.deliveryCount < maxDeliver) redeliver.push(item);
    else
      dead.push({
        item,
        reason: `${PoisonCodes.databaseRefused}: database refused the message: ${errorMessage(error)}`,
        code: PoisonCodes.databaseRefused,
      });
  }
  return { dead, redeliver };
}

function sumCounts(results: readonly ApplyCounts[]): ApplyCounts {
  const total: ApplyCounts = { events: {}, inserted: {} };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [table, n] of Object.entries(from)) into[table] = (into[table] ?? 0) + n;
  };
  for (const c of results) {
    add(total.events, c.events);
    add(total.inserted, c.inserted);
  }
  return total;
}
