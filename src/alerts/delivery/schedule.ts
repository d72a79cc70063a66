// When the next attempt of a notification is due: capped exponential backoff with full
// jitter, or the receiver's Retry-After on a 429 (capped). Rules: docs/alerts.md "Webhooks".

export interface BackoffOptions {
  /** Nominal wait after the first failed attempt; doubles per attempt. */
  readonly backoffMinMs: number;
  /** Cap of the nominal wait. */
  readonly backoffMaxMs: number;
}

/**
 * Full jitter (uniform in [0, nominal]): senders that failed together do not retry
 * together. `attempt` is the number of attempts made so far (1 after the first).
 */
export function backoffMs(opts: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(opts.backoffMaxMs, opts.backoffMinMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(random() * nominal);
}

/**
 * Milliseconds a Retry-After header asks to wait: delay-seconds or an HTTP-date
 * (RFC 9110 section 10.2.3); undefined when absent or unreadable (then the backoff applies).
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.ceil(Number(s) * 1000);
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** What one request's outcome is counted as (tracker_alert_webhook_attempts_total{outcome}). */
export type AttemptOutcome =
  | 'delivered'
  | 'rate_limited'
  | 'server_error'
  | 'client_error'
  | 'redirect'
  | 'timeout'
  | 'network';

/** Statuses that may succeed later: 408 Request Timeout, 425 Too Early, 429, and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function outcomeOfStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 429) return 'rate_limited';
  if (status >= 300 && status < 400) return 'redirect';
  if (status >= 500 || status === 408 || status === 425) return 'server_error';
  return 'client_error';
}
