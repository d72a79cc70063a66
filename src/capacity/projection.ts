// When a store fills, projected from its recent samples (docs/operations.md "Capacity").
// Each store keeps a small ring of (time, bytes used, bytes left) samples, at most one
// per sampling interval over one window (an hour by default): the rate at which bytes
// left shrink over that window gives the growth per day and the days left.

export interface CapacitySample {
  readonly atMs: number;
  readonly usedBytes: number;
  /** Bytes the store may still grow by before it is full; null when no limit is known. */
  readonly leftBytes: number | null;
  /** What "full" means for this store, e.g. `stream max_bytes` or `free space of /data/pg`. */
  readonly limit: string;
  /** The size of that limit (max_bytes, the account's max_storage, the filesystem's size); null when unknown. */
  readonly limitBytes: number | null;
}

export interface Projection {
  readonly usedBytes: number;
  readonly leftBytes: number | null;
  readonly limit: string;
  readonly limitBytes: number | null;
  /** How fast bytes left shrank over the window, in bytes per day; null until two samples span some time. */
  readonly growthBytesPerDay: number | null;
  /** leftBytes / growthBytesPerDay; Infinity when not growing, null when unknown. */
  readonly daysLeft: number | null;
  readonly windowSeconds: number;
}

export class SampleRing {
  private readonly samples: CapacitySample[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly intervalMs: number,
  ) {}

  /** Keeps `s` when the newest kept sample is at least one interval old; drops samples older than the window. */
  add(s: CapacitySample): void {
    const newest = this.samples.at(-1);
    if (newest && s.atMs - newest.atMs < this.intervalMs) return;
    this.samples.push(s);
    while (this.samples.length > 1 && s.atMs - this.samples[0].atMs > this.windowMs) this.samples.shift();
  }

  get size(): number {
    return this.samples.length;
  }

  /** The projection from the oldest sample in the window to `now` (the latest probe, sampled or not). */
  project(now: CapacitySample): Projection {
    const oldest = this.samples.find(
      (s) => s.leftBytes !== null && s.limit === now.limit && now.atMs - s.atMs <= this.windowMs,
    );
    const base = {
      usedBytes: now.usedBytes,
      leftBytes: now.leftBytes,
      limit: now.limit,
      limitBytes: now.limitBytes,
      windowSeconds: oldest ? Math.round((now.atMs - oldest.atMs) / 1000) : 0,
    };
    if (now.leftBytes === null || !oldest || oldest.leftBytes === null || now.atMs - oldest.atMs <= 0)
      return { ...base, growthBytesPerDay: null, daysLeft: null };
    const perDay = ((oldest.leftBytes - now.leftBytes) / (now.atMs - oldest.atMs)) * 86_400_000;
    const growthBytesPerDay = Math.round(perDay);
    const daysLeft = perDay > 0 ? Math.max(0, now.leftBytes) / perDay : Number.POSITIVE_INFINITY;
    return { ...base, growthBytesPerDay, daysLeft };
  }
}
