// Keys of events stored recently, so a resent event is not stored again even when it
// lands in a micro-batch of another composition (and so another Nats-Msg-Id) than the
// first time. Bounded by count and by age (the stream's duplicate window); beyond it
// JetStream dedup and the projections' unique event_key still make replays harmless.
const EXPIRY_SWEEP_EVERY = 64;

export class RecentKeys {
  // A Map iterates in insertion order: the front holds the oldest keys.
  private readonly stored = new Map<string, number>();
  private adds = 0;

  constructor(private readonly maxKeys: number, private readonly ttlMs: number) {}

  has(key: string, now = Date.now()): boolean {
    const at = this.stored.get(key);
    return at !== undefined && now - at < this.ttlMs;
  }

  add(key: string, now = Date.now()): void {
    if (this.maxKeys === 0) return;
    // A re-added key keeps its old position and so leaves a little early: harmless.
    this.stored.set(key, now);
    // Evict over the count at once; sweep expired keys from the front now and then
    // (the profile showed per-add iterator work at ~2% of the edge's CPU).
    if (this.stored.size > this.maxKeys || ++this.adds % EXPIRY_SWEEP_EVERY === 0) this.evict(now);
  }

  get size(): number { return this.stored.size; }

  private evict(now: number): void {
    for (const [k, at] of this.stored) {
      if (this.stored.size <= this.maxKeys && now - at < this.ttlMs) return;
      this.stored.delete(k);
    }
  }
}
