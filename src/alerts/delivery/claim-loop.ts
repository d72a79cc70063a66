// The claim loop: woken by LISTEN, the poll, a finished request or a retry falling due,
// it claims for each webhook lane as many due rows as the lane has room for and starts
// their requests without awaiting them, so it never holds a row lock across a request
// and a slow webhook fills only its own lane. Wakes during a pass are folded into one
// more pass.
import type { Pool } from '../../shared/db.js';
import type { Logger } from '../../shared/logger.js';
import { deliverOne, type DeliveryContext, type DeliveryOptions, type Lane } from './deliver.js';
import type { Notification } from './message.js';
import type { SenderMetrics } from './metrics.js';
import { claimDue } from './outbox.js';

export interface ClaimLoopOptions {
  readonly concurrencyPerWebhook: number;
  readonly leaseMs: number;
}

export class ClaimLoop {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ctx: DeliveryContext;
  private stopping = false;
  private pumping = false;
  private again = false;
  private claimFailing = false;

  constructor(
    private readonly deps: { pool: Pool; log: Logger; metrics: SenderMetrics },
    private readonly lanes: Lane[],
    private readonly opts: ClaimLoopOptions & DeliveryOptions,
  ) {
    this.ctx = { ...deps, opts, wakeIn: (ms) => this.wakeIn(ms) };
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  readonly wake = (): void => {
    if (this.stopping || this.lanes.length === 0) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .then(() => {
        if (this.claimFailing) this.deps.log.info('claiming alert notifications works again');
        this.claimFailing = false;
      })
      .catch((err: Error) => {
        // Once per streak: while PostgreSQL is down every poll fails the same way.
        if (!this.claimFailing)
          this.deps.log.warn({ err: err.message }, 'claiming alert notifications failed; the poll retries');
        this.claimFailing = true;
      })
      .finally(() => {
        this.pumping = false;
      });
  };

  /** Stops claiming; requests in flight end within their timeout and their outcomes are written. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    while (this.inFlight.size || this.pumping)
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 20))]);
  }

  private wakeIn(ms: number): void {
    if (this.stopping) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.wake();
    }, ms + 5);
    this.timers.add(t);
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      for (const lane of this.lanes) {
        const room = this.opts.concurrencyPerWebhook - lane.inFlight;
        if (room <= 0 || this.stopping || Date.now() < lane.heldUntil) continue;
        // Rows claimed while stopping are still started: stop() waits for them.
        for (const n of await claimDue(this.deps.pool, lane.url, room, this.opts.leaseMs)) this.start(lane, n);
      }
    } while (this.again && !this.stopping);
  }

  private start(lane: Lane, n: Notification): void {
    lane.inFlight++;
    const p = deliverOne(this.ctx, lane, n)
      .catch((err: Error) => this.deps.log.error({ err: err.message, notification: n.id }, 'webhook delivery crashed'))
      .finally(() => {
        lane.inFlight--;
        this.inFlight.delete(p);
        this.wake();
      });
    this.inFlight.add(p);
  }
}
