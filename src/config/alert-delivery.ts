// Environment variables of the alert webhook sender (src/alerts/delivery,
// docs/alerts.md "Webhooks"), the SSRF guard on ALERT_WEBHOOK_URLS, and the options
// the composition root builds from them.
import { bool, int, str, url, type ParsedVars, type VarSpecs } from '../shared/env-vars.js';
import { ConfigError } from '../shared/errors.js';
import { webhookUrlProblem, type AlertSenderOptions } from '../alerts/delivery/index.js';

export const alertDeliveryVars = {
  ALERT_WEBHOOK_URLS: str(
    'Webhook URLs alerts are sent to, comma-separated. Discord and Slack webhook URLs get their own body, any other ' +
      'URL the generic JSON (docs/alerts.md "Webhooks"). Each must be https unless on loopback or ' +
      'ALERT_WEBHOOK_ALLOW_HTTP=true. Unset: no webhooks.',
    { secret: true, maxLength: 16384 },
  ),
  ALERT_WEBHOOK_ALLOW_HTTP: bool(
    'Allow plain-http webhook URLs on any host (by default only https, or http on loopback: an SSRF guard).',
    false,
  ),
  ALERT_WEBHOOK_MAX_ATTEMPTS: int(
    'Requests made for one notification before it is marked failed (counted, shown in /health).',
    8,
    1,
    100,
  ),
  ALERT_WEBHOOK_TIMEOUT_MS: int('Timeout of one webhook request (connect, headers and body).', 5000, 100, 120000),
  ALERT_WEBHOOK_CONCURRENCY: int('Requests in flight at once per webhook URL.', 4, 1, 64),
  ALERT_WEBHOOK_BACKOFF_MIN_MS: int(
    'Nominal wait after the first failed attempt; doubles per attempt up to ALERT_WEBHOOK_BACKOFF_MAX_MS, each wait ' +
      'drawn uniformly below it (full jitter).',
    2000,
    1,
    3600000,
  ),
  ALERT_WEBHOOK_BACKOFF_MAX_MS: int('Cap of the nominal wait between attempts.', 600000, 1, 86400000),
  ALERT_WEBHOOK_RETRY_AFTER_MAX_SECONDS: int(
    "Longest wait a receiver's 429 Retry-After is obeyed for; a longer one is cut to this.",
    3600,
    1,
    86400,
  ),
  ALERT_WEBHOOK_POLL_MS: int(
    'How often the sender looks for due notifications besides being woken by LISTEN (retries falling due, a lost ' +
      'notification).',
    2000,
    50,
    600000,
  ),
  ALERT_DASHBOARD_URL: url(
    'Public address of the web page; webhook messages link to `<it>?character=<name>`. Unset: no link.',
    ['http', 'https'],
  ),
} satisfies VarSpecs;

type AlertDeliveryConfig = Readonly<ParsedVars<typeof alertDeliveryVars>>;

/**
 * A claim outlasts the request it covers (its timeout) twice over plus the outcome
 * write; a process killed mid-request has its rows retaken after this (docs/alerts.md).
 */
const leaseMs = (timeoutMs: number) => 2 * timeoutMs + 2000;

/** The entries of ALERT_WEBHOOK_URLS, each checked (SSRF guard): a ConfigError names the variable and the entry. */
export function alertWebhookUrls(cfg: AlertDeliveryConfig): string[] {
  const urls = [
    ...new Set(
      (cfg.ALERT_WEBHOOK_URLS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  urls.forEach((u, i) => {
    const problem = webhookUrlProblem(u, cfg.ALERT_WEBHOOK_ALLOW_HTTP);
    if (problem) throw new ConfigError('ALERT_WEBHOOK_URLS', `ALERT_WEBHOOK_URLS entry ${i + 1} ${problem}`);
  });
  return urls;
}

/** The cross-variable checks loadConfig() runs (src/config.ts). */
export function checkAlertDeliveryConfig(cfg: AlertDeliveryConfig): void {
  alertWebhookUrls(cfg);
  if (cfg.ALERT_WEBHOOK_BACKOFF_MAX_MS < cfg.ALERT_WEBHOOK_BACKOFF_MIN_MS)
    throw new ConfigError(
      'ALERT_WEBHOOK_BACKOFF_MAX_MS',
      `ALERT_WEBHOOK_BACKOFF_MAX_MS must be at least ALERT_WEBHOOK_BACKOFF_MIN_MS (${cfg.ALERT_WEBHOOK_BACKOFF_MIN_MS}), ` +
        `got ${cfg.ALERT_WEBHOOK_BACKOFF_MAX_MS}`,
    );
}

/** The sender's options; `webhookUrls` is what the alerts role writes outbox rows for too. */
export function alertDeliveryOptions(cfg: AlertDeliveryConfig): AlertSenderOptions {
  return {
    webhookUrls: alertWebhookUrls(cfg),
    timeoutMs: cfg.ALERT_WEBHOOK_TIMEOUT_MS,
    maxAttempts: cfg.ALERT_WEBHOOK_MAX_ATTEMPTS,
    concurrencyPerWebhook: cfg.ALERT_WEBHOOK_CONCURRENCY,
    backoffMinMs: cfg.ALERT_WEBHOOK_BACKOFF_MIN_MS,
    backoffMaxMs: cfg.ALERT_WEBHOOK_BACKOFF_MAX_MS,
    retryAfterMaxMs: cfg.ALERT_WEBHOOK_RETRY_AFTER_MAX_SECONDS * 1000,
    pollIntervalMs: cfg.ALERT_WEBHOOK_POLL_MS,
    leaseMs: leaseMs(cfg.ALERT_WEBHOOK_TIMEOUT_MS),
    dashboardUrl: cfg.ALERT_DASHBOARD_URL,
  };
}
