// Per-connection rate limits of /ws/position (docs/protocol.md "Rate limits"): one
// token bucket for frames and one for events, each refilled at its rate per second
// and holding at most one second's worth, so a client may burst up to its rate and
// then sustain it. A frame over either limit is refused whole (`rate_limited`) with
// `retry_after_ms`: its slot in the queue of refused frames, so a pipelining client
// that resends each refused frame at its own `retry_after_ms` finds the tokens there.
// Closing (1008) is for a client that keeps sending over the limit for
// `closeAfterSeconds` and ignores the slots (the close rule below).

export interface RateLimitOptions {
  /** Frames per second per connection (0 = unlimited). */
  readonly framesPerSecond: number;
  /** Events per second per connection (0 = unlimited). */
  readonly eventsPerSecond: number;
  /** Sustained abuse, in seconds, before the socket is closed with 1008 (see `ConnectionRateLimit`). */
  readonly closeAfterSeconds: number;
}

/** A frame over the limit: why, when a resend of it would pass, and whether to close the socket. */
export interface RateLimitRefusal {
  readonly why: string;
  readonly retryAfterMs: number;
  readonly close: boolean;
}

// Float arithmetic must not refuse a resend that arrives exactly at its slot.
const EPSILON = 1e-6;

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** When every refused-and-slotted request so far could have been served (ms since the epoch). */
  private bookedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ratePerSecond: number,
    now = Date.now(),
  ) {
    this.tokens = ratePerSecond;
    this.last = now;
  }

  /**
   * Takes `n` tokens if they are there and returns 0; otherwise takes nothing and returns
   * the ms until `n` tokens will be there after every request refused before (each
   * refusal books the next slot, so the hints of pipelined frames are spaced at the rate).
   */
  take(n: number, now = Date.now()): number {
    if (this.ratePerSecond === 0) return 0;
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens + EPSILON >= n) {
      this.tokens = Math.max(0, this.tokens - n);
      return 0;
    }
    const alone = now + ((n - this.tokens) / this.ratePerSecond) * 1000;
    this.bookedUntil = Math.max(alone, this.bookedUntil + (n / this.ratePerSecond) * 1000);
    return Math.ceil(this.bookedUntil - now);
  }

  /** How long the requests refused so far would take to send at the rate, from `now` (0 = nothing booked). */
  backlogMs(now = Date.now()): number {
    return Math.max(0, this.bookedUntil - now);
  }
}

/**
 * Both buckets of one connection, and the close rule. The connection is over the limit
 * from a refusal until its booked backlog drains. Frames refused before the first
 * refusal's `retry_after_ms` has passed were in flight when it left: they are booked, not
 * judged. After that, a client that resends each refused frame at its slot books each
 * frame once, so its backlog stays what its window of unacked frames holds; one that
 * resends early books the same frames again and again, and its backlog grows. It is
 * closed when it is still over the limit `closeAfterSeconds` after the first refusal and
 * its backlog grew by more than `closeAfterSeconds` since the in-flight frames.
 */
export class ConnectionRateLimit {
  private readonly frames: TokenBucket;
  private readonly events_: TokenBucket;
  /** The over-the-limit period: when it began, until when frames were in flight, the backlog then. */
  private over: { since: number; inFlightUntil: number; baselineMs?: number } | undefined;

  constructor(
    private readonly limits: RateLimitOptions,
    now = Date.now(),
  ) {
    this.frames = new TokenBucket(limits.framesPerSecond, now);
    this.events_ = new TokenBucket(limits.eventsPerSecond, now);
  }

  /** One more frame (any frame counts, even one that does not parse): undefined = within the limit. */
  frame(now = Date.now()): RateLimitRefusal | undefined {
    return this.check(
      this.frames,
      1,
      now,
      `more than ${this.limits.framesPerSecond} frames per second on this connection (EDGE_RATE_LIMIT_FRAMES_PER_SECOND)`,
    );
  }

  /** `n` more events: undefined = within the limit. */
  events(n: number, now = Date.now()): RateLimitRefusal | undefined {
    return this.check(
      this.events_,
      n,
      now,
      `more than ${this.limits.eventsPerSecond} events per second on this connection (EDGE_RATE_LIMIT_EVENTS_PER_SECOND)`,
    );
  }

  /** How long what this connection was refused would take to send at its rates (the larger of the two). */
  backlogMs(now = Date.now()): number {
    return Math.max(this.frames.backlogMs(now), this.events_.backlogMs(now));
  }

  private check(bucket: TokenBucket, n: number, now: number, why: string): RateLimitRefusal | undefined {
    const before = this.backlogMs(now);
    const retryAfterMs = bucket.take(n, now);
    if (retryAfterMs === 0) return undefined;
    if (before === 0 || this.over === undefined) {
      this.over = { since: now, inFlightUntil: now + retryAfterMs };
      return { why, retryAfterMs, close: false };
    }
    if (now < this.over.inFlightUntil) return { why, retryAfterMs, close: false };
    this.over.baselineMs ??= before;
    const limitMs = this.limits.closeAfterSeconds * 1000;
    const grewMs = this.backlogMs(now) - this.over.baselineMs;
    return { why, retryAfterMs, close: now - this.over.since >= limitMs && grewMs > limitMs };
  }
}
