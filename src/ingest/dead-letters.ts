// Dead letters: messages the consumer gave up on. Each goes to the `dead_letters`
// table (reason, raw payload, stream sequence, deliveries) AND is published on core
// NATS to `<prefix>.deadletter.<type>`: outside the stream's subjects
// (`<prefix>.{telemetry,spawn,rare}.>`), so it is never captured back into the log.
// Fix the cause, then re-publish the payload to its original subject to apply it.
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { PoisonCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { subjectType } from '../shared/subjects.js';
import type { InFlight } from './in-flight.js';

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

/** A message of a batch that is given up on, and why. */
export interface DeadMessage {
  readonly item: InFlight;
  readonly reason: string;
  readonly code: PoisonCode;
}

export interface RecordedDeadLetter extends DeadMessage {
  readonly letter: DeadLetter;
  /** False when the table already held it (redelivery after a crash, replay). */
  readonly isNew: boolean;
}

/** Records each message's dead letter, in order; `db` is the batch's own connection. */
export async function recordDeadLetters(
  db: pg.ClientBase,
  stream: string,
  dead: readonly DeadMessage[],
): Promise<RecordedDeadLetter[]> {
  const recorded: RecordedDeadLetter[] = [];
  for (const d of dead) {
    const letter = toLetter(stream, d.item, d.reason);
    recorded.push({ ...d, letter, isNew: await recordDeadLetter(db, letter) });
  }
  return recorded;
}

export interface DeadLetterOutlet {
  readonly nc: NatsConnection;
  readonly prefix: string;
  readonly log: Logger;
}

/**
 * Publishes recorded dead letters on the dead-letter subject and logs each. `new`:
 * only those the table did not hold yet (replay: the live consumer published the rest).
 */
export function announceDeadLetters(
  out: DeadLetterOutlet,
  letters: readonly RecordedDeadLetter[],
  which: 'all' | 'new',
): void {
  for (const { letter, isNew } of letters) {
    if (which === 'all' || isNew) publishDeadLetter(out.nc, out.prefix, letter);
    out.log.error(
      { stream_seq: letter.streamSeq, subject: letter.subject, deliveries: letter.deliveries, reason: letter.reason },
      'message dead-lettered',
    );
  }
}

function toLetter(stream: string, { msg }: InFlight, reason: string): DeadLetter {
  return {
    stream,
    streamSeq: msg.seq,
    subject: msg.subject,
    deliveries: msg.info.deliveryCount,
    reason,
    payload: msg.data,
  };
}
