// Per-connection rate limits of /ws/position (docs/protocol.md "Rate limits"): one
// token bucket for frames and one for events, each refilled at its rate per second
// and holding at most one second's worth, so a client may burst up to its rate and
// then sustain it. A frame over either limit is refused whole (`rate_limited`);
// enough refusals in a row close the connection with 1008.

export interface RateLimitOptions {
  /** Frames per second per connection (0 = unlimited). */
  readonly framesPerSecond: number;
  /** Events per second per connection (0 = unlimited). */
  readonly eventsPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    now = Date.now(),
  ) {
    this.tokens = ratePerSecond;
    this.last = now;
  }

  /** Takes `n` tokens if they are there; false (and nothing taken) otherwise. */
  take(n: number, now = Date.now()): boolean {
    if (this.ratePerSecond === 0) return true;
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

export class ConnectionRateLimit {
  private readonly frames: TokenBucket;
  private readonly events_: TokenBucket;

  constructor(
    private readonly limits: RateLimitOptions,
    now = Date.now(),
  ) {
    this.frames = new TokenBucket(limits.framesPerSecond, now);
    this.events_ = new TokenBucket(limits.eventsPerSecond, now);
  }

  /** Why one more frame is over the limit now (any frame counts, even one that does not parse), or undefined. */
  frame(now = Date.now()): string | undefined {
    return this.frames.take(1, now)
      ? undefined
      : `more than ${this.limits.framesPerSecond} frames per second on this connection (EDGE_RATE_LIMIT_FRAMES_PER_SECOND)`;
  }

  /** Why `n` more events are over the limit now, or undefined. */
  events(n: number, now = Date.now()): string | undefined {
    return this.events_.take(n, now)
      ? undefined
      : `more than ${this.limits.eventsPerSecond} events per second on this connection (EDGE_RATE_LIMIT_EVENTS_PER_SECOND)`;
  }
}
