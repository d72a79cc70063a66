// The one retry policy of the codebase: capped exponential backoff, optionally
// jittered. The edge's publisher, the ingest loop and replay all wait this way
// between tries of something that can heal (docs/edge.md "Failures", docs/ingest.md
// "Failures"); what can never succeed is not retried at all.

export interface RetryPolicy {
  /** Wait before the first retry. */
  readonly minMs: number;
  /** Longest wait. */
  readonly maxMs: number;
  /** Spread waits over [50%, 100%] of the nominal delay, so many retriers do not stampede. */
  readonly jitter: boolean;
}

/** Wait before retry number `attempt` (1 = the first): minMs, doubling, capped at maxMs. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return policy.jitter ? nominal * (0.5 + random() / 2) : nominal;
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  /** Whether failure number `attempt` may be retried (default: always). */
  readonly retryable?: (err: unknown, attempt: number) => boolean;
  /** Told before each wait. */
  readonly onRetry?: (err: unknown, delayMs: number, attempt: number) => void;
  /** How to wait (a caller's stoppable sleep); default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Runs `fn` until it succeeds or a failure is not retryable (that error is thrown). */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (opts.retryable && !opts.retryable(err, attempt)) throw err;
      const delay = retryDelayMs(opts.policy, attempt);
      opts.onRetry?.(err, delay, attempt);
      await sleep(delay);
    }
  }
}
