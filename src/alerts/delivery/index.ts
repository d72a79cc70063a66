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
import { ClaimLoop } from './claim-loop.js';
import type { DeliveryOptions, Lane } from './deliver.js';
import { deliveryCheck } from './health.js';
import { listenOutbox } from './listener.js';
import { createSenderMetrics } from './metrics.js';
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
  const loop = new ClaimLoop({ pool: deps.pool, log: deps.log, metrics }, lanes, options);
  const listener = lanes.length ? listenOutbox(deps.pool, deps.log, loop.wake) : undefined;
  const poll = setInterval(loop.wake, options.pollIntervalMs);
  deps.health.register(
    'alert_delivery',
    deliveryCheck(deps.pool, options.webhookUrls, {
      listening: () => listener?.listening() ?? false,
      inFlight: () => loop.requestsInFlight,
    }),
  );
  loop.wake();
  return {
    async stop() {
      clearInterval(poll);
      await listener?.stop();
      await loop.stop();
    },
  };
}
