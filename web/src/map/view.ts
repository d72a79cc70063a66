// The map's transform (game units <-> CSS pixels) and its pan/zoom input: mouse drag
// and wheel, touch drag and pinch (pointer events), and keyboard (arrows, +/-, 0).
// Game coordinates: `ew` grows east (right), `ns` grows north (up).
export interface ViewState {
  cx: number;
  cy: number;
  scale: number;
}

export const ZOOM = { min: 0.05, max: 2000, step: 1.25 };
/** Fitting one player (or a tight group) shows at least this many units across. */
const FIT_MIN_UNITS = 20;

export class MapView implements ViewState {
  cx = 0;
  cy = 0;
  scale = 8;
  width = 1;
  height = 1;
  version = 0;

  x(ew: number): number {
    return this.width / 2 + (ew - this.cx) * this.scale;
  }
  y(ns: number): number {
    return this.height / 2 - (ns - this.cy) * this.scale;
  }
  ew(x: number): number {
    return this.cx + (x - this.width / 2) / this.scale;
  }
  ns(y: number): number {
    return this.cy - (y - this.height / 2) / this.scale;
  }

  set(s: Partial<ViewState>): void {
    if (s.cx !== undefined && Number.isFinite(s.cx)) this.cx = s.cx;
    if (s.cy !== undefined && Number.isFinite(s.cy)) this.cy = s.cy;
    if (s.scale !== undefined && Number.isFinite(s.scale)) this.scale = Math.min(ZOOM.max, Math.max(ZOOM.min, s.scale));
    this.version++;
  }
  panPx(dx: number, dy: number): void {
    this.set({ cx: this.cx - dx / this.scale, cy: this.cy + dy / this.scale });
  }
  /** Zooms by `factor` keeping the game point under (x, y) in place. */
  zoomAt(factor: number, x = this.width / 2, y = this.height / 2): void {
    const ew = this.ew(x),
      ns = this.ns(y);
    this.set({ scale: this.scale * factor });
    this.set({ cx: ew - (x - this.width / 2) / this.scale, cy: ns + (y - this.height / 2) / this.scale });
  }
  centerOn(ew: number, ns: number): void {
    this.set({ cx: ew, cy: ns });
  }
  /** Fits a bounding box (with a margin). */
  fit(minEw: number, maxEw: number, minNs: number, maxNs: number): void {
    const w = Math.max(maxEw - minEw, FIT_MIN_UNITS),
      h = Math.max(maxNs - minNs, FIT_MIN_UNITS);
    this.set({
      cx: (minEw + maxEw) / 2,
      cy: (minNs + maxNs) / 2,
      scale: 0.85 * Math.min(this.width / w, this.height / h),
    });
  }
}

/** Wires mouse, touch and keyboard to the view; `onTap` gets clicks that did not drag. */
export function attachInput(
  canvas: HTMLCanvasElement,
  view: MapView,
  actions: { onTap: (x: number, y: number) => void; onFit: () => void; onUserInput: () => void },
): void {
  const pointers = new Map<number, { x: number; y: number }>();
  let moved = 0;
  let pinch = 0;
  const local = (e: PointerEvent | WheelEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  canvas.addEventListener('pointerdown', (e) => {
    actions.onUserInput();
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, local(e));
    moved = 0;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = Math.hypot(a.x - b.x, a.y - b.y);
    }
  });
  canvas.addEventListener('pointermove', (e) => {
    const prev = pointers.get(e.pointerId);
    if (!prev) return;
    const p = local(e);
    if (pointers.size === 1) {
      view.panPx(p.x - prev.x, p.y - prev.y);
      moved += Math.abs(p.x - prev.x) + Math.abs(p.y - prev.y);
    }
    pointers.set(e.pointerId, p);
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch > 0 && d > 0) view.zoomAt(d / pinch, (a.x + b.x) / 2, (a.y + b.y) / 2);
      pinch = d;
      moved += 10;
    }
  });
  const up = (e: PointerEvent) => {
    const p = pointers.get(e.pointerId);
    pointers.delete(e.pointerId);
    if (p && pointers.size === 0 && moved < 5) actions.onTap(p.x, p.y);
    if (pointers.size < 2) pinch = 0;
  };
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', (e) => {
    pointers.delete(e.pointerId);
    pinch = 0;
  });
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      actions.onUserInput();
      const p = local(e);
      view.zoomAt(Math.exp(-e.deltaY * 0.0015), p.x, p.y);
    },
    { passive: false },
  );
  canvas.addEventListener('keydown', (e) => {
    const step = 60;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => view.panPx(step, 0),
      ArrowRight: () => view.panPx(-step, 0),
      ArrowUp: () => view.panPx(0, step),
      ArrowDown: () => view.panPx(0, -step),
      '+': () => view.zoomAt(ZOOM.step),
      '=': () => view.zoomAt(ZOOM.step),
      '-': () => view.zoomAt(1 / ZOOM.step),
      '0': actions.onFit,
    };
    const k = keys[e.key];
    if (k) {
      e.preventDefault();
      if (e.key !== '0') actions.onUserInput();
      k();
    }
  });
}
