// Keys of events stored recently, so a resent event is not stored again even when it
// lands in a micro-batch of another composition (and so another Nats-Msg-Id) than the
// first time. Bounded by count and by age (the stream's duplicate window); beyond it
// JetStream dedup and the projections' unique event_key still make replays harmless.
export class RecentKeys {
  // A Map iterates in insertion order: the first entry is always the oldest.
  private readonly stored = new Map<string, number>();

  constructor(private readonly maxKeys: number, private readonly ttlMs: number) {}

  has(key: string, now = Date.now()): boolean {
    const at = this.stored.get(key);
    return at !== undefined && now - at < this.ttlMs;
  }

  add(key: string, now = Date.now()): void {
    if (this.maxKeys === 0) return;
    this.stored.delete(key);
    this.stored.set(key, now);
    if (this.stored.size > this.maxKeys) this.stored.delete(this.stored.keys().next().value as string);
    // Drop a few expired entries from the front on each add: amortized O(1).
    for (let i = 0; i < 2; i++) {
      const first = this.stored.entries().next();
      if (first.done || now - first.value[1] < this.ttlMs) break;
      this.stored.delete(first.value[0]);
    }
  }

  get size(): number { return this.stored.size; }
}
