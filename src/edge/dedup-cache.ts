// Keys of events stored recently, so a resent event is not stored again even when it
// lands in a micro-batch of another composition (and so another Nats-Msg-Id) than the
// first time. Bounded by count and by age (the stream's duplicate window); beyond it
// JetStream dedup and the projections' unique event_key still make replays harmless.
//
// Every accepted event is looked up and every stored one added, so this is on the
// edge's hottest path. A Map<string, number> with a FIFO beside it was a large share
// of the edge's busy time (see docs/benchmarks.md "Figures behind code choices"): 100k
// string entries churning at the bench's rate miss the CPU caches and make V8 rehash.
// Here the entries live in a ring (insertion order = eviction order),
// indexed by an open-addressing table of ring positions in typed arrays: no per-entry
// objects, nothing for the GC to trace but the key strings themselves.
export class RecentKeys {
  private readonly ringKeys: Array<string | undefined>;
  private readonly ringHash: Int32Array;
  private readonly ringTime: Float64Array;
  /**
   * Open-addressing table, at most half full, linear probing: slot i is
   * [2i] = ring position + 1 (0 = empty), [2i+1] = the key's hash, side by side so a
   * probe for a new key (the common case) touches one cache line.
   */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private head = 0;
  private used = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly ttlMs: number,
  ) {
    let slots = 16;
    while (slots < maxKeys * 2) slots *= 2;
    this.slots = new Int32Array(maxKeys === 0 ? 0 : slots * 2);
    this.mask = slots - 1;
    this.ringKeys = new Array<string | undefined>(maxKeys).fill(undefined);
    this.ringHash = new Int32Array(maxKeys);
    this.ringTime = new Float64Array(maxKeys);
  }

  get size(): number {
    return this.used;
  }

  has(key: string, now = Date.now()): boolean {
    if (this.maxKeys === 0) return false;
    const r = this.find(key, hashOf(key));
    return r >= 0 && now - this.ringTime[r] < this.ttlMs;
  }

  add(key: string, now = Date.now()): void {
    if (this.maxKeys === 0) return;
    this.expire(now);
    const h = hashOf(key);
    // Stored again: remembered from now on, in its first place in line (eviction
    // order is first storage; has() checks the time in any case).
    const old = this.find(key, h);
    if (old >= 0) {
      this.ringTime[old] = now;
      return;
    }
    if (this.used === this.maxKeys) this.evictOldest();
    const r = (this.head + this.used) % this.maxKeys;
    this.used++;
    this.ringKeys[r] = key;
    this.ringHash[r] = h;
    this.ringTime[r] = now;
    let i = h & this.mask;
    while (this.slots[2 * i] !== 0) i = (i + 1) & this.mask;
    this.slots[2 * i] = r + 1;
    this.slots[2 * i + 1] = h;
  }

  private find(key: string, h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[2 * i];
      if (s === 0) return -1;
      if (this.slots[2 * i + 1] === h && this.ringKeys[s - 1] === key) return s - 1;
    }
  }

  private expire(now: number): void {
    while (this.used > 0 && now - this.ringTime[this.head] >= this.ttlMs) this.evictOldest();
  }

  private evictOldest(): void {
    this.remove(this.head);
    this.head = (this.head + 1) % this.maxKeys;
    this.used--;
  }

  /** Drops ring entry r from the table (backward-shift deletion keeps probe chains whole). */
  private remove(r: number): void {
    const { slots, mask } = this;
    let i = this.ringHash[r] & mask;
    while (slots[2 * i] !== r + 1) i = (i + 1) & mask;
    slots[2 * i] = 0;
    for (let j = (i + 1) & mask; slots[2 * j] !== 0; j = (j + 1) & mask) {
      const home = slots[2 * j + 1] & mask;
      // The entry at j may move into the hole at i unless its home lies in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        slots[2 * i] = slots[2 * j];
        slots[2 * i + 1] = slots[2 * j + 1];
        slots[2 * j] = 0;
        i = j;
      }
    }
    this.ringKeys[r] = undefined;
  }
}

/** FNV-1a over UTF-16 code units: event keys are already uniform hashes. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}
