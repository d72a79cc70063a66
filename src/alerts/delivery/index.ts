// The webhook sender (issue 25, docs/alerts.md "Webhooks"): delivers the alert outbox
// (sql/190_alerts.sql) to ALERT_WEBHOOK_URLS. It wakes on LISTEN and on a poll, claims
// due rows in short statements (outbox.ts), and posts them outside any transaction,
// each webhook in its own lane with its own concurrency bound, each request with its
// own timeout: a slow or dead webhook holds only its own lane. At least once across
// crashes (a lease), the same Idempotency-Key on every repeat, no repeat without one.
import type { Pool } from '../../shared/db.js';
import type { Health } from '../../shared/health.js';
import type { Logger } from '../../shared/logger.js';
import type { Registry } from '../../shared/metrics.js';
import { deliverOne, type DeliveryContext, type DeliveryOptions, type Lane } from './deliver.js';
import { deliveryCheck } from './health.js';
import { listenOutbox } from './listener.js';
import { createSenderMetrics } from './metrics.js';
import { claimDue } from './outbox.js';
import { webhookFormat, webhookLabel } from './webhook-url.js';

export { webhookUrlProblem } from './webhook-url.js';

export interface AlertSenderOptions extends DeliveryOptions {
  /** Checked by the configuration (SSRF guard); rows for other URLs are left to a process that has them. */
  readonly webhookUrls: readonly string[];
  /** Requests in flight at once per webhook. */
  readonly concurrencyPerWebhook: number;
  /** Poll for due rows this often (retries falling due, missed notifications). */
  readonly pollIntervalMs: number;
  /** How long a claim holds a row; must outlast a request (timeoutMs) and its outcome write. */
  readonly leaseMs: number;
}

export interface AlertSenderDeps {
  readonly pool: Pool;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly health: Health;
}

export function startAlertSender(deps: AlertSenderDeps, options: AlertSenderOptions): { stop(): Promise<void> } {
  const lanes: Lane[] = options.webhookUrls.map((url) => ({
    url,
    label: webhookLabel(url),
    format: webhookFormat(url),
    inFlight: 0,
    heldUntil: 0,
  }));
  const metrics = createSenderMetrics(
    deps.metrics,
    lanes.map((l) => l.label),
  );
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let pumping = false;
  let again = false;

  const ctx: DeliveryContext = {
    pool: deps.pool,
    log: deps.log,
    metrics,
    opts: options,
    wakeIn: (ms) => {
      if (stopping) return;
      const t = setTimeout(() => {
        timers.delete(t);
        wake();
      }, ms + 5);
      timers.add(t);
    },
  };
  const start = (lane: Lane, n: Parameters<typeof deliverOne>[2]) => {
    lane.inFlight++;
    const p = deliverOne(ctx, lane, n)
      .catch((err: Error) => deps.log.error({ err: err.message, notification: n.id }, 'webhook delivery crashed'))
      .finally(() => {
        lane.inFlight--;
        inFlight.delete(p);
        wake();
      });
    inFlight.add(p);
  };
  /** One pass over the lanes: claim what each has room for and start it, unawaited. */
  const claimRound = async () => {
    for (const lane of lanes) {
      const room = options.concurrencyPerWebhook - lane.inFlight;
      if (room <= 0 || stopping || Date.now() < lane.heldUntil) continue;
      for (const n of await claimDue(deps.pool, lane.url, room, options.leaseMs)) start(lane, n);
    }
  };
  const wake = (): void => {
    if (stopping || lanes.length === 0) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    (async () => {
      do {
        again = false;
        await claimRound();
      } while (again && !stopping);
    })()
      .catch((err: Error) =>
        deps.log.warn({ err: err.message }, 'claiming alert notifications failed; the poll retries'),
      )
      .finally(() => {
        pumping = false;
      });
  };

  const listener = lanes.length ? listenOutbox(deps.pool, deps.log, wake) : undefined;
  const poll = setInterval(wake, options.pollIntervalMs);
  deps.health.register(
    'alert_delivery',
    deliveryCheck(deps.pool, options.webhookUrls, {
      listening: () => listener?.listening() ?? false,
      inFlight: () => inFlight.size,
    }),
  );
  wake();
  return {
    async stop() {
      stopping = true;
      clearInterval(poll);
      for (const t of timers) clearTimeout(t);
      await listener?.stop();
      // Requests in flight end within their timeout; their outcomes are written, so
      // a clean stop leaves nothing to repeat.
      while (inFlight.size || pumping) await Promise.race([...inFlight, new Promise((r) => setTimeout(r, 20))]);
    },
  };
}
