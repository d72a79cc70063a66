// Dead letters: messages the consumer gave up on. Each goes to the `dead_letters`
// table (reason, raw payload, stream sequence, deliveries) AND is published on core
// NATS to `<prefix>.deadletter.<type>`: outside the stream's subjects
// (`<prefix>.{telemetry,spawn,rare}.>`), so it is never captured back into the log.
// Fix the cause, then re-publish the payload to its original subject to apply it.
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { subjectType } from '../shared/subjects.js';

export interface DeadLetter {
  readonly stream: string;
  readonly streamSeq: number;
  readonly subject: string;
  readonly deliveries: number;
  readonly reason: string;
  readonly payload: Uint8Array;
}

export const deadLetterSubject = (prefix: string, subject: string): string =>
  `${prefix}.deadletter.${subjectType(prefix, subject) ?? 'unknown'}`;

/**
 * Records a dead letter; idempotent on (stream, stream_seq). Returns true when the row
 * is new (a redelivery after a crash, or a replay, finds it already there).
 */
export async function recordDeadLetter(db: pg.ClientBase | pg.Pool, d: DeadLetter): Promise<boolean> {
  const res = await db.query(
    `insert into dead_letters (stream, stream_seq, subject, deliveries, reason, payload)
     values ($1, $2, $3, $4, $5, $6) on conflict (stream, stream_seq) do nothing`,
    [
      d.stream,
      d.streamSeq,
      d.subject,
      d.deliveries,
      d.reason,
      Buffer.from(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength),
    ],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Core NATS publish (fire-and-forget; the table row is the durable record). */
export function publishDeadLetter(nc: NatsConnection, prefix: string, d: DeadLetter): void {
  const h = headers();
  h.set('Tracker-Reason', d.reason.replace(/[\r\n]+/g, ' ').slice(0, 1024));
  h.set('Tracker-Stream', d.stream);
  h.set('Tracker-Stream-Seq', String(d.streamSeq));
  h.set('Tracker-Subject', d.subject);
  h.set('Tracker-Deliveries', String(d.deliveries));
  try {
    nc.publish(deadLetterSubject(prefix, d.subject), d.payload, { headers: h });
  } catch {
    /* connection closed: the table row remains */
  }
}
