// One attempt of one claimed notification: post it, count it, and write the outcome
// back: delivered, due again after a backoff (or the receiver's Retry-After), or failed
// after the last attempt or a permanent refusal (docs/alerts.md "Webhooks").
import type { Pool } from '../../shared/db.js';
import type { Logger } from '../../shared/logger.js';
import { retryDelayMs } from '../../shared/retry.js';
import { requestBody, type Notification } from './message.js';
import type { SenderMetrics } from './metrics.js';
import { holdWebhook, markDelivered, markFailed, markRetry } from './outbox.js';
import { postWebhook, type PostResult } from './post.js';
import { backoffMs, type BackoffOptions } from './schedule.js';
import type { WebhookFormat } from './webhook-url.js';

export interface DeliveryOptions extends BackoffOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retryAfterMaxMs: number;
  readonly dashboardUrl?: string;
}

export interface Lane {
  readonly url: string;
  readonly label: string;
  readonly format: WebhookFormat;
  inFlight: number;
  /** Epoch ms before which nothing is claimed for this webhook: it answered 429 with Retry-After. */
  heldUntil: number;
}

export interface DeliveryContext {
  readonly pool: Pool;
  readonly log: Logger;
  readonly metrics: SenderMetrics;
  readonly opts: DeliveryOptions;
  /** Asks the claim loop to look again after `ms` (a retry of ours falls due). */
  readonly wakeIn: (ms: number) => void;
}

/** Tries of one outcome write before the row is left to its lease (then retried: a repeat, same key). */
const WRITE_TRIES = 5;

async function write(ctx: DeliveryContext, n: Notification, fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (attempt >= WRITE_TRIES) {
        ctx.log.error(
          { err: (err as Error).message, notification: n.id },
          'could not record a webhook outcome; the lease will retry it',
        );
        return;
      }
      await new Promise((r) => setTimeout(r, retryDelayMs({ minMs: 200, maxMs: 3000, jitter: true }, attempt)));
    }
  }
}

/** The wait before the next attempt: the receiver's Retry-After (capped) on a 429, else the backoff. */
function nextDelayMs(opts: DeliveryOptions, n: Notification, res: PostResult): number {
  if (res.retryAfterMs !== undefined) return Math.min(res.retryAfterMs, opts.retryAfterMaxMs);
  return backoffMs(opts, n.attempts);
}

async function settle(ctx: DeliveryContext, lane: Lane, n: Notification, res: PostResult): Promise<void> {
  const { pool, metrics, opts, log } = ctx;
  if (res.outcome === 'delivered') {
    metrics.delivered.inc({ webhook: lane.label });
    await write(ctx, n, () => markDelivered(pool, n));
    return;
  }
  const error = res.error ?? res.outcome;
  if (res.retryable && n.attempts < opts.maxAttempts) {
    const delay = nextDelayMs(opts, n, res);
    log.info({ webhook: lane.label, notification: n.id, attempt: n.attempts, delay_ms: delay, error }, 'webhook retry');
    if (res.outcome === 'rate_limited') {
      // The limit is the webhook's, not this notification's: hold the lane here, and
      // what is pending for it in every process.
      lane.heldUntil = Math.max(lane.heldUntil, Date.now() + delay);
      await write(ctx, n, () => holdWebhook(pool, n.webhookUrl, delay));
    }
    await write(ctx, n, () => markRetry(pool, n, delay, error));
    ctx.wakeIn(delay);
    return;
  }
  metrics.failed.inc({ webhook: lane.label, outcome: res.outcome });
  log.warn({ webhook: lane.label, notification: n.id, attempts: n.attempts, error }, 'webhook notification failed');
  await write(ctx, n, () => markFailed(pool, n, error));
}

export async function deliverOne(ctx: DeliveryContext, lane: Lane, n: Notification): Promise<void> {
  const body = requestBody(lane.format, n, ctx.opts.dashboardUrl);
  if (n.attempts === 1) ctx.metrics.firstRequestSeconds.observe(Math.max(0, Date.now() - n.createdAt.getTime()) / 1000);
  const done = ctx.metrics.requestSeconds.startTimer({ webhook: lane.label });
  const res = await postWebhook(n.webhookUrl, body, `${n.alertId}:${n.state}`, ctx.opts.timeoutMs);
  done();
  ctx.metrics.attempts.inc({ webhook: lane.label, outcome: res.outcome });
  await settle(ctx, lane, n, res);
}
