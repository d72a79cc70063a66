// Reconnect delays: exponential with ±30% jitter, so a restart of the server is not
// met by every browser at the same instant (docs/web.md: reconnects).
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  jitter: number;
}
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30000, jitter: 0.3 };

export function backoffDelay(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp * (1 - o.jitter + 2 * o.jitter * random()));
}
