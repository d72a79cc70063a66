// Ack mode (`?ack=1`, docs/protocol.md): one tracker per frame counts its events until
// all are stored, then the connection gets `{"type":"ack",…}`. A frame not stored
// within EDGE_ACK_TIMEOUT_MS gets `unavailable` instead (its events stay queued and
// may still be stored; a resend is deduplicated).
import type { StoreWaiter } from './publisher.js';
import type { AckReply, ErrorReply } from './replies.js';
import { errorReply, unavailable } from './replies.js';

export interface FrameTracker extends StoreWaiter {
  readonly frame: number;
}

export type SendReply = (reply: AckReply | ErrorReply) => void;

interface Pending {
  frame: number;
  remaining: number;
  accepted: number;
  rejected: number;
  eventIds: string[];
  deadline: number;
  send: SendReply;
  done: boolean;
}

export class AckTrackers {
  private readonly pending = new Set<Pending>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.sweeper.unref();
  }

  /**
   * Starts tracking a frame: `addEvent()` per accepted event, then `arm(rejected)` once
   * all were handed over, so the ack cannot fire before the last one is added.
   */
  begin(
    frame: number,
    send: SendReply,
  ): FrameTracker & { arm(rejected: number): void; addEvent(eventId?: string): void } {
    const p: Pending = {
      frame,
      remaining: 1,
      accepted: 0,
      rejected: 0,
      eventIds: [],
      deadline: Date.now() + this.timeoutMs,
      send,
      done: false,
    };
    const finish = () => this.finish(p);
    this.pending.add(p);
    return {
      frame,
      addEvent: (eventId?: string) => {
        p.remaining++;
        p.accepted++;
        if (eventId !== undefined) p.eventIds.push(eventId);
      },
      stored: (count: number) => {
        p.remaining -= count;
        if (p.remaining === 0) finish();
      },
      // An accepted event the edge had to give up (docs/protocol.md "Acks"): its error
      // reply comes first, and the ack counts it as rejected.
      refused: (code, message, eventId) => {
        p.accepted--;
        p.rejected++;
        const i = eventId === undefined ? -1 : p.eventIds.indexOf(eventId);
        if (i >= 0) p.eventIds.splice(i, 1);
        if (!p.done) p.send(errorReply(code, p.frame, message, eventId === undefined ? {} : { event_id: eventId }));
        p.remaining--;
        if (p.remaining === 0) finish();
      },
      // The initial 1 of `remaining` holds the ack back until every event was added.
      arm: (rejected: number) => {
        p.rejected += rejected;
        p.remaining--;
        if (p.remaining === 0) finish();
      },
    };
  }

  /** Every event of the frame is stored or refused: the ack, once. */
  private finish(p: Pending): void {
    if (p.done) return;
    p.done = true;
    this.pending.delete(p);
    p.send({ type: 'ack', frame: p.frame, accepted: p.accepted, rejected: p.rejected, event_ids: p.eventIds });
  }

  private sweep(now = Date.now()): void {
    for (const p of this.pending) {
      if (p.deadline > now) break; // insertion order = deadline order
      p.done = true;
      this.pending.delete(p);
      p.send(
        unavailable(
          p.frame,
          `events of frame ${p.frame} were not all stored within ${this.timeoutMs} ms (EDGE_ACK_TIMEOUT_MS); resend ` +
            `the frame, duplicates are dropped`,
        ),
      );
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
