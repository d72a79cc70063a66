// A player's recent positions in a fixed ring buffer: appending is O(1) and never
// allocates, and the length is capped so long sessions cannot grow memory (long trails
// crash browsers: see docs/web.md).
export class Trail {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly ts: Float64Array;
  start = 0;
  length = 0;
  constructor(readonly capacity: number) {
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
  }
  /** Appends a point newer than the newest one held; older or equal times are ignored. */
  push(x: number, y: number, tMs: number): void {
    if (this.length > 0 && tMs <= this.ts[(this.start + this.length - 1) % this.capacity]) return;
    const i = (this.start + this.length) % this.capacity;
    this.xs[i] = x;
    this.ys[i] = y;
    this.ts[i] = tMs;
    if (this.length < this.capacity) this.length++;
    else this.start = (this.start + 1) % this.capacity;
  }
  clear(): void {
    this.start = 0;
    this.length = 0;
  }
  /** Calls fn for every point at or after sinceMs, oldest first. */
  forEachSince(sinceMs: number, fn: (x: number, y: number, t: number) => void): void {
    for (let k = 0; k < this.length; k++) {
      const i = (this.start + k) % this.capacity;
      if (this.ts[i] >= sinceMs) fn(this.xs[i], this.ys[i], this.ts[i]);
    }
  }
}
