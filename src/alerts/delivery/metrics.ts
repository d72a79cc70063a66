// Prometheus metrics of the webhook sender (docs/alerts.md "Webhooks"). `webhook` is
// webhookLabel(url): host and a hash, never the token in the path.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AttemptOutcome } from './schedule.js';

export interface SenderMetrics {
  delivered: Counter<'webhook'>;
  failed: Counter<'webhook' | 'outcome'>;
  attempts: Counter<'webhook' | 'outcome'>;
  /** From the outbox row's creation (the alert's transaction) to the start of its first request. */
  firstRequestSeconds: Histogram;
  requestSeconds: Histogram<'webhook'>;
}

export function createSenderMetrics(registry: Registry, labels: readonly string[]): SenderMetrics {
  const registers = [registry];
  const m: SenderMetrics = {
    delivered: new Counter({
      name: 'tracker_alert_webhook_delivered_total',
      help: 'Alert notifications a webhook accepted (2xx).',
      labelNames: ['webhook'],
      registers,
    }),
    failed: new Counter({
      name: 'tracker_alert_webhook_failed_total',
      help: 'Alert notifications given up on (marked failed_at): attempts exhausted, or a permanent refusal; by last outcome.',
      labelNames: ['webhook', 'outcome'],
      registers,
    }),
    attempts: new Counter({
      name: 'tracker_alert_webhook_attempts_total',
      help: 'Webhook requests made, by outcome.',
      labelNames: ['webhook', 'outcome'],
      registers,
    }),
    firstRequestSeconds: new Histogram({
      name: 'tracker_alert_webhook_first_request_seconds',
      help: "Seconds from a notification's creation in the outbox to the start of its first request.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'tracker_alert_webhook_request_seconds',
      help: 'Duration of one webhook request, whatever its outcome.',
      labelNames: ['webhook'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
  // Series at 0 from the start, so rate() sees them before the first event.
  for (const webhook of labels) {
    m.delivered.inc({ webhook }, 0);
    m.attempts.inc({ webhook, outcome: 'delivered' satisfies AttemptOutcome }, 0);
  }
  return m;
}
