// The ack step of ingest (docs/ingest.md "How it works"): settles a batch with JetStream.
// Called only once writeBatch resolved, i.e. after COMMIT and after the dead letters
// are recorded: a crash before this only causes a redelivery, which the idempotent
// apply skips (docs/ingest.md "Exactly-once effect").
import { announceDeadLetters, type DeadLetterOutlet } from './dead-letters.js';
import type { WrittenBatch } from './write-batch.js';

export function ackBatch(out: DeadLetterOutlet, written: WrittenBatch, nakDelayMs: number): void {
  announceDeadLetters(out, written.deadLetters, 'all');
  for (const { item } of written.deadLetters) item.msg.term();
  for (const item of written.redeliver) {
    out.log.warn(
      { stream_seq: item.msg.seq, deliveries: item.msg.info.deliveryCount },
      'message refused by the database; redelivering later',
    );
    item.msg.nak(nakDelayMs);
  }
  for (const item of written.applied) item.msg.ack();
}
