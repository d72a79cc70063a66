// Keys of events stored recently, so a resent event is not stored again even when it
// lands in a micro-batch of another composition (and so another Nats-Msg-Id) than the
// first time. Bounded by count and by age (the stream's duplicate window); beyond it
// JetStream dedup and the projections' unique event_key still make replays harmless.
export class RecentKeys {
  private readonly stored = new Map<string, number>();
  // Insertion order kept in a FIFO of (key, time) with a head index. Evicting by
  // iterating the Map from its front was 33% of the edge's busy time once the cache
  // was full: V8 skips every deleted slot at the front on each new iterator (bench
  // profile, docs/benchmarks.md). The FIFO makes eviction O(1) amortized.
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  constructor(private readonly maxKeys: number, private readonly ttlMs: number) {}

  has(key: string, now = Date.now()): boolean {
    const at = this.stored.get(key);
    return at !== undefined && now - at < this.ttlMs;
  }

  add(key: string, now = Date.now()): void {
    if (this.maxKeys === 0) return;
    this.stored.set(key, now);
    this.keys.push(key);
    this.times.push(now);
    this.evict(now);
  }

  get size(): number { return this.stored.size; }

  private evict(now: number): void {
    while (this.head < this.keys.length && (this.stored.size > this.maxKeys || now - this.times[this.head] >= this.ttlMs)) {
      const k = this.keys[this.head];
      const at = this.times[this.head];
      this.head++;
      // A key added again later has a newer time in the Map: this older entry is stale.
      if (this.stored.get(k) === at) this.stored.delete(k);
    }
    if (this.head >= 1024 && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
