// What happens to one batch, in order: apply it (isolating refused messages), record
// dead letters, and only when all of that is durable in PostgreSQL, settle the
// messages with JetStream (ack / nak / term). A transient database error anywhere
// throws before any message is settled: the caller retries the same batch later, and
// because every write is idempotent the retry may safely redo what already committed.
import type { NatsConnection } from '@nats-io/transport-node';
import type { JsMsg } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { decodeMessage, type DecodedMessage, type DecodeLimits } from './decode.js';
import { PoisonError, PoisonCodes, errorMessage, type PoisonCode } from '../shared/errors.js';
import { applyIsolating, type Applier } from './isolate.js';
import { publishDeadLetter, recordDeadLetter, type DeadLetter } from './dead-letters.js';
import type { IngestMetrics } from './metrics.js';

/** A message of the current batch, decoded once (bisecting re-uses the rows). */
export interface InFlight {
  readonly msg: JsMsg;
  readonly decoded?: DecodedMessage;
  /** Why the message can never be applied (set instead of `decoded`). */
  readonly poison?: string;
  readonly poisonCode?: PoisonCode;
  /** Events it carries (at least 1, for batch sizing). */
  readonly size: number;
}

/** Never throws: whatever is wrong with one message stays with that message. */
export function toInFlight(limits: DecodeLimits, msg: JsMsg): InFlight {
  try {
    const decoded = decodeMessage(limits, msg.subject, msg.data, msg.seq);
    return { msg, decoded, size: Math.max(1, decoded.rows.length) };
  } catch (err) {
    if (err instanceof PoisonError) return { msg, poison: err.reason, poisonCode: err.code, size: 1 };
    return {
      msg,
      poison: `${PoisonCodes.decodeFailed}: ${errorMessage(err)}`,
      poisonCode: PoisonCodes.decodeFailed,
      size: 1,
    };
  }
}

export interface BatchContext extends DecodeLimits {
  readonly nc: NatsConnection;
  readonly pool: pg.Pool;
  readonly log: Logger;
  readonly metrics?: IngestMetrics;
  readonly stream: string;
  readonly applier: Applier;
  /** Deliveries after which a message the database refused is dead-lettered (1 = at once). */
  readonly maxDeliver: number;
  readonly nakDelayMs: number;
  /** false for replay: its ordered consumer needs no acks, and a dead letter already
   *  recorded by the live consumer is not published again. */
  readonly settle: boolean;
  /** Test-only fault hook, called after COMMIT and before any ack. */
  readonly afterCommit?: () => void;
}

export interface BatchOutcome {
  events: number;
  inserted: number;
  duplicates: number;
  deadLettered: number;
}

export async function writeBatch(ctx: BatchContext, items: readonly InFlight[]): Promise<BatchOutcome> {
  const good = items.filter((i): i is InFlight & { decoded: DecodedMessage } => i.decoded !== undefined);
  const iso = await applyIsolating(ctx.applier, good);

  const dead: { item: InFlight; reason: string; code: PoisonCode }[] = items
    .filter((i) => i.poison !== undefined)
    .map((item) => ({ item, reason: item.poison!, code: item.poisonCode ?? PoisonCodes.decodeFailed }));
  const retry: InFlight[] = [];
  for (const r of iso.refused) {
    if (r.item.msg.info.deliveryCount >= ctx.maxDeliver)
      dead.push({ ...r, reason: `${PoisonCodes.databaseRefused}: ${r.reason}`, code: PoisonCodes.databaseRefused });
    else retry.push(r.item);
  }
  const letters = dead.map(({ item, reason }) => ({ item, letter: toLetter(ctx.stream, item.msg, reason) }));
  const isNew: boolean[] = [];
  for (const { letter } of letters) isNew.push(await recordDeadLetter(ctx.pool, letter));

  if (iso.applied.length > 0) ctx.afterCommit?.();

  // Everything above is committed: now tell JetStream.
  for (const [i, { item, letter }] of letters.entries()) {
    if (ctx.settle || isNew[i]) publishDeadLetter(ctx.nc, ctx.prefix, letter);
    ctx.log.error(
      { stream_seq: letter.streamSeq, subject: letter.subject, deliveries: letter.deliveries, reason: letter.reason },
      'message dead-lettered',
    );
    if (ctx.settle) item.msg.term();
  }
  for (const item of retry) {
    ctx.log.warn(
      { stream_seq: item.msg.seq, deliveries: item.msg.info.deliveryCount },
      'message refused by the database; redelivering later',
    );
    if (ctx.settle) item.msg.nak(ctx.nakDelayMs);
  }
  if (ctx.settle) for (const item of iso.applied) item.msg.ack();

  const events = Object.values(iso.counts.events).reduce((a, b) => a + b, 0);
  const inserted = Object.values(iso.counts.inserted).reduce((a, b) => a + b, 0);
  const m = ctx.metrics;
  if (m) {
    for (const [table, n] of Object.entries(iso.counts.inserted)) {
      m.events.inc({ table }, n);
      m.duplicates.inc({ table }, (iso.counts.events[table] ?? 0) - n);
    }
    if (letters.length) m.deadLetters.inc(letters.length);
    for (const d of dead) m.isolated.inc({ reason: d.code });
    if (iso.refused.length) m.errors.inc({ kind: 'data' }, iso.refused.length);
    const poisoned = items.length - good.length;
    if (poisoned) m.errors.inc({ kind: 'poison' }, poisoned);
  }
  return { events, inserted, duplicates: events - inserted, deadLettered: letters.length };
}

function toLetter(stream: string, msg: JsMsg, reason: string): DeadLetter {
  return {
    stream,
    streamSeq: msg.seq,
    subject: msg.subject,
    deliveries: msg.info.deliveryCount,
    reason,
    payload: msg.data,
  };
}
