// Publishes messages with PubAcks through the edge's JetStreamPublisher, keeping at
// most `maxInflight` awaiting their ack (docs/dependencies.md "NATS JetStream": never await publishes one by one). A
// failed or timed-out publish is retried with backoff under the same Nats-Msg-Id
// (JetStream drops it if the first try had landed); after `attempts` tries the window
// fails and every later call rejects, so the command stops and exits 1 (a re-run
// resumes from the checkpoint).
import type { JetStreamPublish, PubAck } from '../edge/jetstream-publish.js';
import { ErrorCodes, TrackerError } from '../shared/errors.js';
import type { OutMessage } from './batches.js';

export interface PublishWindowOptions {
  maxInflight: number;
  publishTimeoutMs: number;
  attempts: number;
  retryMaxMs: number;
}

/** JetStream did not store a message after every try: the import stops with exit 1. */
export class PublishGaveUp extends TrackerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.unavailable, message, options);
  }
}

export class PublishWindow {
  private inflight = 0;
  private failure?: Error;
  private slotWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly publish: JetStreamPublish,
    private readonly opts: PublishWindowOptions,
  ) {}

  /** Resolves once the message is on its way (a slot was free); `stored` runs at its PubAck. */
  async send(msg: OutMessage, stored: (ack: PubAck) => void): Promise<void> {
    while (this.inflight >= this.opts.maxInflight && !this.failure)
      await new Promise<void>((r) => this.slotWaiters.push(r));
    if (this.failure) throw this.failure;
    this.inflight++;
    void this.attempt(msg, 1).then((ack) => {
      this.inflight--;
      if (ack) stored(ack);
      this.wake();
    });
  }

  /** Resolves when nothing is in flight; rejects when a publish gave up. */
  async drain(): Promise<void> {
    while (this.inflight > 0 && !this.failure) await new Promise<void>((r) => this.idleWaiters.push(r));
    if (this.failure) throw this.failure;
  }

  get pending(): number {
    return this.inflight;
  }

  private async attempt(msg: OutMessage, n: number): Promise<PubAck | undefined> {
    for (;;) {
      try {
        return await this.publish(msg.subject, msg.payload, msg.msgId, this.opts.publishTimeoutMs);
      } catch (err) {
        if (this.failure) return undefined;
        if (n >= this.opts.attempts) {
          this.failure = new PublishGaveUp(
            `JetStream did not store a message after ${n} tries (${(err as Error).message}); re-run to resume`,
            { cause: err },
          );
          return undefined;
        }
        const delay = Math.min(this.opts.retryMaxMs, 50 * 2 ** Math.min(n, 16)) * (0.5 + Math.random() / 2);
        await new Promise((r) => setTimeout(r, delay));
        n++;
      }
    }
  }

  private wake(): void {
    for (const w of this.slotWaiters.splice(0)) w();
    if (this.inflight === 0 || this.failure) for (const w of this.idleWaiters.splice(0)) w();
  }
}
